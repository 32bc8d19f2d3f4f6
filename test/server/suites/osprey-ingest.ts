/** `POST /api/v1/llm-calls`: lossless, idempotent, per-record errors, auth, limits, store outages. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/server/store/store.js';
import type { StoreFactory } from '../stores.js';
import { bearer, getJson, INGEST_TOKEN, llmCall, postCalls, READ_TOKEN, testApp } from '../fixtures.js';

async function countCalls(store: Store): Promise<number> {
  const r = await store.db.selectFrom('llm_calls').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export function ospreyIngestSuite(factory: StoreFactory): void {
  describe('osprey ingest (POST /api/v1/llm-calls)', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      app = testApp(store, { bodyLimitBytes: 64 * 1024 });
    });
    after(() => app.close());

    it('stores a record losslessly and answers it back by span id', async () => {
      const call = llmCall({ attributes: { 'osprey.ttft_ms': 85.2, 'custom.nested': { a: [1, 'x', null] } } });
      const res = await postCalls(app, [call]);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { accepted: 1, rejected: 0, errors: [] });
      const got = await getJson<{ record: unknown; call: { cost_usd: number; agent_name: string } }>(app, `/api/v1/calls/${call.span_id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.record, call);
      // gpt-4o-mini: $0.15 in, $0.60 out per 1M tokens → 1000 in + 2000 out.
      assert.ok(Math.abs(got.body.call.cost_usd - 0.00135) < 1e-12);
      assert.equal(got.body.call.agent_name, 'support-bot');
    });

    it('stores a retried batch once', async () => {
      const batch = [llmCall(), llmCall(), llmCall()];
      const before = await countCalls(store);
      for (let i = 0; i < 3; i++) {
        const res = await postCalls(app, batch);
        assert.deepEqual(res.json(), { accepted: 3, rejected: 0, errors: [] });
      }
      assert.equal(await countCalls(store), before + 3);
    });

    it('reads gzip bodies', async () => {
      const call = llmCall();
      const res = await postCalls(app, [call], { gzip: true });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((await getJson(app, `/api/v1/calls/${call.span_id}`)).status, 200);
    });

    it('rejects bad records one by one and stores the rest', async () => {
      const good = llmCall();
      const noProvider = llmCall();
      delete (noProvider.attributes as Record<string, unknown>)['gen_ai.provider.name'];
      const res = await postCalls(app, [
        { kind: 'bad' },
        good,
        { ...llmCall(), trace_id: 'XYZ' },
        { ...llmCall(), start_time: '2026-02-30T00:00:00Z' },
        noProvider,
        { ...llmCall(), extra: 1 },
        { ...llmCall(), attributes: { ...llmCall().attributes, 'gen_ai.usage.input_tokens': -1 } },
      ]);
      assert.equal(res.statusCode, 200);
      const body = res.json() as { accepted: number; rejected: number; errors: { index: number; error: string }[] };
      assert.equal(body.accepted, 1);
      assert.equal(body.rejected, 6);
      assert.deepEqual(body.errors.map((e) => e.index), [0, 2, 3, 4, 5, 6]);
      assert.match(body.errors[1]!.error, /trace_id/);
      assert.match(body.errors[2]!.error, /start_time/);
      assert.match(body.errors[3]!.error, /gen_ai\.provider\.name is required/);
      assert.match(body.errors[4]!.error, /unknown field extra/);
      assert.equal((await getJson(app, `/api/v1/calls/${good.span_id}`)).status, 200);
    });

    it('answers 401 without a token or with an unknown one, 403 with a read token', async () => {
      assert.equal((await postCalls(app, [llmCall()], { token: 'nope' })).statusCode, 401);
      const anonymous = await app.inject({ method: 'POST', url: '/api/v1/llm-calls', headers: { 'content-type': 'application/json' }, payload: '{"records":[]}' });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().code, 'OSP_ERR_SERVER_UNAUTHORIZED');
      assert.equal((await postCalls(app, [llmCall()], { token: READ_TOKEN })).statusCode, 403);
    });

    it('answers 400 to bodies that are not a batch', async () => {
      const post = (payload: string) =>
        app.inject({ method: 'POST', url: '/api/v1/llm-calls', headers: { 'content-type': 'application/json', ...bearer(INGEST_TOKEN) }, payload });
      for (const payload of ['{"records":', '[]', '{"records":{"a":1}}', '{}', '"x"']) {
        const res = await post(payload);
        assert.equal(res.statusCode, 400, payload);
        assert.equal(res.json().code, 'OSP_ERR_SERVER_BAD_REQUEST');
      }
    });

    it('answers 413 to bodies over the limit, also when they only grow past it when decompressed', async () => {
      const big = Array.from({ length: 60 }, () => llmCall({ attributes: { 'gen_ai.system_instructions': 'x'.repeat(2000) } }));
      const plain = await postCalls(app, big);
      assert.equal(plain.statusCode, 413);
      assert.equal(plain.json().code, 'OSP_ERR_SERVER_BODY_TOO_LARGE');
      const bomb = gzipSync(JSON.stringify({ records: [], pad: 'a'.repeat(10 * 1024 * 1024) }));
      assert.ok(bomb.length < 64 * 1024);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/llm-calls',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...bearer(INGEST_TOKEN) },
        payload: bomb,
      });
      assert.equal(res.statusCode, 413);
    });

    it('answers 415 to an unknown content encoding', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/llm-calls',
        headers: { 'content-type': 'application/json', 'content-encoding': 'zstd', ...bearer(INGEST_TOKEN) },
        payload: '{"records":[]}',
      });
      assert.equal(res.statusCode, 415);
    });

    it('answers 503 with Retry-After when the store is unavailable', async () => {
      const down = await factory.open();
      const downApp = testApp(down);
      await downApp.ready();
      await down.close();
      const res = await postCalls(downApp, [llmCall()]);
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'OSP_ERR_SERVER_STORE_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '5');
      assert.equal((await downApp.inject({ method: 'GET', url: '/api/health' })).statusCode, 503);
    });
  });
}
