import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { droppedCount } from '../../telemetry/internal-events.js';
import { OspreyError } from '../../util/errors.js';
import { IngestServer } from '../testdata/ingest-server.js';
import { makeRecord, spanIdOf } from '../testdata/records.js';
import { resolveHttpSinkConfig, type HttpSinkConfig } from './config.js';
import { encodeRecordsBody, parseIngestResponse } from './encoder.js';
import { healthcheck } from './healthcheck.js';
import { apiUrl, ingestUrl } from './request-builder.js';
import { createHttpSink } from './sink.js';

type T = { after: (fn: () => void | Promise<void>) => void };

function tempDir(t: T): string {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-http-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startServer(t: T): Promise<IngestServer> {
  const s = await new IngestServer().start();
  t.after(() => s.stop());
  return s;
}

/** Small constants so retries, holds and pauses take milliseconds, not seconds. */
function fastSink(server: IngestServer, spoolDir: string, extra: Partial<HttpSinkConfig> = {}) {
  return createHttpSink({
    server: server.url,
    token: 'test-token',
    spoolDir,
    batch: { maxBatchSize: 50, scheduledDelayMs: 10 },
    retry: { initialBackoffMs: 10, maxBackoffMs: 50, requestTimeoutMs: 2000 },
    exportDeadlineMs: 300,
    holdMs: 30,
    pausedRetryMs: 100,
    shutdownTimeoutMs: 2000,
    flushTimeoutMs: 5000,
    ...extra,
  });
}

const expectedIds = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => spanIdOf(from + i));
const missing = (server: IngestServer, ids: string[]): string[] => ids.filter((id) => !server.received.has(id));
const segmentsIn = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('segment-'));

// ---- pure pieces -------------------------------------------------------------------------------

test('http encoder: the body is {"records": [...]} built from spooled lines', () => {
  const lines = [0, 1].map((n) => JSON.stringify(makeRecord(n)));
  assert.deepEqual(JSON.parse(encodeRecordsBody(lines)), { records: [makeRecord(0), makeRecord(1)] });
  assert.deepEqual(JSON.parse(encodeRecordsBody([])), { records: [] });
});

test('http encoder: reads {accepted, rejected, errors}; a 200 of another shape means all accepted', () => {
  assert.deepEqual(parseIngestResponse('{"accepted":3,"rejected":1,"errors":[{"index":2,"error":"bad span_id"}]}', 4), {
    accepted: 3,
    rejected: 1,
    firstError: 'record 2: bad span_id',
  });
  assert.deepEqual(parseIngestResponse('{"accepted":4,"rejected":0,"errors":[]}', 4), { accepted: 4, rejected: 0, firstError: null });
  assert.deepEqual(parseIngestResponse('ok', 4), { accepted: 4, rejected: 0, firstError: null });
  assert.deepEqual(parseIngestResponse('{"rejected":99}', 4), { accepted: 0, rejected: 4, firstError: null });
});

