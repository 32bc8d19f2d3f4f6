/** `POST /api/sdk/v1/telemetry`: the NodeLoom SDK payload suite. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/server/store/store.js';
import type { CallPage } from '../../../src/server/store/llm-calls.js';
import type { TraceDetail } from '../../../src/server/trace-detail.js';
import type { StoreFactory } from '../stores.js';
import { getJson, postTelemetry, READ_TOKEN, testApp } from '../fixtures.js';

let n = 0;
function traceId(): string {
  return `7f3c2a10-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

function traceStart(trace_id: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'trace_start',
    trace_id,
    agent_name: 'billing-agent',
    agent_version: '1.2.0',
    environment: 'prod',
    session_id: 'sess-1',
    input: { question: 'refund?' },
    metadata: { pid: 777, executable: '/usr/bin/node', container_id: 'c0ffee123456', k8s_pod: 'billing-7d9' },
    framework: 'langchain',
    timestamp: '2026-11-28T10:00:00.000Z',
    ...extra,
  };
}

function span(trace_id: string, span_id: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'span',
    trace_id,
    span_id,
    parent_span_id: null,
    name: 'openai.chat',
    span_type: 'llm',
    status: 'success',
    input: { messages: [{ role: 'user', content: 'Where is my REFUND?' }] },
    output: { content: 'It was sent on Monday.' },
    token_usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, model: 'gpt-4o' },
    timestamp: '2026-11-28T10:00:01.5Z',
    end_timestamp: '2026-11-28T10:00:02.25Z',
    ...extra,
  };
}

function traceEnd(trace_id: string, extra: Record<string, unknown> = {}) {
  return { type: 'trace_end', trace_id, status: 'success', output: { answer: 'sent Monday' }, timestamp: '2026-11-28T10:00:03Z', ...extra };
}

export function nodeloomIngestSuite(factory: StoreFactory): void {
  describe('NodeLoom SDK ingest (POST /api/sdk/v1/telemetry)', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      app = testApp(store, { bodyLimitBytes: 32 * 1024 });
    });
    after(() => app.close());

    const detail = async (id: string) => (await getJson<TraceDetail>(app, `/api/v1/traces/${encodeURIComponent(id)}`)).body;
    const callsOf = async (id: string) => (await getJson<CallPage>(app, `/api/v1/calls?source=nodeloom&limit=1000`)).body.calls.filter((c) => c.trace_id === id);

    it('accepts every event type and shows them in the trace and the calls', async () => {
      const t = traceId();
      const events = [
        traceStart(t),
        span(t, 'root', { span_type: 'agent', name: 'agent', token_usage: undefined, parent_span_id: '' }),
        span(t, 'llm-1', { parent_span_id: 'root' }),
        span(t, 'tool-1', { span_type: 'tool', name: 'lookup_order', parent_span_id: 'root', token_usage: null, status: 'error', error: 'timeout' }),
        { type: 'event', trace_id: t, name: 'guardrail_triggered', level: 'warn', data: { rule: 'pii' }, timestamp: '2026-11-28T10:00:02Z' },
        { type: 'metric', trace_id: t, metric_name: 'latency', metric_value: 1.25, metric_unit: 's', metric_tags: { region: 'eu' }, timestamp: '2026-11-28T10:00:02Z' },
        { type: 'feedback', trace_id: t, rating: 4, comment: 'good', timestamp: '2026-11-28T10:00:04Z' },
        traceEnd(t),
      ];
      const res = await postTelemetry(app, events);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { accepted: 8, rejected: 0, errors: [] });

      const d = await detail(t);
      assert.equal(d.trace?.agent_name, 'billing-agent');
      assert.equal(d.trace?.status, 'success');
      assert.equal(d.trace?.start_time, '2026-11-28T10:00:00.000000Z');
      assert.equal(d.trace?.end_time, '2026-11-28T10:00:03.000000Z');
      assert.equal(d.trace?.sdk_language, 'typescript');
      assert.deepEqual(d.spans.map((s) => s.span_id).sort(), ['llm-1', 'root', 'tool-1']);
      assert.equal(d.spans.find((s) => s.span_id === 'root')!.parent_span_id, null);
      assert.equal(d.spans.find((s) => s.span_id === 'tool-1')!.error, 'timeout');
      assert.deepEqual(d.events.map((e) => e.name), ['guardrail_triggered']);
      assert.deepEqual(d.metrics.map((m) => [m.name, m.value, m.unit]), [['latency', 1.25, 's']]);
      assert.deepEqual(d.feedback.map((f) => [f.rating, f.comment]), [[4, 'good']]);

      // The LLM span is one of the calls, with the same columns as an eBPF-observed call.
      const [call, ...rest] = await callsOf(t);
      assert.equal(rest.length, 0);
      assert.equal(call!.span_id, 'llm-1');
      assert.equal(call!.agent_name, 'billing-agent');
      assert.equal(call!.provider, 'openai');
      assert.equal(call!.request_model, 'gpt-4o');
      assert.equal(call!.input_tokens, 100);
      assert.equal(call!.output_tokens, 50);
      assert.equal(call!.pid, 777);
      assert.equal(call!.container_id, 'c0ffee123456');
      assert.equal(call!.pod, 'billing-7d9');
      assert.equal(call!.start_time, '2026-11-28T10:00:01.500000Z');
      assert.equal(call!.duration_ms, 750);
      // gpt-4o: $2.50 in, $10 out per 1M.
      assert.ok(Math.abs(call!.cost_usd! - (100 * 2.5 + 50 * 10) / 1e6) < 1e-12);
      assert.equal(d.llm_calls.length, 1);
      // Free text reaches SDK payloads too.
      const found = (await getJson<CallPage>(app, '/api/v1/calls?q=refund&source=nodeloom')).body.calls;
      assert.ok(found.some((c) => c.span_id === 'llm-1' && c.trace_id === t));
    });

    it('is idempotent: the same batch twice stores everything once', async () => {
      const t = traceId();
      const events = [
        traceStart(t),
        span(t, 's1'),
        { type: 'event', trace_id: t, name: 'e', level: 'info', timestamp: '2026-11-28T10:00:02Z' },
        { type: 'metric', trace_id: t, metric_name: 'm', metric_value: 1, timestamp: '2026-11-28T10:00:02Z' },
        { type: 'feedback', trace_id: t, rating: 1, timestamp: '2026-11-28T10:00:02Z' },
        traceEnd(t),
      ];
      // A duplicate inside one batch too (SDK retry inside a flush).
      assert.equal((await postTelemetry(app, [...events, span(t, 's1')])).json().accepted, 7);
      assert.equal((await postTelemetry(app, events)).json().accepted, 6);
      const d = await detail(t);
      assert.equal(d.spans.length, 1);
      assert.equal(d.events.length, 1);
      assert.equal(d.metrics.length, 1);
      assert.equal(d.feedback.length, 1);
      assert.equal((await callsOf(t)).length, 1);
    });

    it('puts out-of-order events together: children before parents, trace_end before late spans', async () => {
      const t = traceId();
      const batches = [
        [span(t, 'child', { parent_span_id: 'parent' })],
        [traceEnd(t, { status: 'error', error: 'boom' })],
        [span(t, 'parent', { span_type: 'chain', name: 'chain', token_usage: undefined })],
        [traceStart(t)],
        [span(t, 'late', { parent_span_id: 'parent', token_usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, model: 'claude-3-5-sonnet-20241022' } })],
      ];
      for (const b of batches) assert.deepEqual((await postTelemetry(app, b)).json(), { accepted: 1, rejected: 0, errors: [] });
      const d = await detail(t);
      assert.equal(d.trace?.agent_name, 'billing-agent');
      assert.equal(d.trace?.status, 'error');
      assert.equal(d.trace?.error, 'boom');
      assert.equal(d.trace?.start_time, '2026-11-28T10:00:00.000000Z');
      assert.deepEqual(d.spans.map((s) => s.span_id).sort(), ['child', 'late', 'parent']);
      const calls = await callsOf(t);
      assert.deepEqual(calls.map((c) => c.span_id).sort(), ['child', 'late']);
      // The span that came before its trace_start got the agent name when the trace_start came.
      assert.ok(calls.every((c) => c.agent_name === 'billing-agent'));
      assert.equal(calls.find((c) => c.span_id === 'late')!.provider, 'anthropic');
    });

    it('reads timestamps with Z or an offset and 0 to 9 fractional digits', async () => {
      const cases: [string, string][] = [
        ['2026-11-28T10:00:00Z', '2026-11-28T10:00:00.000000Z'],
        ['2026-11-28T12:00:00+02:00', '2026-11-28T10:00:00.000000Z'],
        ['2026-11-28T05:30:00.5-04:30', '2026-11-28T10:00:00.500000Z'],
        ['2026-11-28T10:00:00.123Z', '2026-11-28T10:00:00.123000Z'],
        ['2026-11-28T10:00:00.123456Z', '2026-11-28T10:00:00.123456Z'],
        ['2026-11-28T10:00:00.123456789Z', '2026-11-28T10:00:00.123456Z'],
        ['2026-11-28T10:00:00.1234567+00:00', '2026-11-28T10:00:00.123456Z'],
      ];
      for (const [sent, stored] of cases) {
        const t = traceId();
        const res = await postTelemetry(app, [traceStart(t, { timestamp: sent })]);
        assert.equal(res.json().accepted, 1, sent);
        assert.equal((await detail(t)).trace?.start_time, stored, sent);
      }
    });

    it('accepts span_input/span_output as input/output', async () => {
      const t = traceId();
      const s = span(t, 'alias', { input: undefined, output: undefined, span_input: { messages: 'raw' }, span_output: { response: 'ok' } });
      assert.equal((await postTelemetry(app, [s])).json().accepted, 1);
      const got = (await detail(t)).spans[0]!;
      assert.deepEqual(got.input, { messages: 'raw' });
      assert.deepEqual(got.output, { response: 'ok' });
    });

    it('rejects bad events by index and stores the good ones', async () => {
      const t = traceId();
      const res = await postTelemetry(app, [
        traceStart(t),
        { type: 'nonsense', trace_id: t },
        span(t, 'bad-type', { span_type: 'database' }),
        span(t, 'ok'),
        { type: 'span', trace_id: t, name: 'no id', span_type: 'llm', status: 'success', timestamp: '2026-11-28T10:00:00Z', end_timestamp: '2026-11-28T10:00:00Z' },
        span(t, 'bad-time', { timestamp: '28/11/2026 10:00' }),
        'not an object',
        { type: 'metric', metric_name: 'x', metric_value: 'high' },
        { type: 'feedback', rating: 5 },
        traceEnd(t, { status: 'done' }),
      ]);
      assert.equal(res.statusCode, 200);
      const body = res.json() as { accepted: number; rejected: number; errors: { index: number; error: string }[] };
      assert.equal(body.accepted, 2);
      assert.equal(body.rejected, 8);
      assert.deepEqual(body.errors.map((e) => e.index), [1, 2, 4, 5, 6, 7, 8, 9]);
      assert.match(body.errors[0]!.error, /unknown event type "nonsense"/);
      assert.match(body.errors[1]!.error, /span_type must be one of llm, tool, retrieval, chain, agent, custom/);
      assert.match(body.errors[2]!.error, /span_id is required/);
      assert.match(body.errors[3]!.error, /timestamp is not an RFC 3339 date-time/);
      assert.match(body.errors[4]!.error, /event must be an object/);
      assert.match(body.errors[5]!.error, /metric_value must be number/);
      assert.match(body.errors[6]!.error, /trace_id is required/);
      assert.match(body.errors[7]!.error, /status must be one of success, error/);
      assert.deepEqual((await detail(t)).spans.map((s) => s.span_id), ['ok']);
    });

    it('answers 401 without a token, 400 to a body that is not a batch, 413 when too large', async () => {
      const noToken = await postTelemetry(app, [traceStart(traceId())], null);
      assert.equal(noToken.statusCode, 401);
      const readToken = await postTelemetry(app, [traceStart(traceId())], READ_TOKEN);
      assert.equal(readToken.statusCode, 403);
      for (const payload of ['{"events":{}}', '{"sdk_version":"1"}', 'not json', '{"events":[1,2', '[]']) {
        const res = await app.inject({ method: 'POST', url: '/api/sdk/v1/telemetry', headers: { 'content-type': 'application/json', authorization: 'Bearer test-ingest-token' }, payload });
        assert.equal(res.statusCode, 400, payload);
      }
      const big = Array.from({ length: 200 }, () => span(traceId(), 's', { output: { content: 'y'.repeat(500) } }));
      assert.equal((await postTelemetry(app, big)).statusCode, 413);
    });
  });
}
