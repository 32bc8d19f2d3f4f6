import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWarnings, caseExchange, exchangeFor, NDJSON_TYPE } from '../../../test/fixtures/llm/case.js';
import { ollamaChatNdjsonExpected, ollamaGenerateNdjsonExpected } from '../../../test/fixtures/ollama/cases.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import { ollamaAdapter } from './api.js';

const route = (serverName: string, serverPort: number, path: string) => ({ serverName, serverPort, method: 'POST', path });

test('matches: any host on :11434, ollama.com on any port, the native and /v1 paths only', () => {
  assert.equal(ollamaAdapter.matches(route('localhost', 11434, '/api/chat')), true);
  assert.equal(ollamaAdapter.matches(route('ollama-svc.ml.svc.cluster.local', 11434, '/api/generate')), true);
  assert.equal(ollamaAdapter.matches(route('10.1.2.3', 11434, '/v1/embeddings')), true);
  assert.equal(ollamaAdapter.matches(route('ollama.com', 443, '/api/chat')), true);
  assert.equal(ollamaAdapter.matches(route('localhost', 11434, '/api/pull')), false);
  assert.equal(ollamaAdapter.matches(route('localhost', 11435, '/api/chat')), false);
  assert.equal(ollamaAdapter.matches({ serverName: null, serverPort: 11434, method: 'POST', path: '/api/chat' }), true);
});

test('stream cut before the done line: text so far, no finish reason, no counts, a warning', () => {
  const c = ollamaChatNdjsonExpected();
  const body = readFixture('ollama', c.responseFile);
  const got = ollamaAdapter.extract(caseExchange(c, body.subarray(0, body.lastIndexOf('\n', body.length - 2) + 1)));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: '91 = 7×13, so not prime.' },
        { type: 'text', content: 'No—91 = 7 × 13.' },
      ],
      finish_reason: null,
    },
  ]);
  assert.equal(got.attributes['gen_ai.usage.output_tokens'], undefined);
  assertWarnings(got.warnings, ['response: stream ended before done']);
});

test('an error line mid-stream is recorded; a bad line is counted and skipped', () => {
  const c = ollamaGenerateNdjsonExpected();
  const body = Buffer.from('{"model":"codellama:7b","response":"ss","done":false}\nnot json\n{"error":"an error was encountered while running the model: unexpected EOF"}\n');
  const got = ollamaAdapter.extract(caseExchange(c, body));
  assert.equal(got.attributes['error.type'], '_OTHER');
  assert.equal(got.attributes['osprey.error.message'], 'an error was encountered while running the model: unexpected EOF');
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [{ role: 'assistant', parts: [{ type: 'text', content: 'ss' }], finish_reason: null }]);
  assertWarnings(got.warnings, ['response: 1 NDJSON lines are not JSON']);
});

test('without a content type, stream defaults to true unless the request says false', () => {
  const r = { serverName: 'localhost', serverPort: 11434, target: '/api/chat' };
  const line = '{"model":"llama3.2","message":{"role":"assistant","content":"ok"},"done":true,"done_reason":"stop","eval_count":1}\n';
  const streamed = ollamaAdapter.extract(exchangeFor(r, Buffer.from('{"model":"llama3.2","messages":[]}'), Buffer.from(line), 200, undefined));
  assert.equal(streamed.attributes['osprey.stream'], true);
  const whole = ollamaAdapter.extract(exchangeFor(r, Buffer.from('{"model":"llama3.2","messages":[],"stream":false}'), Buffer.from(line), 200, undefined));
  assert.equal(whole.attributes['osprey.stream'], false);
  assert.deepEqual(whole.attributes['gen_ai.output.messages'], streamed.attributes['gen_ai.output.messages']);
  assert.equal(ollamaAdapter.extract(exchangeFor(r, Buffer.from('{}'), Buffer.from(line), 200, NDJSON_TYPE)).attributes['osprey.stream'], true);
});