test('http config: a bad value fails with an error naming the field', () => {
  const base = { server: 'http://127.0.0.1:1', token: 't', spoolDir: '/tmp/x' };
  const fails = (c: HttpSinkConfig, field: string): void =>
    assert.throws(
      () => resolveHttpSinkConfig(c),
      (e: unknown) => e instanceof OspreyError && e.code === 'OSP_ERR_SINK_CONFIG' && e.message.startsWith(`${field}:`),
      field,
    );
  fails({ ...base, server: 'localhost:7070' }, 'server');
  fails({ ...base, server: 'ftp://x' }, 'server');
  fails({ ...base, server: 'http://user:pw@x' }, 'server');
  fails({ ...base, token: '' }, 'token');
  fails({ ...base, token: 'a b' }, 'token');
  fails({ ...base, spoolDir: '' }, 'spoolDir');
  fails({ ...base, batch: { maxBatchSize: 0 } }, 'batch.maxBatchSize');
  fails({ ...base, shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs');
  const ok = resolveHttpSinkConfig(base);
  assert.equal(ok.gzip, true);
});

test('http request builder: API paths join onto a base URL with or without a prefix', () => {
  assert.equal(ingestUrl(new URL('http://h:7070')), 'http://h:7070/api/v1/llm-calls');
  assert.equal(ingestUrl(new URL('http://h:7070/')), 'http://h:7070/api/v1/llm-calls');
  assert.equal(apiUrl(new URL('https://h/osprey/'), '/api/health'), 'https://h/osprey/api/health');
});

// ---- against a real local server ---------------------------------------------------------------

test('http sink: delivers gzip JSON with the bearer token, then deletes the spool', async (t) => {
  const server = await startServer(t);
  const dir = tempDir(t);
  const sink = fastSink(server, dir);
  for (let n = 0; n < 120; n++) sink.write(makeRecord(n));
  await sink.flush();
  assert.deepEqual(missing(server, expectedIds(120)), []);
  assert.deepEqual(server.received.get(spanIdOf(5)), makeRecord(5), 'the record arrives unchanged');
  const req = server.log.find((r) => r.path === '/api/v1/llm-calls')!;
  assert.equal(req.headers['content-encoding'], 'gzip');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers.authorization, 'Bearer test-token');
  assert.ok(server.log.every((r) => r.records <= 50), 'batches respect maxBatchSize');
  assert.equal(sink.stats().delivered, 120);
  await sink.close();
  assert.deepEqual(segmentsIn(dir), []);
});

test('http sink: zero loss — server down while N records are written, started later: exactly N distinct arrive', async (t) => {
  const server = await startServer(t);
  await server.stop(); // the port is known; nothing listens on it now
  const dir = tempDir(t);
  const sink = fastSink(server, dir);
  const N = 1000;
  for (let n = 0; n < N; n++) {
    sink.write(makeRecord(n));
    if (n % 100 === 0) await new Promise((r) => setTimeout(r, 5)); // spread over time, several batches
  }
  await sink.sync();
  assert.ok(sink.stats().spool.pendingRecords >= N - 50, 'records wait in the spool');
  await server.start();
  await server.waitForRecords(N, 15_000);
  assert.deepEqual(missing(server, expectedIds(N)), []);
  assert.equal(server.received.size, N);
  await sink.close();
  assert.deepEqual(segmentsIn(dir), []);
});

test('http sink: zero loss across a restart — close() with the server down keeps records, the next sink delivers them', async (t) => {
  const server = await startServer(t);
  await server.stop();
  const dir = tempDir(t);
  const first = fastSink(server, dir);
  for (let n = 0; n < 300; n++) first.write(makeRecord(n));
  await first.close();
  assert.ok(segmentsIn(dir).length > 0);
  await server.start();
  const second = fastSink(server, dir);
  for (let n = 300; n < 350; n++) second.write(makeRecord(n));
  await second.flush();
  await server.waitForRecords(350);
  assert.deepEqual(missing(server, expectedIds(350)), []);
  await second.close();
  assert.deepEqual(segmentsIn(dir), []);
});

test('http sink: a slow server never blocks write(); records are durable in the spool while requests hang', async (t) => {
  const server = await startServer(t);
  server.behaviour = { hold: true };
  const dir = tempDir(t);
  const sink = fastSink(server, dir, { batch: { maxBatchSize: 20, scheduledDelayMs: 10 } });
  for (let n = 0; n < 500; n++) sink.write(makeRecord(n));
  await sink.sync(); // resolves although the server has answered nothing
  assert.equal(server.log.length, 0, 'no answer yet');
  assert.ok(sink.stats().spool.pendingRecords === 500);
  server.behaviour = {};
  server.release();
  await server.waitForRecords(500);
  await sink.close();
});

test('http sink: 503 is retried; Retry-After is honoured over the (much shorter) backoff', async (t) => {
  const server = await startServer(t);
  server.behaviour = { status: 503, retryAfter: '1', statusTimes: 1 };
  const dir = tempDir(t);
  const sink = fastSink(server, dir, { exportDeadlineMs: 10_000 });
  for (let n = 0; n < 10; n++) sink.write(makeRecord(n));
  await server.waitForRecords(10);
  const [refused, accepted] = server.log;
  assert.equal(refused!.status, 503);
  assert.equal(accepted!.status, 200);
  // Backoff alone would retry after ~10 ms; the server asked for 1 s. (A lower bound: safe on a loaded machine.)
  assert.ok(accepted!.at - refused!.at >= 900, `waited ${accepted!.at - refused!.at} ms`);
  await sink.close();
});

test('http sink: a Retry-After past the export deadline holds the batch, which is sent later', async (t) => {
  const server = await startServer(t);
  server.behaviour = { status: 429, retryAfter: '1', statusTimes: 2 };
  const dir = tempDir(t);
  const sink = fastSink(server, dir, { exportDeadlineMs: 200 });
  sink.write(makeRecord(0));
  await server.waitForRecords(1, 10_000);
  assert.deepEqual(
    server.log.map((r) => r.status),
    [429, 429, 200],
  );
  await sink.close();
});

test('http sink: 413 splits the batch in halves until it fits', async (t) => {
  const server = await startServer(t);
  server.behaviour = { maxRecords: 6 };
  const dir = tempDir(t);
  const sink = fastSink(server, dir, { batch: { maxBatchSize: 50, scheduledDelayMs: 10 } });
  for (let n = 0; n < 50; n++) sink.write(makeRecord(n));
  await sink.flush();
  assert.deepEqual(missing(server, expectedIds(50)), []);
  assert.equal(server.totalRecords, 50, 'each record stored once: only refused halves were resent');
  assert.ok(server.log.some((r) => r.status === 413));
  assert.ok(server.log.filter((r) => r.status === 200).every((r) => r.records <= 6));
  await sink.close();
});

test('http sink: a single record over the limit is dropped and counted, the rest delivered', async (t) => {
  const server = await startServer(t);
  server.behaviour = { maxRecords: 0 };
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'too_large');
  const sink = fastSink(server, dir);
  sink.write(makeRecord(0));
  await sink.flush();
  assert.equal((await droppedCount('sink', 'too_large')) - before, 1);
  await sink.close();
  assert.deepEqual(segmentsIn(dir), []);
});

