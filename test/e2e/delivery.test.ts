/**
 * End to end, with real probes: the agent's `--demo` workload makes real TLS calls, the agent
 * captures them and delivers them to a server (a local stand-in for the Osprey server and an OTLP
 * collector), while the server goes away and comes back, and across a kill -9 of the agent.
 * The JSONL file the agent writes beside is the list of what was captured: every span in it
 * must reach the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent } from '../helpers/agent.js';
import { IngestServer } from '../../src/sinks/testdata/ingest-server.js';

const ATTACHED = [/attached openssl probes to \/usr\/bin\/node/];

function spooledSpanIds(dir: string): Set<string> {
  const ids = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.startsWith('segment-'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (line.endsWith('}')) ids.add((JSON.parse(line) as { span_id: string }).span_id);
    }
  }
  return ids;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('agent --server --otlp: captured calls reach the server and the collector across a server outage', { timeout: 120_000 }, async (t) => {
  const server = await new IngestServer().start();
  t.after(() => server.stop());
  const dir = mkdtempSync(join(tmpdir(), 'osprey-e2e-delivery-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const agent = await startAgent(ATTACHED, ['--demo', '--server', server.url, '--token', server.token, '--otlp', server.url, '--spool-dir', join(dir, 'spool')]);
  t.after(() => agent.stop('SIGKILL'));
  await agent.waitFor((rs) => rs.length >= 2, 60_000);
  await server.stop();
  const atStop = agent.records().length;
  await agent.waitFor((rs) => rs.length >= atStop + 2, 60_000); // captured while the server is down
  // Only restart once the agent has really tried and failed to deliver them, so they go through the spool.
  await until('a failed delivery attempt', () => /records are kept in the spool/.test(agent.stderr()));
  await server.start();
  await agent.waitFor((rs) => rs.length >= atStop + 4, 60_000);
  assert.equal(await agent.stop('SIGINT'), 0);
  const captured = agent.records().map((r) => r.span_id);
  await until('every captured call on the server', () => captured.every((id) => server.received.has(id) && server.spans.has(id)), 5000).catch(() => undefined);
  assert.deepEqual(captured.filter((id) => !server.received.has(id)), [], 'missing on the server');
  assert.deepEqual(captured.filter((id) => !server.spans.has(id)), [], 'missing on the OTLP collector');
});

test('agent --server: kill -9 with calls only in the spool; the next agent delivers them', { timeout: 120_000 }, async (t) => {
  const server = await new IngestServer().start();
  t.after(() => server.stop());
  await server.stop(); // down for the whole first run
  const dir = mkdtempSync(join(tmpdir(), 'osprey-e2e-delivery-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spoolDir = join(dir, 'spool');
  const first = await startAgent(ATTACHED, ['--demo', '--server', server.url, '--token', server.token, '--spool-dir', spoolDir]);
  t.after(() => first.stop('SIGKILL'));
  await first.waitFor((rs) => rs.length >= 3, 60_000);
  const captured = first.records().map((r) => r.span_id);
  // Durable first (the spool is fsync'd about a second after capture), then the hard kill.
  await until('the captured calls in the spool', () => captured.every((id) => spooledSpanIds(join(spoolDir, 'server')).has(id)));
  await first.stop('SIGKILL');

  await server.start();
  const second = await startAgent(ATTACHED, ['--server', server.url, '--token', server.token, '--spool-dir', spoolDir]);
  t.after(() => second.stop('SIGKILL'));
  await until('the first run’s calls on the server', () => captured.every((id) => server.received.has(id)), 30_000);
  assert.equal(await second.stop('SIGINT'), 0);
  assert.deepEqual(captured.filter((id) => !server.received.has(id)), []);
});
