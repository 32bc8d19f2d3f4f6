import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHost, pathOf } from './route.js';

test('pathOf: drops the query string only', () => {
  assert.equal(pathOf('/v1/chat/completions?api-version=1&x=2'), '/v1/chat/completions');
  assert.equal(pathOf('/v1/chat/completions'), '/v1/chat/completions');
  assert.equal(pathOf('/?'), '/');
});

test('isHost: case-insensitive, trailing dot allowed, null never matches', () => {
  assert.equal(isHost('Api.OpenAI.com', 'api.openai.com'), true);
  assert.equal(isHost('api.openai.com.', 'api.openai.com'), true);
  assert.equal(isHost('evil-api.openai.com', 'api.openai.com'), false);
  assert.equal(isHost(null, 'api.openai.com'), false);
});