test('http sink: records the server rejects in a 200 are counted, not retried', async (t) => {
  const server = await startServer(t);
  server.behaviour = { rejectSpanIds: new Set([spanIdOf(3), spanIdOf(7)]) };
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'rejected');
  const sink = fastSink(server, dir);
  for (let n = 0; n < 10; n++) sink.write(makeRecord(n));
  await sink.flush();
  assert.equal(server.received.size, 8);
  assert.equal(server.totalRecords, 10, 'nothing resent');
  assert.equal((await droppedCount('sink', 'rejected')) - before, 2);
  assert.equal(sink.stats().rejected, 2);
  await sink.close();
});

test('http sink: 400 drops the batch (counted); later batches go on', async (t) => {
  const server = await startServer(t);
  server.behaviour = { status: 400, statusTimes: 1 };
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'rejected');
  const sink = fastSink(server, dir);
  for (let n = 0; n < 5; n++) sink.write(makeRecord(n));
  await sink.flush();
  for (let n = 5; n < 10; n++) sink.write(makeRecord(n));
  await sink.flush();
  assert.equal((await droppedCount('sink', 'rejected')) - before, 5);
  assert.deepEqual(missing(server, expectedIds(5, 5)), []);
  await sink.close();
});

test('http sink: 401 pauses delivery and keeps spooling; a fixed token resumes it, nothing lost', async (t) => {
  const server = await startServer(t);
  server.token = 'other-token';
  const dir = tempDir(t);
  const sink = fastSink(server, dir, { pausedRetryMs: 150 });
  for (let n = 0; n < 100; n++) sink.write(makeRecord(n));
  await server.waitFor(() => server.log.some((r) => r.status === 401), 5000, 'a 401');
  for (let n = 100; n < 200; n++) sink.write(makeRecord(n));
  await sink.sync();
  await server.waitFor(() => sink.stats().state === 'paused', 5000, 'paused');
  const attemptsWhilePaused = server.log.length;
  assert.equal(sink.stats().spool.pendingRecords, 200);
  assert.ok(attemptsWhilePaused <= 3, `delivery does not hammer the server while paused (${attemptsWhilePaused} requests)`);
  server.token = 'test-token';
  await server.waitForRecords(200);
  assert.deepEqual(missing(server, expectedIds(200)), []);
  await sink.close();
});

test('http sink: close() is idempotent, bounded when the server is down, and later writes are counted', async (t) => {
  const server = await startServer(t);
  await server.stop();
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'after_close');
  const sink = fastSink(server, dir, { shutdownTimeoutMs: 60_000 });
  sink.write(makeRecord(0));
  const c1 = sink.close();
  assert.equal(sink.close(), c1);
  await c1; // returns though the server is down: records stay spooled
  sink.write(makeRecord(1));
  assert.equal((await droppedCount('sink', 'after_close')) - before, 1);
  assert.equal(segmentsIn(dir).length, 1);
});

test('http sink: spool cap — with the server down, the oldest records are dropped and counted; the rest arrive', async (t) => {
  const server = await startServer(t);
  await server.stop();
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'spool_full');
  const one = JSON.stringify(makeRecord(0)).length + 1;
  const sink = fastSink(server, dir, { spoolMaxBytes: one * 100, spoolSegmentBytes: one * 10, batch: { maxBatchSize: 10, scheduledDelayMs: 10 } });
  const N = 400;
  for (let n = 0; n < N; n++) {
    sink.write(makeRecord(n));
    if (n % 10 === 9) await sink.sync();
  }
  const dropped = (await droppedCount('sink', 'spool_full')) - before;
  assert.ok(dropped >= N - 110 && dropped <= N - 80, `dropped ${dropped}`);
  await server.start();
  await server.waitForRecords(N - dropped);
  await sink.flush();
  assert.equal(server.received.size, N - dropped, 'received + dropped = written');
  assert.deepEqual(missing(server, expectedIds(N - dropped, dropped)), [], 'the newest survive, the oldest were dropped');
  await sink.close();
});

