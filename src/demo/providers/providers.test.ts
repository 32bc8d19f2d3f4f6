/**
 * The multi-provider fake, without a kernel: routing, purity, errors, and every answer read back by
 * the agent's own adapter with no warning and the documented values (the end-to-end tests then
 * prove real clients and the capture path agree; test/e2e/providers.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeFor } from '../../../test/fixtures/llm/case.js';
import { createAdapterRegistry } from '../../llm/registry.js';
import type { AdapterAttributes } from '../../llm/types.js';
import type { FakeReply, FakeRequest } from './common.js';
import { AZURE_DEMO_HOST, FAKE_PROVIDER_HOSTS, routeFakeRequest } from './router.js';

const KEY_HEADERS = { authorization: 'Bearer k', 'x-api-key': 'k', 'api-key': 'k', 'x-goog-api-key': 'k' };
const TOOL_ARGS = { city: 'Paris', days: 3 };

function request(host: string, target: string, body: unknown, headers: Record<string, string> = KEY_HEADERS): FakeRequest {
  const url = new URL(target, 'http://x');
  const raw = Buffer.from(JSON.stringify(body));
  return { method: 'POST', host, path: url.pathname, query: url.searchParams, headers, raw, json: body };
}

/** What the agent's adapter for this host and path reads from the fake's answer. */
function extract(req: FakeRequest, reply: FakeReply, port = 443): { attributes: AdapterAttributes; warnings: string[] } {
  const target = `${req.path}${req.query.size > 0 ? `?${req.query}` : ''}`;
  const route = { serverName: req.host, serverPort: port, target };
  const adapter = createAdapterRegistry().find({ serverName: req.host, serverPort: port, method: 'POST', path: req.path });
  assert.ok(adapter, `an adapter reads ${req.host}${req.path}`);
  return adapter.extract(exchangeFor(route, req.raw, Buffer.from(reply.chunks.join('')), reply.status, reply.contentType));
}

const text = (label: string, m: string): string => `Hello ${m}! ${label} answers from the local fake.`;
const textOut = (t: string, finish = 'stop'): unknown => [{ role: 'assistant', parts: [{ type: 'text', content: t }], finish_reason: finish }];
const toolOut = (id: string | null, name: string, parts: unknown[] = []): unknown => [
  { role: 'assistant', parts: [...parts, { type: 'tool_call', id, name, arguments: TOOL_ARGS }], finish_reason: 'tool_call' },
];
const oaiTools = [{ type: 'function', function: { name: 'get_forecast', parameters: {} } }];
const user = (m: string): unknown[] => [{ role: 'user', content: `hi [${m}]` }];

interface Case {
  name: string;
  req: FakeRequest;
  port?: number;
  streamed: boolean;
  /** For streams: how many pieces the answer is written in, at least (default 3). */
  minChunks?: number;
  expect: Partial<AdapterAttributes>;
}

