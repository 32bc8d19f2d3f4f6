import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWarnings, caseExchange, exchangeFor, JSON_TYPE, SSE_TYPE } from '../../../test/fixtures/llm/case.js';
import { openaiChatSseUsageExpected, openaiChatToolsExpected } from '../../../test/fixtures/openai/cases.js';
import { findAdapter } from '../registry.js';
import { routeOf } from '../route.js';
import { OPENAI_COMPATIBLE_HOSTS } from './compatible.js';

test('OpenAI-compatible hosts read OpenAI chat bodies, JSON and SSE, under their own provider name', () => {
  for (const { provider, hosts, bases } of OPENAI_COMPATIBLE_HOSTS) {
    for (const host of hosts) {
      for (const base of bases) {
        for (const c of [openaiChatToolsExpected(), openaiChatSseUsageExpected()]) {
          const exchange = caseExchange({ ...c, route: { serverName: host, serverPort: 443, target: `${base}/chat/completions` } });
          const adapter = findAdapter(routeOf(exchange));
          assert.equal(adapter?.provider, provider, `${host}${base}`);
          const got = adapter!.extract(exchange);
          assert.deepEqual(got.attributes, { ...c.expected.attributes, 'gen_ai.provider.name': provider });
          assertWarnings(got.warnings, []);
        }
      }
    }
  }
});

const chatOn = (serverName: string, target: string) => ({ serverName, serverPort: 443, target });

test('DeepSeek reasoner: reasoning_content becomes a reasoning part, JSON and stream alike', () => {
  const route = chatOn('api.deepseek.com', '/chat/completions');
  const request = Buffer.from('{"model":"deepseek-reasoner","messages":[{"role":"user","content":"9.11 or 9.8?"}]}');
  const json = {
    id: 'a1f0c6e2-5d1b-4f0e-9b9c-2f3c1d7e8a90',
    object: 'chat.completion',
    model: 'deepseek-reasoner',
    choices: [{ index: 0, message: { role: 'assistant', content: '9.8 is larger.', reasoning_content: 'Compare 0.11 and 0.80.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 13, completion_tokens: 60, total_tokens: 73, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 13 },
  };
  const expected = [
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: 'Compare 0.11 and 0.80.' },
        { type: 'text', content: '9.8 is larger.' },
      ],
      finish_reason: 'stop',
    },
  ];
  const fromJson = findAdapter(routeOf(exchangeFor(route, request, Buffer.from(JSON.stringify(json)), 200, JSON_TYPE)));
  assert.equal(fromJson?.provider, 'deepseek');
  assert.deepEqual(fromJson!.extract(exchangeFor(route, request, Buffer.from(JSON.stringify(json)), 200, JSON_TYPE)).attributes['gen_ai.output.messages'], expected);

  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: json.id, object: 'chat.completion.chunk', model: 'deepseek-reasoner', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const stream = Buffer.from(
    chunk({ role: 'assistant', content: null, reasoning_content: '' }) +
      chunk({ content: null, reasoning_content: 'Compare 0.11' }) +
      chunk({ content: null, reasoning_content: ' and 0.80.' }) +
      chunk({ content: '9.8 is', reasoning_content: null }) +
      chunk({ content: ' larger.', reasoning_content: null }, 'stop') +
      'data: [DONE]\n\n',
  );
  const got = fromJson!.extract(exchangeFor(route, request, stream, 200, SSE_TYPE));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], expected);
  assertWarnings(got.warnings, []);
});

test('Groq: usage streamed under x_groq in the last chunk is read', () => {
  const route = chatOn('api.groq.com', '/openai/v1/chat/completions');
  const request = Buffer.from('{"model":"llama-3.3-70b-versatile","stream":true,"messages":[{"role":"user","content":"hi"}]}');
  const body = Buffer.from(
    'data: {"id":"chatcmpl-7c1e","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}],"x_groq":{"id":"req_01jx"}}\n\n' +
      'data: {"id":"chatcmpl-7c1e","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_01jx","usage":{"queue_time":0.02,"prompt_tokens":36,"prompt_time":0.002,"completion_tokens":2,"completion_time":0.004,"total_tokens":38,"total_time":0.006}}}\n\n' +
      'data: [DONE]\n\n',
  );
  const exchange = exchangeFor(route, request, body, 200, SSE_TYPE);
  const got = findAdapter(routeOf(exchange))!.extract(exchange);
  assert.equal(got.attributes['gen_ai.provider.name'], 'groq');
  assert.equal(got.attributes['gen_ai.usage.input_tokens'], 36);
  assert.equal(got.attributes['gen_ai.usage.output_tokens'], 2);
});
