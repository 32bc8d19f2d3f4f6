/** Builders for what senders send (LlmCall records, NodeLoom events, OTLP requests) and an app wired for tests. */
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerOptions } from '../../src/server/app.js';
import type { Store } from '../../src/server/store/store.js';
import type { LlmCall } from '../../src/telemetry/llm-call.js';

export const INGEST_TOKEN = 'test-ingest-token';
export const READ_TOKEN = 'test-read-token';

export function testApp(store: Store, opts: Partial<ServerOptions> = {}): FastifyInstance {
  return buildServer({
    store,
    envTokens: [
      { scope: 'ingest', secret: INGEST_TOKEN },
      { scope: 'read', secret: READ_TOKEN },
    ],
    ...opts,
  });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

let counter = 0;

/** Distinct, valid ids: 32 and 16 lower-case hex digits. */
export function ids(n = ++counter): { trace_id: string; span_id: string } {
  return { trace_id: n.toString(16).padStart(32, 'a'), span_id: n.toString(16).padStart(16, 'b') };
}

export function llmCall(overrides: Partial<Omit<LlmCall, 'attributes'>> & { attributes?: Record<string, unknown> } = {}): LlmCall {
  const { attributes, ...top } = overrides;
  return {
    kind: 'llm_call',
    ...ids(),
    parent_span_id: null,
    name: 'chat gpt-4o-mini',
    start_time: '2026-11-28T19:38:11.123456Z',
    end_time: '2026-11-28T19:38:12.623456Z',
    ...top,
    attributes: {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 2000,
      'osprey.stream': false,
      'process.pid': 4242,
      'process.executable.path': '/usr/bin/python3.11',
      'osprey.agent.name': 'support-bot',
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] }],
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: 'Sunny, 21 °C.' }], finish_reason: 'stop' }],
      ...attributes,
    } as LlmCall['attributes'],
  };
}

export function postCalls(app: FastifyInstance, records: unknown[], opts: { token?: string; gzip?: boolean } = {}): Promise<LightMyRequestResponse> {
  const json = JSON.stringify({ records });
  return app.inject({
    method: 'POST',
    url: '/api/v1/llm-calls',
    headers: { 'content-type': 'application/json', ...bearer(opts.token ?? INGEST_TOKEN), ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}) },
    payload: opts.gzip ? gzipSync(json) : json,
  });
}

export function postTelemetry(app: FastifyInstance, events: unknown[], token: string | null = INGEST_TOKEN): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/sdk/v1/telemetry',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : bearer(token)) },
    payload: JSON.stringify({ events, sdk_version: '0.9.0', sdk_language: 'typescript' }),
  });
}

export function getJson<T>(app: FastifyInstance, url: string, token = READ_TOKEN): Promise<{ status: number; body: T }> {
  return app.inject({ method: 'GET', url, headers: bearer(token) }).then((r) => ({ status: r.statusCode, body: r.json() as T }));
}
