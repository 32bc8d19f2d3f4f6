import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWarnings, caseExchange, exchangeFor, JSON_TYPE, SSE_TYPE } from '../../../test/fixtures/llm/case.js';
import { openaiResponsesSseExpected, openaiResponsesSseToolsExpected } from '../../../test/fixtures/openai/cases.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import { openaiAdapter } from './api.js';

const ROUTE = { serverName: 'api.openai.com', serverPort: 443, target: '/v1/responses' };
const REQUEST = Buffer.from('{"model":"gpt-4.1","input":"hi","stream":true}');
const sse = (...events: Array<[string, object]>): Buffer =>
  Buffer.from(events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`).join(''));

/** Everything up to (not including) the event named `name`. */
function before(file: string, name: string): Buffer {
  const body = readFixture('openai', file);
  return body.subarray(0, body.indexOf(`event: ${name}\n`));
}

test('stream cut before response.completed: text rebuilt from deltas, no finish reason, no usage, a warning', () => {
  const c = openaiResponsesSseExpected();
  const got = openaiAdapter.extract(caseExchange(c, before(c.responseFile, 'response.output_text.done')));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'text', content: 'SNI tells the server which host name the client wants, so it can pick the right certificate.' }], finish_reason: null },
  ]);
  assert.equal(got.attributes['gen_ai.response.id'], c.expected.attributes['gen_ai.response.id']);
  assert.equal(got.attributes['gen_ai.response.model'], 'gpt-4.1-mini-2025-04-14');
  assert.equal(got.attributes['gen_ai.usage.input_tokens'], undefined);
  assert.equal(got.attributes['gen_ai.response.finish_reasons'], undefined);
  assertWarnings(got.warnings, ['response: stream ended without response.completed']);
});

test('stream cut inside the function-call arguments: the raw fragment is kept', () => {
  const c = openaiResponsesSseToolsExpected();
  const body = readFixture('openai', c.responseFile);
  const cut = body.subarray(0, body.indexOf('"delta":"date'));
  const got = openaiAdapter.extract(caseExchange(c, cut.subarray(0, cut.lastIndexOf('event:'))));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_Wm2bX8kD4rT6yN0q', name: 'get_flight_status', arguments: '{"flight":"AF1234","' }], finish_reason: null },
  ]);
});

test('response.incomplete: the incomplete reason is the finish reason (max_output_tokens → length)', () => {
  const response = { id: 'resp_1', model: 'gpt-4.1-2025-04-14', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  const body = sse(
    ['response.created', { response: { ...response, status: 'in_progress', output: [] } }],
    ['response.output_text.delta', { output_index: 0, content_index: 0, delta: 'Once upon' }],
    ['response.incomplete', { response: { ...response, output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Once upon' }] }], usage: { input_tokens: 5, output_tokens: 2 } } }],
  );
  const got = openaiAdapter.extract(exchangeFor(ROUTE, REQUEST, body, 200, SSE_TYPE));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [{ role: 'assistant', parts: [{ type: 'text', content: 'Once upon' }], finish_reason: 'length' }]);
  assert.deepEqual(got.attributes['gen_ai.response.finish_reasons'], ['max_output_tokens']);
  assert.equal(got.attributes['gen_ai.usage.output_tokens'], 2);
  assertWarnings(got.warnings, []);
});

test('response.failed carries the error; an error event before any response is recorded too', () => {
  const failed = openaiAdapter.extract(
    exchangeFor(
      ROUTE,
      REQUEST,
      sse(['response.failed', { response: { id: 'resp_2', status: 'failed', error: { code: 'server_error', message: 'The model failed to generate a response.' }, output: [] } }]),
      200,
      SSE_TYPE,
    ),
  );
  assert.equal(failed.attributes['error.type'], 'server_error');
  assert.equal(failed.attributes['osprey.error.message'], 'The model failed to generate a response.');
  assert.deepEqual(failed.attributes['gen_ai.response.finish_reasons'], ['failed']);

  const early = openaiAdapter.extract(
    exchangeFor(ROUTE, REQUEST, sse(['error', { code: 'rate_limit_exceeded', message: 'Slow down.', param: null }]), 200, SSE_TYPE),
  );
  assert.equal(early.attributes['error.type'], 'rate_limit_exceeded');
  assert.equal(early.attributes['osprey.error.message'], 'Slow down.');
  assert.equal(early.attributes['gen_ai.output.messages'], undefined);
});

test('request: previous_response_id without input is not a problem; hosted tool calls are tool calls', () => {
  const request = Buffer.from(JSON.stringify({ model: 'gpt-4.1', previous_response_id: 'resp_0', tools: [{ type: 'web_search' }] }));
  const response = {
    id: 'resp_3',
    model: 'gpt-4.1-2025-04-14',
    status: 'completed',
    output: [
      { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'osprey ebpf' } },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Found it.' }, { type: 'refusal', refusal: 'Not that part.' }] },
    ],
  };
  const got = openaiAdapter.extract(exchangeFor(ROUTE, request, Buffer.from(JSON.stringify(response)), 200, JSON_TYPE));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    {
      role: 'assistant',
      parts: [
        { type: 'tool_call', id: 'ws_1', name: 'web_search', arguments: { type: 'search', query: 'osprey ebpf' } },
        { type: 'text', content: 'Found it.' },
        { type: 'text', content: 'Not that part.' },
      ],
      finish_reason: 'tool_call',
    },
  ]);
  assertWarnings(got.warnings, []);
});