const CASES: Case[] = [
  {
    name: 'anthropic json',
    req: request('api.anthropic.com', '/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 10, messages: user('a1') }),
    streamed: false,
    expect: { 'gen_ai.response.id': 'msg_a1', 'gen_ai.response.model': 'claude-haiku-4-5-20250929', 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 12, 'gen_ai.output.messages': textOut(text('Claude', 'a1')) as never },
  },
  {
    name: 'anthropic sse with tool_use and a cached system block',
    req: request('api.anthropic.com', '/v1/messages', {
      model: 'claude-haiku-4-5-20251001',
      max_tokens: 10,
      stream: true,
      system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'get_forecast', input_schema: {} }],
      messages: user('a2'),
    }),
    streamed: true,
    expect: {
      'gen_ai.response.model': 'claude-haiku-4-5-20251001',
      'gen_ai.usage.input_tokens': 121,
      'gen_ai.usage.cache_read.input_tokens': 96,
      'gen_ai.output.messages': toolOut('toolu_a2', 'get_forecast', [{ type: 'text', content: text('Claude', 'a2') }]) as never,
    },
  },
  {
    name: 'gemini json, snake_case request',
    req: request('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:generateContent', { contents: [{ parts: [{ text: 'hi [g1]' }] }] }),
    streamed: false,
    expect: { 'gen_ai.response.id': 'gemini-g1', 'gen_ai.usage.output_tokens': 16, 'gen_ai.output.messages': textOut(text('Gemini', 'g1')) as never },
  },
  {
    name: 'gemini alt=sse with a function call',
    req: request('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', {
      contents: [{ role: 'user', parts: [{ text: 'hi [g2]' }] }],
      tools: [{ function_declarations: [{ name: 'set_light' }] }],
    }),
    streamed: true,
    // A function call arrives whole, in one chunk that also ends the stream.
    minChunks: 1,
    expect: { 'gen_ai.response.finish_reasons': ['STOP'], 'gen_ai.output.messages': toolOut(null, 'set_light') as never },
  },
  {
    name: 'gemini JSON-array stream',
    req: request('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.5-pro:streamGenerateContent', { contents: [{ role: 'user', parts: [{ text: 'hi [g3]' }] }] }),
    streamed: true,
    expect: { 'osprey.stream': true, 'gen_ai.usage.input_tokens': 9, 'gen_ai.output.messages': textOut(text('Gemini', 'g3')) as never },
  },
  {
    name: 'azure deployment sse with include_usage',
    req: request(AZURE_DEMO_HOST, '/openai/deployments/prod/chat/completions?api-version=2024-10-21', { stream: true, stream_options: { include_usage: true }, messages: user('z1') }),
    streamed: true,
    expect: { 'gen_ai.request.model': 'prod', 'gen_ai.response.id': 'chatcmpl-z1', 'gen_ai.response.model': 'gpt-4o-2024-11-20', 'gen_ai.usage.input_tokens': 19, 'gen_ai.output.messages': textOut(text('Azure OpenAI', 'z1')) as never },
  },
  {
    name: 'openai responses sse with a function call',
    req: request('api.openai.com', '/v1/responses', { model: 'gpt-4.1', stream: true, input: 'hi [r1]', tools: [{ type: 'function', name: 'get_forecast' }] }),
    streamed: true,
    expect: { 'gen_ai.response.id': 'resp_r1', 'gen_ai.usage.cache_read.input_tokens': 16, 'gen_ai.output.messages': toolOut('call_r1', 'get_forecast') as never },
  },
  {
    name: 'groq sse: usage only under x_groq',
    req: request('api.groq.com', '/openai/v1/chat/completions', { model: 'llama-3.1-8b-instant', stream: true, messages: user('q1') }),
    streamed: true,
    expect: { 'gen_ai.provider.name': 'groq', 'gen_ai.usage.input_tokens': 19, 'gen_ai.usage.output_tokens': 8, 'gen_ai.output.messages': textOut(text('Groq', 'q1')) as never },
  },
  {
    name: 'mistral sse tool call whole',
    req: request('api.mistral.ai', '/v1/chat/completions', { model: 'mistral-large-latest', stream: true, tools: oaiTools, messages: user('s1') }),
    streamed: true,
    expect: { 'gen_ai.provider.name': 'mistral_ai', 'gen_ai.usage.output_tokens': 8, 'gen_ai.output.messages': toolOut('call_s1', 'get_forecast') as never },
  },
  {
    name: 'together json',
    req: request('api.together.xyz', '/v1/chat/completions', { model: 'Qwen/Qwen3-235B', messages: user('t1') }),
    streamed: false,
    expect: { 'gen_ai.provider.name': 'together_ai', 'gen_ai.response.id': 'together-t1', 'gen_ai.output.messages': textOut(text('Together', 't1')) as never },
  },
  {
    name: 'cohere sse tool call with a plan',
    req: request('api.cohere.com', '/v2/chat', { model: 'command-r7b-12-2024', stream: true, tools: oaiTools, messages: user('c1') }),
    streamed: true,
    expect: {
      'gen_ai.usage.input_tokens': 73,
      'gen_ai.response.finish_reasons': ['TOOL_CALL'],
      'gen_ai.output.messages': toolOut('get_forecast_c1', 'get_forecast', [{ type: 'reasoning', content: 'I will call get_forecast to answer this.' }]) as never,
    },
  },
  {
    name: 'ollama /api/chat ndjson on :11434',
    req: request('localhost', '/api/chat', { model: 'llama3.2', messages: user('o1') }),
    port: 11434,
    streamed: true,
    expect: { 'osprey.stream': true, 'gen_ai.usage.input_tokens': 26, 'gen_ai.usage.output_tokens': 10, 'gen_ai.output.messages': textOut(text('Ollama', 'o1')) as never },
  },
  {
    name: 'ollama /api/generate json',
    req: request('127.0.0.1', '/api/generate', { model: 'codellama', prompt: 'hi [o2]', stream: false }),
    port: 11434,
    streamed: false,
    expect: { 'gen_ai.operation.name': 'text_completion', 'osprey.stream': false, 'gen_ai.output.messages': textOut(text('Ollama', 'o2')) as never },
  },
  {
    name: 'ollama /v1 chat with tools, arguments whole',
    req: request('localhost', '/v1/chat/completions', { model: 'qwen3', stream: true, tools: oaiTools, messages: user('o3') }),
    port: 11434,
    streamed: true,
    expect: { 'gen_ai.provider.name': 'ollama', 'gen_ai.output.messages': toolOut('call_o3', 'get_forecast') as never },
  },
];

