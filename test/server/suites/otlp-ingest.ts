/**
 * `POST /v1/traces`: OTLP/HTTP in JSON and protobuf. The requests are made by the real
 * OpenTelemetry JS SDK (spans from its TracerProvider, bytes from its OTLP serializers), so the
 * server is checked against what exporters actually send, not against our own encoder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Store } from '../../../src/server/store/store.js';
import type { TraceDetail } from '../../../src/server/trace-detail.js';
import type { StoreFactory } from '../stores.js';
import { bearer, getJson, INGEST_TOKEN, testApp } from '../fixtures.js';

/** An agent's trace as an instrumented app reports it: a tool span, and a GenAI chat span under it. */
function sdkSpans(serviceName: string, genAi: Record<string, string | number | boolean | string[]>): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'process.pid': 5151, 'k8s.pod.name': 'rag-0' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('test-instrumentation');
  // No context manager is installed here, so the parent is passed explicitly.
  const tool = tracer.startSpan('tool search_docs');
  const chat = tracer.startSpan('chat gpt-4.1-mini', { attributes: genAi, startTime: new Date('2026-11-28T09:00:00.250Z') }, trace.setSpan(ROOT_CONTEXT, tool));
  chat.end(new Date('2026-11-28T09:00:01.750Z'));
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'index offline' });
  tool.end();
  return exporter.getFinishedSpans();
}

const GEN_AI = {
  'gen_ai.provider.name': 'openai',
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4.1-mini',
  'gen_ai.usage.input_tokens': 300,
  'gen_ai.usage.output_tokens': 120,
  'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Summarise the Quarterly report' }] }]),
};

export function otlpIngestSuite(factory: StoreFactory): void {
  describe('OTLP/HTTP traces ingest (POST /v1/traces)', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      app = testApp(store);
    });
    after(() => app.close());

    const post = (body: Uint8Array | string, contentType: string, token = INGEST_TOKEN) =>
      app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': contentType, ...bearer(token) }, payload: Buffer.from(body) });

    async function checkStored(spans: ReadableSpan[], agent: string): Promise<void> {
      const chat = spans.find((s) => s.name.startsWith('chat'))!;
      const tool = spans.find((s) => s.name.startsWith('tool'))!;
      const traceId = chat.spanContext().traceId;
      const d = (await getJson<TraceDetail>(app, `/api/v1/traces/${traceId}`)).body;
      assert.deepEqual(d.spans.map((s) => s.name).sort(), ['chat gpt-4.1-mini', 'tool search_docs']);
      assert.equal(d.spans.find((s) => String(s.name).startsWith('tool'))!.status, 'error');
      assert.equal(d.llm_calls.length, 1);
      const call = d.llm_calls[0]!;
      assert.equal(call.span_id, chat.spanContext().spanId);
      assert.equal(call.parent_span_id, tool.spanContext().spanId);
      assert.equal(call.source, 'otlp');
      assert.equal(call.provider, 'openai');
      assert.equal(call.request_model, 'gpt-4.1-mini');
      assert.equal(call.input_tokens, 300);
      assert.equal(call.output_tokens, 120);
      assert.equal(call.agent_name, agent);
      assert.equal(call.pid, 5151);
      assert.equal(call.pod, 'rag-0');
      assert.equal(call.start_time, '2026-11-28T09:00:00.250000Z');
      assert.equal(call.end_time, '2026-11-28T09:00:01.750000Z');
      assert.ok(Math.abs(call.cost_usd! - (300 * 0.4 + 120 * 1.6) / 1e6) < 1e-12);
      // Messages sent as a JSON string are stored structured, and are searchable.
      const full = (await getJson<{ record: { attributes: Record<string, unknown> } }>(app, `/api/v1/calls/${call.span_id}`)).body.record;
      assert.ok(Array.isArray(full.attributes['gen_ai.input.messages']));
      const hits = (await getJson<{ calls: { span_id: string }[] }>(app, `/api/v1/calls?q=quarterly&agent=${agent}`)).body.calls;
      assert.deepEqual(hits.map((h) => h.span_id), [call.span_id]);
    }

    it('stores protobuf exports from the OpenTelemetry SDK and answers in protobuf', async () => {
      const spans = sdkSpans('rag-service-pb', GEN_AI);
      const res = await post(ProtobufTraceSerializer.serializeRequest(spans)!, 'application/x-protobuf');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/x-protobuf');
      assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(res.rawPayload), {});
      await checkStored(spans, 'rag-service-pb');
    });

    it('stores JSON exports from the OpenTelemetry SDK', async () => {
      const spans = sdkSpans('rag-service-json', GEN_AI);
      const res = await post(JsonTraceSerializer.serializeRequest(spans)!, 'application/json');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {});
      await checkStored(spans, 'rag-service-json');
    });

    it('is idempotent: a re-sent export stores each span once', async () => {
      const spans = sdkSpans('rag-service-retry', GEN_AI);
      const body = ProtobufTraceSerializer.serializeRequest(spans)!;
      await post(body, 'application/x-protobuf');
      await post(body, 'application/x-protobuf');
      const d = (await getJson<TraceDetail>(app, `/api/v1/traces/${spans[0]!.spanContext().traceId}`)).body;
      assert.equal(d.spans.length, 2);
      assert.equal(d.llm_calls.length, 1);
    });

    it('reads the older GenAI names (gen_ai.system, prompt/completion tokens)', async () => {
      const spans = sdkSpans('legacy-app', { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-3-haiku-20240307', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 20 });
      assert.equal((await post(ProtobufTraceSerializer.serializeRequest(spans)!, 'application/protobuf')).statusCode, 200);
      const chat = spans.find((s) => s.name.startsWith('chat'))!;
      const call = (await getJson<{ call: { provider: string; input_tokens: number; output_tokens: number } }>(app, `/api/v1/calls/${chat.spanContext().spanId}`)).body.call;
      assert.deepEqual([call.provider, call.input_tokens, call.output_tokens], ['anthropic', 10, 20]);
    });

    it('reports invalid spans as a partial success', async () => {
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] },
            scopeSpans: [
              {
                spans: [
                  { traceId: 'zz', spanId: '0102030405060708', name: 'bad', startTimeUnixNano: '1', endTimeUnixNano: '2' },
                  { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'good', startTimeUnixNano: '1795856400000000000', endTimeUnixNano: 1795856401000000000 },
                ],
              },
            ],
          },
        ],
      };
      const res = await post(JSON.stringify(body), 'application/json');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { partialSuccess: { rejectedSpans: 1, errorMessage: 'traceId must be 16 non-zero bytes' } });
    });

    it('answers 401 without a token and 400 to bytes that are not OTLP', async () => {
      const noToken = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(noToken.statusCode, 401);
      assert.equal((await post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 'application/x-protobuf')).statusCode, 400);
      assert.equal((await post('[1]', 'application/json')).statusCode, 400);
    });
  });
}
