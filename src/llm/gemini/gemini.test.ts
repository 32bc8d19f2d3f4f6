import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiStreamArrayExpected, geminiStreamSseExpected } from '../../../test/fixtures/gemini/cases.js';
import { assertWarnings, caseExchange, exchangeFor, JSON_TYPE } from '../../../test/fixtures/llm/case.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import { geminiAdapter } from './api.js';

test('JSON-array stream cut mid-element: the elements so far, and a warning about the missing ]', () => {
  const c = geminiStreamArrayExpected();
  const body = readFixture('gemini', c.responseFile);
  const got = geminiAdapter.extract(caseExchange(c, body.subarray(0, body.indexOf(': no prime'))));
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: '**Checking small primes**\n\nTrial division up to 31.' },
        { type: 'text', content: 'Yes — 1009 is prime' },
      ],
      finish_reason: null,
    },
  ]);
  assert.equal(got.attributes['gen_ai.usage.input_tokens'], 8);
  assert.equal(got.attributes['gen_ai.usage.output_tokens'], undefined);
  assertWarnings(got.warnings, ['response: JSON array stream ended before its closing ]']);
});

test('SSE without ?alt=sse in the URL (a proxy dropped it) is recognised by its first bytes', () => {
  const c = geminiStreamSseExpected();
  const got = geminiAdapter.extract(caseExchange({ ...c, route: { ...c.route, target: '/v1beta/models/gemini-2.0-flash:streamGenerateContent' }, contentType: undefined }));
  assert.deepEqual(got.attributes, c.expected.attributes);
});

test('an error element inside a stream is recorded; a stream of nothing says so', () => {
  const route = { serverName: 'generativelanguage.googleapis.com', serverPort: 443, target: '/v1beta/models/gemini-2.5-pro:streamGenerateContent' };
  const request = Buffer.from('{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}');
  const body = Buffer.from('[{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}]},\n{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}\n]');
  const got = geminiAdapter.extract(exchangeFor(route, request, body, 200, JSON_TYPE));
  assert.equal(got.attributes['error.type'], 'UNAVAILABLE');
  assert.equal(got.attributes['osprey.error.message'], 'The model is overloaded. Please try again later.');
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [{ role: 'assistant', parts: [{ type: 'text', content: 'Hel' }], finish_reason: null }]);

  const empty = geminiAdapter.extract(exchangeFor(route, request, Buffer.from('[]'), 200, JSON_TYPE));
  assertWarnings(empty.warnings, ['response: stream has no chunks']);
});

test('parts: inline data, file data, code execution; camelCase and snake_case alike; model role is assistant', () => {
  const route = { serverName: 'generativelanguage.googleapis.com', serverPort: 443, target: '/v1beta/models/gemini-2.5-flash:generateContent' };
  const request = {
    contents: [
      {
        role: 'user',
        parts: [
          { inline_data: { mime_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { fileData: { mimeType: 'application/pdf', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          { videoMetadata: { fps: 1 } },
        ],
      },
    ],
    system_instruction: 'Be brief.',
  };
  const response = {
    candidates: [
      {
        index: 0,
        content: {
          role: 'model',
          parts: [
            { executableCode: { language: 'PYTHON', code: 'print(2+2)' } },
            { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '4\n' } },
            { text: 'It is 4.' },
          ],
        },
        finishReason: 'STOP',
      },
    ],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 7, cachedContentTokenCount: 3 },
  };
  const got = geminiAdapter.extract(exchangeFor(route, Buffer.from(JSON.stringify(request)), Buffer.from(JSON.stringify(response)), 200, JSON_TYPE));
  assert.deepEqual(got.attributes['gen_ai.system_instructions'], [{ type: 'text', content: 'Be brief.' }]);
  assert.deepEqual(got.attributes['gen_ai.input.messages'], [
    {
      role: 'user',
      parts: [
        { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/4AAQ' },
        { type: 'uri', modality: 'document', mime_type: 'application/pdf', uri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' },
      ],
    },
  ]);
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    {
      role: 'assistant',
      parts: [
        { type: 'tool_call', id: null, name: 'code_execution', arguments: { language: 'PYTHON', code: 'print(2+2)' } },
        { type: 'tool_call_response', id: null, response: { outcome: 'OUTCOME_OK', output: '4\n' } },
        { type: 'text', content: 'It is 4.' },
      ],
      finish_reason: 'tool_call',
    },
  ]);
  assert.equal(got.attributes['gen_ai.usage.cache_read.input_tokens'], 3);
  assertWarnings(got.warnings, ['request.contents[0].parts[2]: unsupported part']);
});
