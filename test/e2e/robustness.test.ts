/**
 * The agent under stress and at its edges, with real probes: a ring buffer too small for a request
 * (drops are counted, the stream is marked, the next call is exact), SIGTERM flushing, a record
 * within a second of the response, and a clear one-line refusal without privileges.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { startAgent, withMarker, type RunningAgent } from '../helpers/agent.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../src/demo/fake-provider.js';
import { makePki, type Pki } from '../../src/demo/pki.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import type { LlmCall } from '../../src/telemetry/llm-call.js';

const run = promisify(execFile);
const HOST = 'api.openai.com';
const CLIENTS = join(REPO_ROOT, 'scripts', 'clients');
const ATTACHED = [/attached openssl probes to \S*libssl\.so/];

let pki: Pki;
let server: FakeOpenAi;
let hostsFile: string;

before(async () => {
  pki = makePki([HOST]);
  server = await startFakeOpenAi({ cert: pki.cert, key: pki.key });
  hostsFile = join(mkdtempSync(join(tmpdir(), 'osprey-hosts-')), 'hosts');
  writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${HOST}\n`);
});

after(async () => {
  await server?.close();
});

async function python(spec: object): Promise<void> {
  const child = spawn(join(CLIENTS, 'with-hosts.sh'), [hostsFile, 'python3', join(CLIENTS, 'chat.py'), JSON.stringify({ host: HOST, port: server.port, cafile: pki.caCertPath, model: 'gpt-4o-mini', ...spec })], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, err);
}

function has(m: string): (rs: LlmCall[]) => boolean {
  return (rs) => withMarker(rs, m).length > 0;
}

async function metric(port: number, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('a ring buffer too small for a 16 MB request: drops are counted, the next call is exact', async () => {
  const metricsPort = 19464 + (process.pid % 1000);
  const agent: RunningAgent = await startAgent(ATTACHED, ['--ringbuf-mb', '1', '--metrics', `127.0.0.1:${metricsPort}`]);
  try {
    await python({ marker: 'huge-request', pad_bytes: 16 * 1024 * 1024 });
    await python({ marker: 'next-call' });
    const rs = await agent.waitFor(has('next-call'));
    const after = withMarker(rs, 'next-call');
    assert.equal(after.length, 1);
    assert.equal(after[0]?.attributes['gen_ai.usage.input_tokens'], 21);
    // The oversized request was not glued together from the bytes that made it: no partial record.
    assert.equal(withMarker(rs, 'huge-request-0').length, 0);
    // The loader reports kernel counters once a second.
    const deadline = Date.now() + 5000;
    let drops = 0;
    while (Date.now() < deadline && (drops = await metric(metricsPort, 'osprey_records_dropped_total', 'stage="kernel",reason="ringbuf_full_data"')) === 0) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(drops > 0, 'kernel ring-buffer drops are counted');
    assert.ok((await metric(metricsPort, 'osprey_records_dropped_total', 'stage="stream",reason="gap"')) > 0, 'the lost bytes are a gap in the stream');
  } finally {
    assert.equal(await agent.stop(), 0);
  }
});

test('a record is written within 1 s of the response, and SIGTERM flushes and exits 0', async () => {
  const agent = await startAgent(ATTACHED);
  await python({ marker: 'sigterm' });
  const finishedAt = Date.now();
  await agent.waitFor(has('sigterm'), 1000);
  assert.ok(Date.now() - finishedAt <= 1000);
  assert.equal(await agent.stop('SIGTERM'), 0);
  assert.equal(withMarker(agent.records(), 'sigterm').length, 1);
});

test('without privileges the agent exits with one clear line, not a stack trace', async () => {
  const err = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(REPO_ROOT, 'bin', 'osprey'), 'agent', '--jsonl', '-']).then(
    () => assert.fail('the agent must refuse to run unprivileged'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(err.code, 1);
  const lines = err.stderr.trim().split('\n');
  assert.equal(lines.length, 1, err.stderr);
  assert.match(lines[0] as string, /^osprey: .*must run as root/);
});

test('a recording of the sensor output replays into the same records, without a kernel', async () => {
  const recording = join(mkdtempSync(join(tmpdir(), 'osprey-rec-')), 'sensor.bin');
  const agent = await startAgent(ATTACHED, ['--record', recording]);
  await python({ marker: 'replay-a', stream: true, include_usage: true });
  await python({ marker: 'replay-b', tools: true });
  await agent.waitFor((rs) => withMarker(rs, 'replay-a').length === 1 && withMarker(rs, 'replay-b').length === 1);
  assert.equal(await agent.stop(), 0);
  const replayed = join(dirname(recording), 'replayed.jsonl');
  await run(process.execPath, [join(REPO_ROOT, 'bin', 'osprey'), 'replay', recording, '--jsonl', replayed]);
  // Replay knows a process only from its exec record: the path it was started by (not the
  // symlink-resolved /proc/PID/exe) and a creation time from a separately measured boot epoch.
  const strip = (r: LlmCall): unknown => {
    const { 'process.executable.path': _path, 'process.executable.name': _name, 'process.creation.time': _created, ...rest } = r.attributes;
    return { name: r.name, attributes: rest };
  };
  const live = [...withMarker(agent.records(), 'replay-a'), ...withMarker(agent.records(), 'replay-b')].map(strip);
  const again = readFileSync(replayed, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LlmCall);
  assert.deepEqual([...withMarker(again, 'replay-a'), ...withMarker(again, 'replay-b')].map(strip), live);
});
