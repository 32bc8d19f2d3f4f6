/**
 * The commands as a user runs them: create tokens, start `osprey server` on a SQLite directory,
 * send a call, then `osprey calls`, `stats` and `trace` against it, and stop it with SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isoMicros } from '../../telemetry/time.js';
import { llmCall } from '../../../test/server/fixtures.js';

const OSPREY = fileURLToPath(new URL('../../../../bin/osprey', import.meta.url));
const run = promisify(execFile);

function osprey(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [OSPREY, ...args], { env: { ...process.env, OSPREY_TOKEN: '', OSPREY_SERVER: '' } });
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('osprey server, calls, stats, trace (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-cli-test-'));
  let server: ChildProcess;
  let url: string;
  let ingest: string;
  let read: string;
  // Record times are µs ISO strings, as the agent writes them (and as the server renders them back).
  const call = llmCall({ start_time: isoMicros((Date.now() - 60_000) * 1000), end_time: isoMicros((Date.now() - 59_000) * 1000) });

  before(async () => {
    ingest = (await osprey(['server', 'token', 'create', '--scope', 'ingest', '--data-dir', dir])).stdout.trim();
    read = (await osprey(['server', 'token', 'create', '--data-dir', dir, '--scope', 'read', '--name', 'cli-test'])).stdout.trim();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [OSPREY, 'server', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--retention-days', '30'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('server did not answer /api/health within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${url}/api/v1/llm-calls`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingest}` }, body: JSON.stringify({ records: [call] }) });
    assert.equal(res.status, 200);
  });

  after(() => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('token create prints the secret once, and token list never shows it', async () => {
    assert.match(ingest, /^osp_[A-Za-z0-9_-]{43}$/);
    const { stdout } = await osprey(['server', 'token', 'list', '--data-dir', dir]);
    assert.match(stdout, /read\s+cli-test/);
    assert.ok(!stdout.includes(ingest) && !stdout.includes(read));
  });

  it('calls lists as a table and as JSON, and shows one call by span id', async () => {
    const table = (await osprey(['calls', '--server', url, '--token', read])).stdout;
    assert.match(table, /^TIME \(UTC\)\s+AGENT\s+PROVIDER\s+MODEL/);
    assert.match(table, /support-bot\s+openai\s+gpt-4o-mini-2024-07-18\s+4242 python3\.11/);
    const json = JSON.parse((await osprey(['calls', '--server', url, '--token', read, '--json', '--agent', 'support-bot', '--since', '1h'])).stdout);
    assert.deepEqual(json.calls.map((c: { span_id: string }) => c.span_id), [call.span_id]);
    const none = JSON.parse((await osprey(['calls', '--server', url, '--token', read, '--json', '--agent', 'nobody'])).stdout);
    assert.deepEqual(none.calls, []);
    const one = JSON.parse((await osprey(['calls', call.span_id, '--server', url, '--token', read])).stdout);
    assert.deepEqual(one.record, call);
  });

  it('stats and trace print what the API answers', async () => {
    const stats = (await osprey(['stats', '--server', url, '--token', read, '--by', 'agent', '--since', '1d', '--bucket', '1h'])).stdout;
    assert.match(stats, /support-bot\s+1\s+1000\s+2000\s+\$0\.001350/);
    assert.match(stats, /TOTAL\s+1/);
    const trace = JSON.parse((await osprey(['trace', call.trace_id, '--server', url, '--token', read])).stdout);
    assert.equal(trace.llm_calls[0].span_id, call.span_id);
  });

  it('says in one line what went wrong', async () => {
    await assert.rejects(osprey(['calls', '--server', url, '--token', 'wrong']), (e: { code: number; stderr: string }) => e.code === 1 && /server answered 401: unknown or revoked token/.test(e.stderr));
    await assert.rejects(osprey(['calls', '--server', url, '--token', read, '--since', 'yesterday']), (e: { stderr: string }) => /--since expects a duration/.test(e.stderr));
    await assert.rejects(osprey(['calls', '--server', 'http://127.0.0.1:1', '--token', read]), (e: { stderr: string }) => /cannot reach http:\/\/127\.0\.0\.1:1/.test(e.stderr));
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
