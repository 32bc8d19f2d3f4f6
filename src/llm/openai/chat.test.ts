import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertWarnings, caseExchange, exchangeFor } from '../../../test/fixtures/llm/case.js';
import { OPENAI_CASES } from '../../../test/fixtures/openai/cases.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import type { HeaderList } from '../../protocols/types.js';
import type { HttpExchange, LlmExtraction, RouteInfo } from '../types.js';
import { openaiAdapter } from './api.js';
import { extractOpenAiChat } from './chat.js';

const CHAT_ROUTE = { serverName: 'api.openai.com', serverPort: 443, target: '/v1/chat/completions' };

function exchange(request: Buffer, response: Buffer, status = 200, headers: HeaderList = []): HttpExchange {
  const contentType = headers.find(([n]) => n === 'content-type')?.[1];
  return exchangeFor(CHAT_ROUTE, request, response, status, contentType);
}

const route = (serverName: string | null, method: string, path: string): RouteInfo => ({ serverName, serverPort: 443, method, path });

for (const makeCase of OPENAI_CASES) {
  test(`extract: ${makeCase.name} (${makeCase().responseFile})`, () => {
    const c = makeCase();
    const got = openaiAdapter.extract(caseExchange(c));
    assert.equal(got.spanName, c.expected.spanName);
    assert.deepEqual(got.attributes, c.expected.attributes);
    assertWarnings(got.warnings, c.expected.warningPrefixes);
  });
}

const PING = Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"ping"}],"stream":true}');
const SSE: HeaderList = [['content-type', 'text/event-stream']];
const sse = (...data: string[]): Buffer => Buffer.from(data.map((d) => `data: ${d}\n\n`).join(''));

test('matches: POST to api.openai.com /v1/chat/completions (and the other operations), query string and host case ignored', () => {
  assert.equal(openaiAdapter.matches(route('api.openai.com', 'POST', '/v1/chat/completions')), true);
  assert.equal(openaiAdapter.matches(route('API.OpenAI.com.', 'POST', '/v1/chat/completions?trace=1')), true);
  assert.equal(openaiAdapter.matches(route('api.openai.com', 'GET', '/v1/chat/completions')), false);
  assert.equal(openaiAdapter.matches(route('api.openai.com', 'POST', '/v1/completions')), true); // legacy completions
  assert.equal(openaiAdapter.matches(route('api.openai.com', 'POST', '/v1/files')), false);
  assert.equal(openaiAdapter.matches(route('api.openai.com', 'POST', '/v1/chat/completions/extra')), false);
  assert.equal(openaiAdapter.matches(route('api.anthropic.com', 'POST', '/v1/chat/completions')), false);
  assert.equal(openaiAdapter.matches(route(null, 'POST', '/v1/chat/completions')), false);
});

test('extractOpenAiChat: another provider name for an OpenAI-compatible host', () => {
  const c = OPENAI_CASES[0]!();
  const got = extractOpenAiChat(caseExchange(c), 'groq');
  assert.equal(got.attributes['gen_ai.provider.name'], 'groq');
  assert.equal(got.attributes['gen_ai.response.id'], c.expected.attributes['gen_ai.response.id']);
});

test('stream: tool arguments that are not valid JSON are kept as the raw string', () => {
  const got = openaiAdapter.extract(
    exchange(
      PING,
      sse(
        '{"id":"c1","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"search","arguments":"{\\"q\\": \\"ebp"}}]}}]}',
        '{"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}',
        '[DONE]',
      ),
      200,
      SSE,
    ),
  );
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'search', arguments: '{"q": "ebp' }], finish_reason: 'length' },
  ]);
  assertWarnings(got.warnings, []);
});

test('stream: two choices (n=2) are rebuilt separately, in index order', () => {
  const got = openaiAdapter.extract(
    exchange(
      PING,
      sse(
        '{"choices":[{"index":1,"delta":{"role":"assistant","content":"B"}}]}',
        '{"choices":[{"index":0,"delta":{"role":"assistant","content":"A"}}]}',
        '{"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"},{"index":1,"delta":{"content":"b"},"finish_reason":"length"}]}',
        '[DONE]',
      ),
      200,
      SSE,
    ),
  );
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'text', content: 'Aa' }], finish_reason: 'stop' },
    { role: 'assistant', parts: [{ type: 'text', content: 'Bb' }], finish_reason: 'length' },
  ]);
  assert.deepEqual(got.attributes['gen_ai.response.finish_reasons'], ['stop', 'length']);
});

