/**
 * Delivery benchmark: what the agent's remote sinks cost and how fast they move records.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/delivery.js [--records 50000] [--content-bytes 800]
 *
 * Prints, for records of ~1–2 KB (one user message of --content-bytes):
 * - write(): the capture-path cost per record (JSON.stringify + in-memory queue), server hanging
 * - spool append: records/s and MB/s into the on-disk spool (one write + fdatasync per 512-record batch)
 * - HTTP sink → local stand-in server (gunzip + JSON.parse + dedupe there): records/s end to end
 * - HTTP sink → the real Osprey server on SQLite: records/s stored
 * - OTLP sink → local stand-in collector: spans/s
 * - replay: records/s delivered from a spool left by an earlier run
 * The machine is shared and small (2 cores): read the numbers as orders of magnitude.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../src/server/app.js';
import { openStore } from '../src/server/store/store.js';
import { createHttpSink } from '../src/sinks/http/sink.js';
import { createOtlpSink } from '../src/sinks/otlp/sink.js';
import { Spool } from '../src/sinks/spool/spool.js';
import { IngestServer } from '../src/sinks/testdata/ingest-server.js';
import { makeRecord } from '../src/sinks/testdata/records.js';
import type { DeliverySink } from '../src/sinks/delivery/sink.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => Number(args[args.indexOf(`--${name}`) + 1] ?? NaN) || dflt;
const N = arg('records', 50_000);
const contentBytes = arg('content-bytes', 800);
// Round-tripped so strings are flat, as in records built from parsed provider JSON.
const records = Array.from({ length: N }, (_, n) => JSON.parse(JSON.stringify(makeRecord(n, { contentBytes }))) as ReturnType<typeof makeRecord>);
const lines = records.map((r) => JSON.stringify(r));
const avgBytes = Math.round(lines.reduce((a, l) => a + l.length + 1, 0) / N);
const dir = mkdtempSync(join(tmpdir(), 'osprey-bench-delivery-'));
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function report(what: string, count: number, ms: number, unit = 'records'): void {
  const perS = (count / ms) * 1000;
  console.log(`${what.padEnd(44)} ${fmt(perS).padStart(10)} ${unit}/s  ${((perS * avgBytes) / 1e6).toFixed(1).padStart(6)} MB/s  (${fmt(count)} in ${ms.toFixed(0)} ms)`);
}

const quiet = { batch: { maxBatchSize: 512, scheduledDelayMs: 50, maxQueueSize: N + 1024, maxQueueBytes: 2 ** 31 }, flushTimeoutMs: 600_000 };

async function through(name: string, sink: DeliverySink, done: () => boolean): Promise<void> {
  const t0 = performance.now();
  for (const r of records) sink.write(r);
  await sink.flush();
  while (!done()) await new Promise((r) => setTimeout(r, 5));
  report(name, N, performance.now() - t0);
  await sink.close();
}

console.log(`${fmt(N)} records of ~${avgBytes} bytes (JSON), node ${process.version}`);

// write(): capture-path cost, nothing acknowledged (the server holds every request).
{
  const server = await new IngestServer().start();
  server.behaviour = { hold: true };
  const sink = createHttpSink({ server: server.url, token: server.token, spoolDir: join(dir, 'w'), ...quiet, shutdownTimeoutMs: 10 });
  const t0 = performance.now();
  for (const r of records) sink.write(r);
  const ms = performance.now() - t0;
  console.log(`${'write() on the capture path'.padEnd(44)} ${((ms * 1e6) / N).toFixed(0).padStart(10)} ns/record (JSON.stringify + queue)`);
  await sink.sync();
  await server.stop();
  await sink.close();
}

// Spool append alone.
{
  const spool = Spool.open({ dir: join(dir, 's'), name: 'bench', maxBytes: 2 ** 40 });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 512) await spool.append(lines.slice(i, i + 512));
  report('spool append (fdatasync per 512 records)', N, performance.now() - t0);
  const t1 = performance.now();
  for (let i = 0; i < 2000; i++) await spool.append([lines[i % N]!]);
  report('spool append (fdatasync per record, worst)', 2000, performance.now() - t1);
  await spool.close();
}

// HTTP sink → stand-in server.
{
  const server = await new IngestServer().start();
  await through('http sink → stand-in server', createHttpSink({ server: server.url, token: server.token, spoolDir: join(dir, 'h'), ...quiet }), () => server.received.size >= N);
  await server.stop();
}

// HTTP sink → the real server (SQLite, WAL).
{
  const store = await openStore({ kind: 'sqlite', dataDir: join(dir, 'db') });
  const app = buildServer({ store, envTokens: [{ scope: 'ingest', secret: 'bench' }] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const sink = createHttpSink({ server: url, token: 'bench', spoolDir: join(dir, 'r'), ...quiet });
  await through('http sink → Osprey server (SQLite), stored', sink, () => sink.stats().delivered >= N);
  await app.close();
}

// OTLP sink → stand-in collector.
{
  const server = await new IngestServer().start();
  await through('otlp sink → stand-in collector', createOtlpSink({ url: server.url, spoolDir: join(dir, 'o'), ...quiet }), () => server.spans.size >= N);
  await server.stop();
}

// Replay: a spool written while the server was down, delivered by the next run.
{
  const server = await new IngestServer().start();
  await server.stop();
  const first = createHttpSink({ server: server.url, token: server.token, spoolDir: join(dir, 'p'), ...quiet, shutdownTimeoutMs: 10 });
  for (const r of records) first.write(r);
  await first.close();
  await server.start();
  await through('replay of an earlier run’s spool → stand-in', createHttpSink({ server: server.url, token: server.token, spoolDir: join(dir, 'p'), ...quiet }), () => server.received.size >= N);
  await server.stop();
}

rmSync(dir, { recursive: true, force: true });
