import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cohereChatSseToolsExpected } from '../../../test/fixtures/cohere/cases.js';
import { assertWarnings, caseExchange, exchangeFor, JSON_TYPE, SSE_TYPE } from '../../../test/fixtures/llm/case.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import { cohereAdapter } from './api.js';

const ROUTE = { serverName: 'api.cohere.com', serverPort: 443, target: '/v2/chat' };

test('stream cut before message-end: plan and partial arguments kept, no finish reason or usage, a warning', () => {
  const c = cohereChatSseToolsExpected();
  const body = readFixture('cohere', c.responseFile);
  const got = cohereAdapter.extract(caseExchange(c, body.subarray(0, body.indexOf('event: tool-call-end'))));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: 'I will check the weather in Toronto.' },
        { type: 'tool_call', id: 'get_weather_nsz5zm3w56q3', name: 'get_weather', arguments: { location: 'Toronto' } },
      ],
      finish_reason: null,
    },
  ]);
  assert.equal(got.attributes['gen_ai.usage.input_tokens'], undefined);
  assertWarnings(got.warnings, ['response: stream ended without message-end']);
});

test('billed_units stand in when tokens are absent; a failed stream records its error', () => {
  const json = cohereAdapter.extract(
    exchangeFor(
      ROUTE,
      Buffer.from('{"model":"command-a-03-2025","messages":[{"role":"user","content":"hi"}]}'),
      Buffer.from('{"id":"a1","finish_reason":"MAX_TOKENS","message":{"role":"assistant","content":[{"type":"text","text":"Hel"}]},"usage":{"billed_units":{"input_tokens":1,"output_tokens":2}}}'),
      200,
      JSON_TYPE,
    ),
  );
  assert.equal(json.attributes['gen_ai.usage.input_tokens'], 1);
  assert.equal(json.attributes['gen_ai.usage.output_tokens'], 2);
  assert.deepEqual(json.attributes['gen_ai.output.messages'], [{ role: 'assistant', parts: [{ type: 'text', content: 'Hel' }], finish_reason: 'length' }]);

  const stream = cohereAdapter.extract(
    exchangeFor(
      ROUTE,
      Buffer.from('{"model":"command-a-03-2025","stream":true,"messages":[]}'),
      Buffer.from('event: message-start\ndata: {"id":"a2","type":"message-start","delta":{"message":{"role":"assistant"}}}\n\nevent: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal server error, this has been reported to our developers"}}\n\n'),
      200,
      SSE_TYPE,
    ),
  );
  assert.equal(stream.attributes['error.type'], '_OTHER');
  assert.equal(stream.attributes['osprey.error.message'], 'internal server error, this has been reported to our developers');
  assert.deepEqual(stream.attributes['gen_ai.response.finish_reasons'], ['ERROR']);
});