test('stream: a cut-off stream keeps the text so far, no finish reason, and says [DONE] was missing', () => {
  const body = Buffer.concat([
    sse('{"id":"c2","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}'),
    Buffer.from('data: {"id":"c2","choices":[{"index":0,"delta":{"content":"lo'),
  ]);
  const got = openaiAdapter.extract(exchange(PING, body, 200, SSE));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    { role: 'assistant', parts: [{ type: 'text', content: 'Hel' }], finish_reason: null },
  ]);
  assert.equal(got.attributes['gen_ai.response.finish_reasons'], undefined);
  assertWarnings(got.warnings, ['response: SSE event 1 is not a JSON object', 'response: stream ended without [DONE]']);
});

test('stream: an error object sent mid-stream is recorded', () => {
  const got = openaiAdapter.extract(
    exchange(PING, sse('{"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}'), 200, SSE),
  );
  assert.equal(got.attributes['error.type'], 'server_error');
  assert.equal(got.attributes['osprey.error.message'], 'The server had an error while processing your request.');
  assertWarnings(got.warnings, []);
});

test('stream: without a content type, the request stream flag decides', () => {
  const got = openaiAdapter.extract(
    exchange(PING, sse('{"id":"c3","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}', '[DONE]')),
  );
  assert.equal(got.attributes['osprey.stream'], true);
  assert.equal(got.attributes['gen_ai.response.id'], 'c3');
});

test('error: the error type is used when there is no code; a non-JSON error body falls back to the status', () => {
  const noCode = openaiAdapter.extract(
    exchange(PING, Buffer.from('{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}'), 400),
  );
  assert.equal(noCode.attributes['error.type'], 'invalid_request_error');
  assert.equal(noCode.attributes['osprey.error.message'], 'We could not parse the JSON body of your request.');

  const html = openaiAdapter.extract(exchange(PING, Buffer.from('<html><body>502 Bad Gateway</body></html>'), 502));
  assert.equal(html.attributes['error.type'], '502');
  assert.equal(html.attributes['osprey.error.message'], undefined);
  assertWarnings(html.warnings, ['response: error body is not JSON (']);
});

test('request: unreadable body still gives a record with the response side', () => {
  const got = openaiAdapter.extract(
    exchange(Buffer.from('--boundary\r\nnot json'), readFixture('openai', 'chat.response.json'), 200, [['content-type', 'application/json']]),
  );
  assert.equal(got.spanName, 'chat');
  assert.equal(got.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assertWarnings(got.warnings, ['request: body is not JSON (']);
});

test('request: max_completion_tokens wins over the deprecated max_tokens; unsupported parts are reported', () => {
  const body = {
    model: 'o4-mini',
    max_tokens: 100,
    max_completion_tokens: 2000,
    messages: [
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }, { type: 'file', file: { file_id: 'file-1' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: [{ type: 'text', text: '{"ok":' }, { type: 'text', text: 'true}' }] },
      'not a message',
    ],
  };
  const got = openaiAdapter.extract(exchange(Buffer.from(JSON.stringify(body)), Buffer.from('{}'), 200, [['content-type', 'application/json']]));
  assert.equal(got.attributes['gen_ai.request.max_tokens'], 2000);
  assert.deepEqual(got.attributes['gen_ai.input.messages'], [
    { role: 'user', parts: [{ type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'UklGRg==' }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_9', response: '{"ok":true}' }] },
  ]);
  assertWarnings(got.warnings, [
    'request.messages[0].content[1]: unsupported content part',
    'request.messages[2]: not a message with a role',
    'response: no choices array',
  ]);
});

/**
 * Mostly a plausible value for the field, sometimes any JSON at all: deep paths are only reached
 * when every level above them has the expected shape, so plausible values must dominate.
 */
const loose = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: arb, weight: 4 }, { arbitrary: fc.jsonValue(), weight: 1 });
const partial = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] });

