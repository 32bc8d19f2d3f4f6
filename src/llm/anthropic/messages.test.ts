import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicMessagesSseToolsExpected } from '../../../test/fixtures/anthropic/cases.js';
import { assertWarnings, caseExchange, exchangeFor, JSON_TYPE } from '../../../test/fixtures/llm/case.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import { anthropicAdapter } from './api.js';

const ROUTE = { serverName: 'api.anthropic.com', serverPort: 443, target: '/v1/messages' };

test('stream cut inside tool input JSON: the fragments so far are kept as a string, no stop reason', () => {
  const c = anthropicMessagesSseToolsExpected();
  const body = readFixture('anthropic', c.responseFile);
  const got = anthropicAdapter.extract(caseExchange(c, body.subarray(0, body.indexOf('n\\", \\"d'))));
  const [message] = got.attributes['gen_ai.output.messages']!;
  assert.deepEqual(message!.parts[2], { type: 'tool_call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_forecast', arguments: '{"city": "Lyo' });
  assert.equal(message!.finish_reason, null);
  assert.equal(got.attributes['gen_ai.usage.output_tokens'], 2, 'only message_start has been seen');
  assertWarnings(got.warnings, ['response: SSE event', 'response: stream ended without message_stop']);
});

test('non-streaming: thinking, a document, a server tool and its result; refusal is a content_filter finish', () => {
  const request = {
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain notes' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'image', source: { type: 'file', file_id: 'file_1' } },
        ],
      },
    ],
  };
  const response = {
    id: 'msg_1',
    model: 'claude-sonnet-4-5-20250929',
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'Hmm.', signature: 'sig' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://x' }] },
    ],
    stop_reason: 'refusal',
    usage: { input_tokens: 10, output_tokens: 3 },
  };
  const got = anthropicAdapter.extract(exchangeFor(ROUTE, Buffer.from(JSON.stringify(request)), Buffer.from(JSON.stringify(response)), 200, JSON_TYPE));
  assert.deepEqual(got.attributes['gen_ai.input.messages'], [
    {
      role: 'user',
      parts: [
        { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0x' },
        { type: 'text', content: 'plain notes' },
        { type: 'uri', modality: 'image', uri: 'https://example.com/a.png' },
      ],
    },
  ]);
  assert.deepEqual(got.attributes['gen_ai.output.messages'], [
    {
      role: 'assistant',
      parts: [
        { type: 'reasoning', content: 'Hmm.' },
        { type: 'tool_call', id: 'srvtoolu_1', name: 'web_search', arguments: { query: 'x' } },
        { type: 'tool_call_response', id: 'srvtoolu_1', response: [{ type: 'web_search_result', url: 'https://x' }] },
      ],
      finish_reason: 'content_filter',
    },
  ]);
  assert.equal(got.attributes['gen_ai.usage.input_tokens'], 10, 'no cache fields: input_tokens alone');
  assertWarnings(got.warnings, ['request.messages[0].content[3]: unsupported content block']);
});
