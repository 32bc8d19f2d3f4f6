import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseEvents } from './sse-events.js';

test('sseEvents: data events, named events, ids, comments and multi-line data', () => {
  const body = Buffer.from(': keep-alive\n\nevent: message_start\nid: 7\ndata: {"a":1}\n\ndata: line 1\ndata: line 2\n\ndata: [DONE]\n\n');
  assert.deepEqual(sseEvents(body).events, [
    { event: 'message_start', data: '{"a":1}', id: '7' },
    { event: undefined, data: 'line 1\nline 2', id: undefined },
    { event: undefined, data: '[DONE]', id: undefined },
  ]);
});

test('sseEvents: CRLF line endings', () => {
  assert.deepEqual(sseEvents(Buffer.from('data: x\r\n\r\ndata: y\r\n\r\n')).events.map((e) => e.data), ['x', 'y']);
});

test('sseEvents: a last event cut before its blank line is kept', () => {
  assert.deepEqual(sseEvents(Buffer.from('data: a\n\ndata: b\n')).events.map((e) => e.data), ['a', 'b']);
  assert.deepEqual(sseEvents(Buffer.from('data: a\n\ndata: b')).events.map((e) => e.data), ['a', 'b']);
});

test('sseEvents: empty body, no events', () => {
  assert.deepEqual(sseEvents(Buffer.alloc(0)).events, []);
});