const toolCallArb = partial({
  index: loose(fc.nat(3)),
  id: loose(fc.string()),
  type: fc.constant('function'),
  function: loose(partial({ name: loose(fc.string()), arguments: loose(fc.string()) })),
});
const contentArb = loose(
  fc.oneof(
    fc.string(),
    fc.array(
      partial({
        type: loose(fc.constantFrom('text', 'image_url', 'input_audio', 'file')),
        text: loose(fc.string()),
        image_url: loose(partial({ url: loose(fc.oneof(fc.webUrl(), fc.base64String().map((s) => `data:image/png;base64,${s}`))) })),
        input_audio: loose(partial({ data: loose(fc.base64String()), format: loose(fc.string()) })),
      }),
    ),
  ),
);
const requestArb = partial({
  model: loose(fc.string()),
  stream: loose(fc.boolean()),
  temperature: loose(fc.double()),
  max_tokens: loose(fc.nat()),
  tools: loose(fc.array(fc.jsonValue())),
  messages: loose(
    fc.array(
      partial({
        role: loose(fc.constantFrom('system', 'user', 'assistant', 'tool')),
        name: loose(fc.string()),
        content: contentArb,
        tool_call_id: loose(fc.string()),
        tool_calls: loose(fc.array(toolCallArb)),
      }),
    ),
  ),
});
const usageArb = loose(partial({ prompt_tokens: loose(fc.nat()), completion_tokens: loose(fc.nat()) }));
const errorArb = loose(partial({ message: loose(fc.string()), type: loose(fc.string()), code: loose(fc.string()) }));
const completionArb = partial({
  id: loose(fc.string()),
  model: loose(fc.string()),
  usage: usageArb,
  error: errorArb,
  choices: loose(
    fc.array(
      partial({
        index: loose(fc.nat(3)),
        finish_reason: loose(fc.constantFrom('stop', 'length', 'tool_calls', 'content_filter')),
        message: loose(partial({ role: loose(fc.string()), content: loose(fc.string()), tool_calls: loose(fc.array(toolCallArb)) })),
      }),
    ),
  ),
});
const chunkArb = partial({
  id: loose(fc.string()),
  model: loose(fc.string()),
  usage: usageArb,
  error: errorArb,
  choices: loose(
    fc.array(
      partial({
        index: loose(fc.nat(3)),
        finish_reason: loose(fc.constantFrom('stop', 'length', 'tool_calls')),
        delta: loose(partial({ role: loose(fc.string()), content: loose(fc.string()), tool_calls: loose(fc.array(toolCallArb)) })),
      }),
    ),
  ),
});
const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const jsonBytes = (arb: fc.Arbitrary<unknown>) => arb.map((v) => Buffer.from(JSON.stringify(v) ?? ''));
const sseBytes = fc
  .tuple(fc.array(loose(chunkArb), { maxLength: 8 }), fc.boolean())
  .map(([chunks, done]) => sse(...chunks.map((c) => JSON.stringify(c)), ...(done ? ['[DONE]'] : [])));
const JSON_CT: HeaderList = [['content-type', 'application/json']];
const anyHeaders = fc.constantFrom<HeaderList>([], JSON_CT, SSE);

/** Responses as the adapter will see them: mostly well-framed bodies with shaky contents, some pure noise. */
const responseArb = fc.oneof(
  fc.record({ body: jsonBytes(completionArb), status: fc.constant(200), headers: fc.constant(JSON_CT) }),
  fc.record({ body: sseBytes, status: fc.constant(200), headers: fc.constantFrom<HeaderList>(SSE, []) }),
  fc.record({ body: jsonBytes(partial({ error: errorArb })), status: fc.constantFrom(400, 401, 429, 500), headers: anyHeaders }),
  fc.record({ body: fc.oneof(bytes, jsonBytes(fc.jsonValue())), status: fc.constantFrom(200, 404, 503), headers: anyHeaders }),
);

test('property: extract never throws and never hits its internal guard, whatever the bodies', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, jsonBytes(fc.jsonValue()), jsonBytes(requestArb)), responseArb, (req, res) => {
      let got: LlmExtraction | undefined;
      assert.doesNotThrow(() => {
        got = openaiAdapter.extract(exchange(req, res.body, res.status, res.headers));
      });
      assert.deepEqual(
        got!.warnings.filter((w) => w.startsWith('internal:')),
        [],
      );
    }),
    { seed: 20261128, numRuns: 500 },
  );
});
