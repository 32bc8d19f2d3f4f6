/**
 * The README's main command end to end: `osprey up` runs the server (SQLite) and the agent in one
 * process; a real client's call is captured, delivered and answered by `osprey calls`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFakeOpenAi } from '../../src/demo/fake-provider.js';
import { makePki } from '../../src/demo/pki.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const run = promisify(execFile);
const HOST = 'api.openai.com';
const OSPREY = join(REPO_ROOT, 'bin', 'osprey');

test('osprey up: capture → server → osprey calls', async () => {
  const pki = makePki([HOST]);
  const provider = await startFakeOpenAi({ cert: pki.cert, key: pki.key });
  const dataDir = mkdtempSync(join(tmpdir(), 'osprey-up-'));
  const hosts = join(dataDir, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${HOST}\n`);
  const listen = `127.0.0.1:${17070 + (process.pid % 1000)}`;
  const up = spawn(process.execPath, [OSPREY, 'up', '--data-dir', dataDir, '--listen', listen], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  up.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => up.on('exit', resolve));
  try {
    const deadline = Date.now() + 60_000;
    while (!/attached openssl probes to \S*libssl\.so/.test(stderr) || !/server on /.test(stderr)) {
      assert.ok(up.exitCode === null, `osprey up exited early:\n${stderr}`);
      assert.ok(Date.now() < deadline, `osprey up did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(statSync(join(dataDir, 'local-tokens.json')).mode & 0o777, 0o600, 'tokens are private to root');
    const readToken = (JSON.parse(readFileSync(join(dataDir, 'local-tokens.json'), 'utf8')) as { read: string }).read;
    const spec = JSON.stringify({ host: HOST, port: provider.port, cafile: pki.caCertPath, model: 'gpt-4o-mini', marker: 'up-e2e' });
    await run(join(REPO_ROOT, 'scripts', 'clients', 'with-hosts.sh'), [hosts, 'python3', join(REPO_ROOT, 'scripts', 'clients', 'chat.py'), spec]);
    // Delivery is batched (up to 1 s) and retried: poll the query API through the CLI.
    const queryDeadline = Date.now() + 15_000;
    let calls: Array<Record<string, unknown>> = [];
    while (Date.now() < queryDeadline) {
      const { stdout } = await run(process.execPath, [OSPREY, 'calls', '--server', `http://${listen}`, '--token', readToken, '--json', '--text', 'up-e2e']).catch((e: { stdout: string }) => e);
      try {
        calls = (JSON.parse(stdout) as { calls: Array<Record<string, unknown>> }).calls;
      } catch {
        calls = [];
      }
      if (calls.length > 0) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(calls.length, 1, `one call stored; osprey up said:\n${stderr}`);
    assert.equal(JSON.stringify(calls[0]).includes('gpt-4o-mini'), true);
  } finally {
    up.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    await provider.close();
  }
});
