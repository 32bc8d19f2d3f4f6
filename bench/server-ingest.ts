/**
 * Server benchmark: ingest rate and query latency, on SQLite and PostgreSQL.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/server-ingest.js [--rows 1000000] [--ingest 40000] [--dialects sqlite,postgres]
 *
 * For each database:
 * - ingest over real HTTP on loopback: our agent's format (gzip'd `{"records": [...]}` batches of
 *   500 LlmCall records, 4 in flight) and the NodeLoom SDK format (batches of 300 events, 100
 *   traces of trace_start + llm span + trace_end): records or events stored per second;
 * - then fills the store to --rows calls in bulk (the same insert path, without HTTP), spread
 *   over 30 days, 20 agents, 8 models, 4 providers;
 * - then times the read API in-process (`app.inject`, so HTTP parsing is not in the number):
 *   `calls` pages with and without filters, free-text search, and `stats` over a day, a week and
 *   the whole month: median and worst of 5 runs.
 * PostgreSQL is the throwaway cluster of scripts/postgres-test.sh (or OSPREY_TEST_PG_URL), with
 * PostgreSQL's defaults (fsync and synchronous_commit on); SQLite runs WAL with synchronous=NORMAL.
 * Results are printed and written to bench/results/server-ingest.json. The machine is small
 * (2 cores) and shared: read the numbers as orders of magnitude.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { buildServer } from '../src/server/app.js';
import { BUILTIN_PRICES, Pricing } from '../src/server/pricing.js';
import { callToRow } from '../src/server/store/call-rows.js';
import type { DialectName } from '../src/server/store/connect.js';
import { insertCalls } from '../src/server/store/llm-calls.js';
import type { LlmCallsTable } from '../src/server/store/schema.js';
import { openStore, type Store } from '../src/server/store/store.js';
import { formatUs, nowUs } from '../src/server/timestamp.js';
import type { LlmCall } from '../src/telemetry/llm-call.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : (args[i + 1] ?? dflt);
};
const ROWS = Number(arg('rows', '1000000'));
const INGEST = Number(arg('ingest', '40000'));
const DIALECTS = arg('dialects', 'sqlite,postgres').split(',') as DialectName[];
const TOKEN = 'bench-token';
const BATCH = 500;
const IN_FLIGHT = 4;
const DAY_US = 86_400_000_000;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const AGENTS = Array.from({ length: 20 }, (_, i) => `agent-${i}`);
const MODELS: [string, string][] = [
  ['openai', 'gpt-4o-mini-2024-07-18'],
  ['openai', 'gpt-4o-2024-08-06'],
  ['openai', 'gpt-4.1-mini'],
  ['anthropic', 'claude-sonnet-4-20250514'],
  ['anthropic', 'claude-3-5-haiku-20241022'],
  ['gcp.gemini', 'gemini-2.5-flash'],
  ['gcp.gemini', 'gemini-2.5-pro'],
  ['mistral_ai', 'mistral-large-latest'],
];
const WORDS = ['invoice', 'refund', 'weather', 'deploy', 'summary', 'translate', 'contract', 'schedule', 'diagnose', 'recipe'];

/** Call `n` of a synthetic month: deterministic, so both databases hold the same data. */
function syntheticCall(n: number, startUs: number): LlmCall {
  const [provider, model] = MODELS[n % MODELS.length]!;
  const word = WORDS[n % WORDS.length]!;
  const id = n.toString(16);
  return {
    kind: 'llm_call',
    trace_id: id.padStart(32, '0'),
    span_id: id.padStart(16, '0'),
    parent_span_id: null,
    name: `chat ${model}`,
    start_time: formatUs(startUs),
    end_time: formatUs(startUs + 800_000 + (n % 7) * 100_000),
    attributes: {
      'gen_ai.provider.name': provider,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': model,
      'gen_ai.response.model': model,
      'gen_ai.usage.input_tokens': 200 + (n % 500),
      'gen_ai.usage.output_tokens': 50 + (n % 300),
      'osprey.stream': n % 2 === 0,
      'process.pid': 1000 + (n % 50),
      'process.executable.path': n % 3 === 0 ? '/usr/bin/python3.11' : '/usr/bin/node',
      'osprey.agent.name': AGENTS[n % AGENTS.length]!,
      'http.response.status_code': n % 97 === 0 ? 429 : 200,
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Please help with the ${word} for ticket ${n}` }] }],
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: `Here is the ${word} you asked for.` }], finish_reason: 'stop' }],
      ...(n % 50 === 0 ? { 'osprey.guardrails': [{ type: 'pii', kind: 'email', direction: 'input', action: 'alert' }] } : {}),
    },
  };
}

interface Database {
  dialect: DialectName;
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

function sqliteDatabase(): Database {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-bench-server-'));
  return { dialect: 'sqlite', open: () => openStore({ kind: 'sqlite', dataDir: dir }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

function postgresDatabase(): Database {
  const script = join(REPO, 'scripts/postgres-test.sh');
  const url = process.env.OSPREY_TEST_PG_URL || execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const schema = `osprey_bench_${randomBytes(4).toString('hex')}`;
  return {
    dialect: 'postgres',
    open: () => openStore({ kind: 'postgres', url, schema }),
    dispose: async () => {
      if (!process.env.OSPREY_TEST_PG_URL) return void execFileSync(script, ['stop'], { stdio: 'ignore' });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** Sends `bodies` to `url` with IN_FLIGHT requests at a time; returns items stored per second. */
async function sendAll(url: string, bodies: Buffer[], items: number, gzip: boolean): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        body: new Uint8Array(body),
      });
      const answer = (await res.json()) as { rejected?: number };
      if (res.status !== 200 || answer.rejected !== 0) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(answer).slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return (items / (performance.now() - started)) * 1000;
}

async function benchIngest(store: Store): Promise<{ osprey_records_per_s: number; nodeloom_events_per_s: number }> {
  const app = buildServer({ store, envTokens: [{ scope: 'ingest', secret: TOKEN }] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const now = nowUs();
  // Ids far above the bulk fill's, so the fill does not collide with them.
  const offset = 1 << 30;
  const ospreyBodies: Buffer[] = [];
  for (let i = 0; i < INGEST; i += BATCH) {
    const records = Array.from({ length: Math.min(BATCH, INGEST - i) }, (_, k) => syntheticCall(offset + i + k, now - (i + k) * 1000));
    ospreyBodies.push(gzipSync(JSON.stringify({ records })));
  }
  const ospreyRate = await sendAll(`${base}/api/v1/llm-calls`, ospreyBodies, INGEST, true);

  const traces = INGEST / 3;
  const nodeloomBodies: Buffer[] = [];
  for (let t = 0; t < traces; t += 100) {
    const events = [];
    for (let k = t; k < Math.min(t + 100, traces); k++) {
      const traceId = `bench-trace-${k}`;
      const ts = new Date(Date.now() - k).toISOString();
      events.push(
        { type: 'trace_start', trace_id: traceId, agent_name: AGENTS[k % AGENTS.length], timestamp: ts },
        { type: 'span', trace_id: traceId, span_id: 's1', name: 'openai.chat', span_type: 'llm', status: 'success', input: { q: 'refund?' }, output: { a: 'ok' }, token_usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, model: 'gpt-4o-mini' }, timestamp: ts, end_timestamp: ts },
        { type: 'trace_end', trace_id: traceId, status: 'success', timestamp: ts },
      );
    }
    nodeloomBodies.push(Buffer.from(JSON.stringify({ events, sdk_version: 'bench', sdk_language: 'typescript' })));
  }
  const nodeloomRate = await sendAll(`${base}/api/sdk/v1/telemetry`, nodeloomBodies, Math.floor(traces) * 3, false);
  await app.server.close();
  return { osprey_records_per_s: ospreyRate, nodeloom_events_per_s: nodeloomRate };
}

/** Fills llm_calls to ROWS rows over the last 30 days, through the store's insert path. */
async function fill(store: Store): Promise<{ rows: number; rows_per_s: number }> {
  const pricing = new Pricing(BUILTIN_PRICES);
  const have = Number((await store.db.selectFrom('llm_calls').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const missing = Math.max(0, ROWS - have);
  const end = nowUs();
  const step = Math.floor((30 * DAY_US) / Math.max(1, missing));
  const started = performance.now();
  const CHUNK = 10_000;
  for (let i = 0; i < missing; i += CHUNK) {
    const rows: LlmCallsTable[] = [];
    for (let n = i; n < Math.min(i + CHUNK, missing); n++) {
      const startUs = end - n * step;
      const call = syntheticCall(n, startUs);
      rows.push(callToRow(call, startUs, startUs + 900_000, 'osprey', pricing, end));
    }
    await store.db.transaction().execute((tx) => insertCalls(tx, rows, 'keep'));
    if ((i / CHUNK) % 10 === 0) process.stdout.write(`\r  filling: ${fmt(i + rows.length)} / ${fmt(missing)}`);
  }
  process.stdout.write('\n');
  // Planner statistics (and, on PostgreSQL, the visibility map that index-only scans need), as
  // autovacuum or a long-running server would have them.
  await (store.dialect === 'postgres' ? sql`VACUUM ANALYZE llm_calls` : sql`ANALYZE`).execute(store.db);
  return { rows: have + missing, rows_per_s: (missing / (performance.now() - started)) * 1000 };
}

async function benchQueries(store: Store): Promise<Record<string, { median_ms: number; max_ms: number; results: number }>> {
  const app = buildServer({ store, envTokens: [{ scope: 'read', secret: TOKEN }] });
  await app.ready();
  const now = nowUs();
  const since = (days: number) => encodeURIComponent(formatUs(now - days * DAY_US));
  const first = (await app.inject({ method: 'GET', url: '/api/v1/calls?limit=50', headers: { authorization: `Bearer ${TOKEN}` } })).json() as { next_cursor: string };
  const queries: Record<string, string> = {
    'calls: newest 50': '/api/v1/calls?limit=50',
    'calls: page 2 (cursor)': `/api/v1/calls?limit=50&cursor=${first.next_cursor}`,
    'calls: agent': '/api/v1/calls?agent=agent-7',
    'calls: model, last day': `/api/v1/calls?model=gemini-2.5-pro&from=${since(1)}`,
    'calls: pid': '/api/v1/calls?process=1013',
    'calls: guardrail findings': '/api/v1/calls?guardrail=pii',
    'calls: errors': '/api/v1/calls?status=error',
    'calls: free text, last day': `/api/v1/calls?q=contract&from=${since(1)}`,
    'calls: free text, whole month (scan)': '/api/v1/calls?q=ticket%20999999',
    'stats: per model, last day': `/api/v1/stats?group_by=model&from=${since(1)}`,
    'stats: per agent, hourly, last week': `/api/v1/stats?group_by=agent&bucket=1h&from=${since(7)}`,
    'stats: per provider, daily, whole month': `/api/v1/stats?group_by=provider&bucket=1d&from=${since(31)}`,
  };
  const out: Record<string, { median_ms: number; max_ms: number; results: number }> = {};
  for (const [name, url] of Object.entries(queries)) {
    const times: number[] = [];
    let results = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
      times.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      const body = res.json() as { calls?: unknown[]; totals?: { calls: number } };
      results = body.calls?.length ?? body.totals?.calls ?? 0;
    }
    times.sort((a, b) => a - b);
    out[name] = { median_ms: Number(times[2]!.toFixed(1)), max_ms: Number(times[4]!.toFixed(1)), results };
    console.log(`  ${name.padEnd(42)} median ${times[2]!.toFixed(1).padStart(8)} ms   max ${times[4]!.toFixed(1).padStart(8)} ms   (${fmt(results)} ${name.startsWith('stats') ? 'calls counted' : 'calls returned'})`);
  }
  // The store stays open for the caller.
  await app.server.close();
  return out;
}

async function main(): Promise<void> {
  const report: Record<string, unknown> = { date: new Date().toISOString(), rows: ROWS, ingest_records: INGEST, batch: BATCH, in_flight: IN_FLIGHT, node: process.version };
  for (const dialect of DIALECTS) {
    const database = dialect === 'sqlite' ? sqliteDatabase() : postgresDatabase();
    const store = await database.open();
    try {
      console.log(`\n${dialect}`);
      const ingest = await benchIngest(store);
      console.log(`  ingest, Osprey format (gzip, ${BATCH}/batch):  ${fmt(ingest.osprey_records_per_s)} records/s`);
      console.log(`  ingest, NodeLoom format (300 events/batch): ${fmt(ingest.nodeloom_events_per_s)} events/s`);
      const filled = await fill(store);
      console.log(`  bulk fill to ${fmt(filled.rows)} calls: ${fmt(filled.rows_per_s)} rows/s`);
      const queries = await benchQueries(store);
      report[dialect] = { ingest, fill: filled, queries };
    } finally {
      await store.close();
      await database.dispose();
    }
  }
  const dir = join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server-ingest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten: bench/results/server-ingest.json`);
}

await main();
