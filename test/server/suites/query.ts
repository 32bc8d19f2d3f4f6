/** The read API: every filter, cursor paging, stats with cost and buckets, scopes and bad parameters. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CallPage } from '../../../src/server/store/llm-calls.js';
import type { StatsResult } from '../../../src/server/store/stats.js';
import type { Store } from '../../../src/server/store/store.js';
import type { StoreFactory } from '../stores.js';
import { getJson, INGEST_TOKEN, llmCall, postCalls, testApp } from '../fixtures.js';

/** Six calls over three hours, differing in every filtered field. */
const CALLS = [
  llmCall({ start_time: '2026-11-28T08:05:00Z', end_time: '2026-11-28T08:05:01Z', attributes: { 'osprey.agent.name': 'support-bot', 'process.pid': 100, 'container.id': 'abcdef0123456789', 'k8s.pod.name': 'support-0', 'k8s.namespace.name': 'prod' } }),
  llmCall({ start_time: '2026-11-28T08:35:00Z', end_time: '2026-11-28T08:35:02Z', attributes: { 'osprey.agent.name': 'support-bot', 'process.pid': 100, 'osprey.guardrails': [{ type: 'pii', kind: 'email', direction: 'input', action: 'alert' }] } }),
  llmCall({
    start_time: '2026-11-28T09:10:00Z',
    end_time: '2026-11-28T09:10:03Z',
    attributes: {
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'gen_ai.response.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 2000,
      'gen_ai.usage.output_tokens': 1000,
      'osprey.agent.name': 'coder',
      'process.pid': 200,
      'process.executable.path': '/usr/local/bin/node',
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'Refactor the PAYMENT module' }] }],
      'osprey.guardrails': [{ type: 'secret', kind: 'aws_access_key', direction: 'input', action: 'redact' }],
    },
  }),
  llmCall({ start_time: '2026-11-28T09:40:00Z', end_time: '2026-11-28T09:40:01Z', attributes: { 'osprey.agent.name': 'coder', 'process.pid': 200, 'process.executable.path': '/usr/local/bin/node', 'http.response.status_code': 429, 'error.type': 'rate_limit' } }),
  llmCall({ start_time: '2026-11-28T10:15:00Z', end_time: '2026-11-28T10:15:01Z', attributes: { 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.request.model': 'gemini-2.5-flash', 'gen_ai.response.model': 'gemini-2.5-flash', 'osprey.agent.name': 'research', 'k8s.pod.name': 'research-1' } }),
  llmCall({ start_time: '2026-11-28T10:15:00Z', end_time: '2026-11-28T10:15:02Z', attributes: { 'gen_ai.request.model': 'my-finetune', 'gen_ai.response.model': 'my-finetune', 'osprey.agent.name': 'research' } }),
];

const spans = (page: CallPage) => page.calls.map((c) => c.span_id);
const idx = (...i: number[]) => i.map((n) => CALLS[n]!.span_id);

export function querySuite(factory: StoreFactory): void {
  describe('query API', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      app = testApp(store);
      assert.equal((await postCalls(app, CALLS)).json().accepted, CALLS.length);
    });
    after(() => app.close());

    const list = async (query: string) => {
      const res = await getJson<CallPage>(app, `/api/v1/calls?${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };

    it('lists newest first', async () => {
      const page = await list('');
      // Two calls share a start time: the tie is broken by ids, the same way on every page.
      assert.deepEqual(new Set(spans(page).slice(0, 2)), new Set(idx(4, 5)));
      assert.deepEqual(spans(page).slice(2), idx(3, 2, 1, 0));
    });

    it('filters by agent, provider, model, process, container, pod, namespace, status', async () => {
      assert.deepEqual(spans(await list('agent=coder')), idx(3, 2));
      assert.deepEqual(spans(await list('provider=anthropic')), idx(2));
      assert.deepEqual(spans(await list('model=gemini-2.5-flash')), idx(4));
      // Requested or served name.
      assert.deepEqual(spans(await list('model=gpt-4o-mini-2024-07-18&agent=support-bot')), idx(1, 0));
      assert.deepEqual(spans(await list('process=200')), idx(3, 2));
      assert.deepEqual(spans(await list('process=local/bin/no')), idx(3, 2));
      assert.deepEqual(spans(await list('container=abcdef012345')), idx(0));
      assert.deepEqual(spans(await list('pod=research-1')), idx(4));
      assert.deepEqual(spans(await list('namespace=prod')), idx(0));
      assert.deepEqual(spans(await list('status=error')), idx(3));
      assert.deepEqual(spans(await list('agent=coder&status=ok')), idx(2));
    });

    it('filters by time range (from inclusive, to exclusive, any offset)', async () => {
      assert.deepEqual(spans(await list('from=2026-11-28T08:35:00Z&to=2026-11-28T09:40:00Z')), idx(2, 1));
      assert.deepEqual(spans(await list(`from=${encodeURIComponent('2026-11-28T10:10:00+01:00')}&to=2026-11-28T09:40:00Z`)), idx(2));
    });

    it('finds text in prompts and completions, case-insensitively, with LIKE characters taken literally', async () => {
      assert.deepEqual(spans(await list('q=payment%20MODULE')), idx(2));
      assert.equal(spans(await list('q=sunny')).length, CALLS.length);
      assert.deepEqual(spans(await list('q=100%25')), []);
      assert.deepEqual(spans(await list('q=_')), []);
    });

    it('filters by guardrail findings', async () => {
      assert.deepEqual(spans(await list('guardrail=any')), idx(2, 1));
      assert.deepEqual(spans(await list('guardrail=pii')), idx(1));
      assert.deepEqual(spans(await list('guardrail=aws_access_key')), idx(2));
      assert.deepEqual(spans(await list('guardrail=secret:aws_access_key')), idx(2));
      assert.deepEqual(spans(await list('guardrail=pii:phone')), []);
    });

    it('pages with a cursor without skipping or repeating', async () => {
      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const page: CallPage = await list(`limit=4${cursor === '' ? '' : `&cursor=${cursor}`}`);
        seen.push(...spans(page));
        cursor = page.next_cursor;
        pages++;
      }
      assert.equal(pages, 2);
      assert.deepEqual(seen, spans(await list('limit=100')));
      // Ties on start time across a page boundary.
      const first = await list('limit=1');
      const second = await list(`limit=1&cursor=${first.next_cursor}`);
      assert.deepEqual(new Set([...spans(first), ...spans(second)]), new Set(idx(4, 5)));
    });

    it('computes stats per model, agent and provider, with cost and time buckets', async () => {
      const q = 'from=2026-11-28T08:00:00Z&to=2026-11-28T11:00:00Z';
      const byModel = (await getJson<StatsResult>(app, `/api/v1/stats?${q}&group_by=model`)).body;
      assert.equal(byModel.totals.calls, 6);
      assert.equal(byModel.totals.input_tokens, 2000 + 5 * 1000);
      const mini = byModel.groups.find((g) => g.key === 'gpt-4o-mini-2024-07-18')!;
      assert.equal(mini.calls, 3);
      assert.ok(Math.abs(mini.cost_usd - 3 * 0.00135) < 1e-9);
      const sonnet = byModel.groups.find((g) => g.key === 'claude-sonnet-4-20250514')!;
      assert.ok(Math.abs(sonnet.cost_usd - (2000 * 3 + 1000 * 15) / 1e6) < 1e-9);
      // No price for a fine-tune: counted, not priced.
      assert.equal(byModel.groups.find((g) => g.key === 'my-finetune')!.cost_usd, 0);

      const byAgent = (await getJson<StatsResult>(app, `/api/v1/stats?${q}&group_by=agent&bucket=1h`)).body;
      assert.deepEqual(byAgent.groups.map((g) => [g.key, g.calls]), [['coder', 2], ['research', 2], ['support-bot', 2]]);
      assert.deepEqual(
        byAgent.series.map((s) => [s.bucket_start, s.key, s.calls]),
        [
          ['2026-11-28T08:00:00.000000Z', 'support-bot', 2],
          ['2026-11-28T09:00:00.000000Z', 'coder', 2],
          ['2026-11-28T10:00:00.000000Z', 'research', 2],
        ],
      );
      const byProvider = (await getJson<StatsResult>(app, `/api/v1/stats?${q}&group_by=provider&agent=coder`)).body;
      assert.deepEqual(byProvider.groups.map((g) => [g.key, g.calls]), [['anthropic', 1], ['openai', 1]]);
    });

    it('needs a read token, and says what is wrong with bad parameters', async () => {
      assert.equal((await getJson(app, '/api/v1/calls', INGEST_TOKEN)).status, 403);
      assert.equal((await app.inject({ method: 'GET', url: '/api/v1/stats' })).statusCode, 401);
      for (const bad of ['/api/v1/calls?from=yesterday', '/api/v1/calls?limit=0', '/api/v1/calls?cursor=abc', '/api/v1/calls?status=maybe', '/api/v1/calls?colour=red', '/api/v1/stats?group_by=pod', '/api/v1/stats?bucket=1s', '/api/v1/stats?bucket=1m&from=2000-01-01T00:00:00Z']) {
        const res = await getJson<{ code: string }>(app, bad);
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.code, 'OSP_ERR_SERVER_BAD_REQUEST');
      }
      assert.equal((await getJson(app, '/api/v1/calls/0000000000000000')).status, 404);
      assert.equal((await getJson(app, '/api/v1/traces/nope')).status, 404);
    });
  });
}