const childScript = fileURLToPath(new URL('../testdata/spool-child.js', import.meta.url));

/** Starts the child writer; resolves each `synced <n>` line through onLine. */
function runChild(dir: string, url: string, total: number, burst: number, onLine: (l: string) => void) {
  const child = spawn(process.execPath, [childScript, dir, url, String(total), String(burst)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    buf += s;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr.on('data', (s: Buffer) => (err += s.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  return { child, exited, stderr: () => err };
}

test('http sink: kill -9 after N records are spooled — a fresh sink on the same spool delivers all N', async (t) => {
  const server = await startServer(t);
  server.behaviour = { status: 503 }; // nothing is acknowledged before the kill
  const dir = tempDir(t);
  const N = 500;
  let done!: () => void;
  const isDone = new Promise<void>((r) => (done = r));
  const c = runChild(dir, server.url, N, 100, (l) => l === 'done' && done());
  await Promise.race([isDone, c.exited.then(() => assert.fail(`child exited early: ${c.stderr()}`))]);
  c.child.kill('SIGKILL');
  assert.equal(await c.exited, 'SIGKILL');
  server.behaviour = {};
  const sink = fastSink(server, dir);
  await server.waitForRecords(N);
  assert.deepEqual(missing(server, expectedIds(N)), []);
  await sink.close();
  assert.deepEqual(segmentsIn(dir), []);
});

test('http sink: kill -9 mid-spool while delivering — every record the child reported durable arrives', async (t) => {
  const server = await startServer(t);
  server.behaviour = { delayMs: 15 }; // some batches acknowledged, some in flight, some only on disk
  const dir = tempDir(t);
  let synced = 0;
  let reached!: () => void;
  const enough = new Promise<void>((r) => (reached = r));
  const c = runChild(dir, server.url, 100_000, 40, (l) => {
    const m = /^synced (\d+)$/.exec(l);
    if (m) synced = Number(m[1]);
    if (synced >= 1200) reached();
  });
  await Promise.race([enough, c.exited.then(() => assert.fail(`child exited early: ${c.stderr()}`))]);
  c.child.kill('SIGKILL'); // while it keeps writing and syncing
  await c.exited;
  const durable = synced;
  server.behaviour = {};
  const sink = fastSink(server, dir);
  await server.waitForRecords(durable, 15_000);
  await sink.flush();
  assert.deepEqual(missing(server, expectedIds(durable)), [], `all ${durable} durable records delivered`);
  await sink.close();
  assert.deepEqual(segmentsIn(dir), []);
});

test('http healthcheck: 200 when up; a clear error when down, kept apart from sending', async (t) => {
  const server = await startServer(t);
  assert.deepEqual(await healthcheck(new URL(server.url)), { ok: true, status: 200 });
  await server.stop();
  const down = await healthcheck(new URL(server.url), 1000);
  assert.equal(down.ok, false);
  assert.match(!down.ok ? down.error : '', /api\/health: ECONNREFUSED/);
  assert.equal(server.log.filter((r) => r.path === '/api/v1/llm-calls').length, 0);
});

test('http sink: flush() right after a restart waits for the replayed records too', async (t) => {
  const server = await startServer(t);
  await server.stop();
  const dir = tempDir(t);
  const first = fastSink(server, dir);
  for (let n = 0; n < 100; n++) first.write(makeRecord(n));
  await first.close();
  await server.start();
  const second = fastSink(server, dir);
  await second.flush();
  assert.equal(server.received.size, 100, 'flush resolved only after the replay was delivered');
  await second.close();
});

test('http sink: a full disk under the spool does not stop delivery (batches kept in memory, bounded)', async (t) => {
  // A 64 KiB tmpfs fills after a few batches; needs root to mount (CI and dev machines run as root).
  const mnt = mkdtempSync(join(tmpdir(), 'osprey-tinyfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    rmSync(mnt, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (not root)');
    return;
  }
  t.after(() => {
    execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    rmSync(mnt, { recursive: true, force: true });
  });
  const server = await startServer(t);
  await server.stop();
  const sink = fastSink(server, join(mnt, 'spool'), { batch: { maxBatchSize: 20, scheduledDelayMs: 10 } });
  const N = 300; // ~500 KB: most of it cannot be written to the 64 KiB disk
  for (let n = 0; n < N; n++) sink.write(makeRecord(n));
  await sink.sync();
  assert.equal(sink.stats().spool.pendingRecords, N, 'nothing lost while the disk is full');
  await server.start();
  await server.waitForRecords(N);
  assert.deepEqual(missing(server, expectedIds(N)), []);
  await sink.close();
});
