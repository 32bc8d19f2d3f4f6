/** Stored tokens (hash only, revocable, scoped), and retention by age across every table. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/server/app.js';
import { newTokenId, newTokenSecret, sha256 } from '../../../src/server/auth/tokens.js';
import { deleteOlderThan } from '../../../src/server/store/retention.js';
import type { TokenScope } from '../../../src/server/store/schema.js';
import type { Store } from '../../../src/server/store/store.js';
import { insertToken, revokeToken } from '../../../src/server/store/tokens.js';
import { nowUs } from '../../../src/server/timestamp.js';
import type { StoreFactory } from '../stores.js';
import { bearer, llmCall, postCalls, postTelemetry, testApp } from '../fixtures.js';

async function storedToken(store: Store, scope: TokenScope): Promise<{ id: string; secret: string }> {
  const secret = newTokenSecret();
  const id = newTokenId();
  await insertToken(store.db, { id, name: `t-${id}`, scope, token_sha256: sha256(secret).toString('hex'), created_us: nowUs(), revoked_us: null });
  return { id, secret };
}

async function count(store: Store, table: 'llm_calls' | 'traces' | 'spans' | 'events' | 'metrics' | 'feedback' | 'probe_heartbeats'): Promise<number> {
  const r = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export function authRetentionSuite(factory: StoreFactory): void {
  describe('stored tokens', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      // No env tokens: only what the store holds.
      app = buildServer({ store });
    });
    after(() => app.close());

    it('keeps only a hash, honours scopes, and stops working when revoked', async () => {
      const ingest = await storedToken(store, 'ingest');
      const read = await storedToken(store, 'read');
      const rows = await store.db.selectFrom('tokens').selectAll().execute();
      assert.ok(rows.every((r) => r.token_sha256.length === 64 && r.token_sha256 !== ingest.secret && r.token_sha256 !== read.secret));

      assert.equal((await postCalls(app, [llmCall()], { token: ingest.secret })).statusCode, 200);
      assert.equal((await postCalls(app, [llmCall()], { token: read.secret })).statusCode, 403);
      const query = (token: string) => app.inject({ method: 'GET', url: '/api/v1/calls', headers: bearer(token) });
      assert.equal((await query(read.secret)).statusCode, 200);
      assert.equal((await query(ingest.secret)).statusCode, 403);
      assert.equal((await query(`${read.secret}x`)).statusCode, 401);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/calls', headers: { authorization: `Basic ${read.secret}` } })).statusCode, 401);

      assert.equal(await revokeToken(store.db, read.id, nowUs()), true);
      assert.equal((await query(read.secret)).statusCode, 401);
      assert.equal(await revokeToken(store.db, read.id, nowUs()), false);
    });
  });

  describe('retention', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      app = testApp(store);
    });
    after(() => app.close());

    it('deletes rows older than the cutoff from every table and keeps newer ones', async () => {
      const old = '2020-01-01T00:00:00Z';
      const recent = new Date(Date.now() - 60_000).toISOString();
      await postCalls(app, [llmCall({ start_time: old, end_time: old }), llmCall({ start_time: recent, end_time: recent })]);
      const events = (ts: string, id: string) => [
        { type: 'trace_start', trace_id: id, agent_name: 'a', timestamp: ts },
        { type: 'span', trace_id: id, span_id: 's', name: 'n', span_type: 'llm', status: 'success', timestamp: ts, end_timestamp: ts },
        { type: 'event', trace_id: id, name: 'e', level: 'info', timestamp: ts },
        { type: 'metric', trace_id: id, metric_name: 'm', metric_value: 1, timestamp: ts },
        { type: 'feedback', trace_id: id, rating: 1, timestamp: ts },
      ];
      assert.equal((await postTelemetry(app, [...events(old, 'old-trace'), ...events(recent, 'new-trace')])).json().accepted, 10);
      await store.db.insertInto('probe_heartbeats').values([
        { probe_id: 'p', ts_us: Date.UTC(2020, 0, 1) * 1000, processes_monitored: 1, llm_calls_intercepted: 1, body: '{}' },
        { probe_id: 'p', ts_us: nowUs(), processes_monitored: 1, llm_calls_intercepted: 1, body: '{}' },
      ]).execute();

      const deleted = await deleteOlderThan(store.db, nowUs() - 30 * 86_400_000_000);
      // The old NodeLoom LLM span is an LLM call too: two calls go.
      assert.deepEqual(deleted, { llm_calls: 2, traces: 1, spans: 1, events: 1, metrics: 1, feedback: 1, probe_heartbeats: 1 });
      for (const table of ['llm_calls', 'traces', 'spans', 'events', 'metrics', 'feedback', 'probe_heartbeats'] as const) {
        assert.equal(await count(store, table), table === 'llm_calls' ? 2 : 1, table);
      }
    });

    it('runs on a timer when the server is configured with a retention', async () => {
      const s = await factory.open();
      const withRetention = testApp(s, { retention: { days: 1, intervalMs: 20 } });
      const old = '2020-01-01T00:00:00Z';
      const recent = new Date().toISOString();
      await postCalls(withRetention, [llmCall({ start_time: old, end_time: old }), llmCall({ start_time: recent, end_time: recent })]);
      const deadline = Date.now() + 5000;
      while ((await count(s, 'llm_calls')) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await count(s, 'llm_calls'), 1);
      await withRetention.close();
    });
  });
}
