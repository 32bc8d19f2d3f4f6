import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newSpanId, newTraceId } from './ids.js';

test('newTraceId: 32 lower-case hex digits, not all zero, different each time', () => {
  const ids = new Set(Array.from({ length: 100 }, newTraceId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^(?!0{32})[0-9a-f]{32}$/);
});

test('newSpanId: 16 lower-case hex digits, not all zero, different each time', () => {
  const ids = new Set(Array.from({ length: 100 }, newSpanId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^(?!0{16})[0-9a-f]{16}$/);
});
