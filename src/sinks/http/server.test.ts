/**
 * The HTTP sink against the real Osprey server (src/server, SQLite in a temp dir), not a stand-in:
 * the wire contract (path, gzip, bearer token, `{records}`, the batch result) and zero loss across
 * a server stop and restart, counted in the database: exactly N rows, once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../server/app.js';
import { openStore, type Store } from '../../server/store/store.js';
import { droppedCount } from '../../telemetry/internal-events.js';
import { makeRecord } from '../testdata/records.js';
import { createHttpSink } from './sink.js';
import { createOtlpSink } from '../otlp/sink.js';
import { healthcheck } from './healthcheck.js';

const TOKEN = 'osprey-e2e-ingest-token';

async function countRows(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('llm_calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

interface Running {
  port: number;
  store: Store;
  close: () => Promise<void>;
}

/** The server over the SQLite data dir, on a fixed port so it can be restarted where the sink expects it. Closing it closes its store. */
async function listen(dataDir: string, port = 0): Promise<Running> {
  const store = await openStore({ kind: 'sqlite', dataDir });
  const app = buildServer({ store, envTokens: [{ scope: 'ingest', secret: TOKEN }] });
  await app.listen({ host: '127.0.0.1', port });
  const bound = (app.server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  return { port: bound, store, close: () => (closed ??= app.close().then(() => undefined)) };
}

test('http sink → real Osprey server (SQLite): zero loss across a server stop/restart, each call stored once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-sink-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rejectedBefore = await droppedCount('sink', 'rejected');
  const dataDir = join(dir, 'data');
  let server = await listen(dataDir);
  const url = `http://127.0.0.1:${server.port}`;
  assert.deepEqual(await healthcheck(new URL(url)), { ok: true, status: 200 });

  const spoolDir = join(dir, 'spool');
  const sink = createHttpSink({
    server: url,
    token: TOKEN,
    spoolDir,
    batch: { maxBatchSize: 100, scheduledDelayMs: 20 },
    retry: { initialBackoffMs: 20, maxBackoffMs: 100 },
    exportDeadlineMs: 300,
    holdMs: 50,
  });
  const N = 600;
  for (let n = 0; n < 200; n++) sink.write(makeRecord(n));
  await sink.flush();
  assert.equal(await countRows(server.store), 200);

  await server.close(); // the server goes away while calls keep being captured
  for (let n = 200; n < N; n++) sink.write(makeRecord(n));
  await sink.sync();
  assert.ok(sink.stats().spool.pendingRecords > 0, 'records wait in the spool');

  server = await listen(dataDir, server.port); // same database file, same port
  t.after(() => server.close());
  const deadline = Date.now() + 15_000;
  while ((await countRows(server.store)) < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await sink.close();
  assert.equal(await countRows(server.store), N, 'exactly N calls stored');
  assert.equal(sink.stats().rejected, 0);
  assert.equal((await droppedCount('sink', 'rejected')) - rejectedBefore, 0, 'the server accepted every record our encoder sends');
  assert.deepEqual(readdirSync(spoolDir).filter((f) => f.startsWith('segment-')), []);
});

test('http sink → real Osprey server: a wrong token is a 401 pause, records stay spooled', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-sink-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await listen(join(dir, 'data'));
  t.after(() => server.close());
  const sink = createHttpSink({ server: `http://127.0.0.1:${server.port}`, token: 'wrong', spoolDir: join(dir, 'spool'), batch: { scheduledDelayMs: 10 }, shutdownTimeoutMs: 500 });
  for (let n = 0; n < 10; n++) sink.write(makeRecord(n));
  await sink.sync();
  const deadline = Date.now() + 5000;
  while (sink.stats().state !== 'paused' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(sink.stats().state, 'paused');
  assert.equal(sink.stats().spool.pendingRecords, 10);
  await sink.close();
  assert.equal(await countRows(server.store), 0);
  assert.ok(readdirSync(join(dir, 'spool')).some((f) => f.startsWith('segment-')), 'kept for the next run');
});

test('otlp sink → real Osprey server /v1/traces: every span accepted and stored (an independent OTLP JSON reader)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-sink-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rejectedBefore = await droppedCount('sink', 'rejected');
  const server = await listen(join(dir, 'data'));
  t.after(() => server.close());
  const sink = createOtlpSink({
    url: `http://127.0.0.1:${server.port}`,
    headers: { authorization: `Bearer ${TOKEN}` },
    spoolDir: join(dir, 'spool'),
    batch: { maxBatchSize: 50, scheduledDelayMs: 10 },
  });
  const N = 120;
  for (let n = 0; n < N; n++) sink.write(makeRecord(n));
  await sink.flush();
  await sink.close();
  assert.equal(sink.stats().delivered, N);
  assert.equal(sink.stats().rejected, 0);
  assert.equal((await droppedCount('sink', 'rejected')) - rejectedBefore, 0);
  assert.equal(await countRows(server.store), N);
});