for (const c of CASES) {
  test(`the agent reads the fake's answer without a warning: ${c.name}`, () => {
    const reply = routeFakeRequest(c.req);
    assert.equal(reply.status, 200, reply.chunks.join(''));
    assert.equal(reply.streamed, c.streamed);
    if (c.streamed) assert.ok(reply.chunks.length >= (c.minChunks ?? 3), `a stream is written in pieces: ${reply.chunks.length}`);
    const got = extract(c.req, reply, c.port);
    assert.deepEqual(got.warnings, []);
    for (const [k, v] of Object.entries(c.expect)) assert.deepEqual(got.attributes[k as keyof AdapterAttributes], v, k);
  });
}

test('answers are pure functions of the request', () => {
  for (const c of CASES) assert.deepEqual(routeFakeRequest(c.req), routeFakeRequest(c.req), c.name);
});

test('each provider refuses a request without its key, in its own error shape', () => {
  const none = {};
  const cases: Array<[FakeRequest, number, unknown]> = [
    [request('api.anthropic.com', '/v1/messages', { model: 'claude-x', max_tokens: 1, messages: [] }, none), 401, { type: 'error', error: { type: 'authentication_error', message: 'x-api-key header is required' } }],
    [request('api.openai.com', '/v1/chat/completions', { model: 'gpt-4o', messages: [] }, none), 401, { error: { message: 'You did not provide an API key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }],
    [request('api.cohere.com', '/v2/chat', { model: 'command-r', messages: [] }, none), 401, { id: 'fake-unauthorized', message: 'no api key supplied' }],
  ];
  for (const [req, status, body] of cases) {
    const reply = routeFakeRequest(req);
    assert.equal(reply.status, status, req.host);
    assert.deepEqual(JSON.parse(reply.chunks.join('')), body);
  }
  assert.equal(routeFakeRequest(request('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:generateContent', { contents: [] }, none)).status, 403);
  assert.equal(routeFakeRequest(request(AZURE_DEMO_HOST, '/openai/deployments/d/chat/completions?api-version=1', { messages: [] }, none)).status, 401);
  assert.equal(routeFakeRequest(request(AZURE_DEMO_HOST, '/openai/deployments/d/chat/completions', { messages: [] })).status, 404, 'api-version is required');
});

test('unknown paths are 404s; unknown hosts are answered as Ollama; the host list covers every route', () => {
  assert.equal(routeFakeRequest(request('api.anthropic.com', '/v1/complete', {})).status, 404);
  assert.equal(routeFakeRequest(request('api.openai.com', '/v1/audio/speech', {})).status, 404);
  assert.equal(routeFakeRequest(request('ollama.internal', '/api/chat', { model: 'm', stream: false, messages: [] })).status, 200);
  assert.deepEqual(FAKE_PROVIDER_HOSTS, [
    'api.openai.com',
    AZURE_DEMO_HOST,
    'api.anthropic.com',
    'generativelanguage.googleapis.com',
    'api.cohere.com',
    'api.cohere.ai',
    'api.groq.com',
    'api.mistral.ai',
    'api.together.xyz',
    'api.together.ai',
  ]);
});
