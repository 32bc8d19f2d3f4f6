import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openaiChatAdapter } from './openai/chat.js';
import { findAdapter } from './registry.js';

test('findAdapter: OpenAI chat completions, with or without a query string', () => {
  assert.equal(findAdapter('api.openai.com', 'POST', '/v1/chat/completions'), openaiChatAdapter);
  assert.equal(findAdapter('api.openai.com', 'POST', '/v1/chat/completions?x=1'), openaiChatAdapter);
});

test('findAdapter: undefined for exchanges no adapter reads', () => {
  assert.equal(findAdapter('api.openai.com', 'GET', '/v1/models'), undefined);
  assert.equal(findAdapter('example.com', 'POST', '/v1/chat/completions'), undefined);
  assert.equal(findAdapter(null, 'POST', '/v1/chat/completions'), undefined);
});
