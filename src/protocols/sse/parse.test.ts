import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { openaiChatSseExpected, openaiChatStreamResponseExpected } from '../../../test/fixtures/http1/transcripts.js';
import { readFixture, splitAt } from '../../../test/helpers/fixtures.js';
import { newHttp1ParseState, parseFrame } from '../http1/parse.js';
import { DEFAULT_HTTP1_LIMITS } from '../http1/types.js';
import { SseDecoder, parseSseStream, type SseEvent } from './parse.js';

const SEED = 0x05e7;

/** Field handling worth covering: event and id fields, multi-line data, comments, retry, all three line endings, a BOM, and 2-, 3- and 4-byte characters. */
const RICH_BODY = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from(
    [
      ': keep-alive comment\n',
      'retry: 3000\n',
      'event: message_start\r\n',
      'id: 1\r\n',
      'data: {"type":"message_start","text":"café"}\r\n',
      '\r\n',
      'event: content_block_delta\r',
      'data: {"text":"東京 ☕ 🦅"}\r',
      '\r',
      'data: first line\n',
      'data: second line\n',
      'data:no-space\n',
      '\n',
      'event: ping\n',
      'data: \n',
      '\n',
      'event: message_stop\n',
      'data: {"type":"message_stop"}\n',
      '\n',
    ].join(''),
    'utf8',
  ),
]);

const RICH_EVENTS: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","text":"café"}', id: '1' },
  { event: 'content_block_delta', data: '{"text":"東京 ☕ 🦅"}', id: undefined },
  { event: undefined, data: 'first line\nsecond line\nno-space', id: undefined },
  { event: 'ping', data: '', id: undefined },
  { event: 'message_stop', data: '{"type":"message_stop"}', id: undefined },
];

function decodePieces(pieces: readonly Buffer[]): SseEvent[] {
  const decoder = new SseDecoder();
  const events = pieces.flatMap((p) => decoder.push(p));
  events.push(...decoder.end());
  return events;
}

function streamedBody(): Buffer {
  const t = openaiChatStreamResponseExpected();
  const r = parseFrame('response', readFixture('http1', t.file), newHttp1ParseState(), { limits: DEFAULT_HTTP1_LIMITS, eof: false });
  assert.equal(r.kind, 'ok');
  return r.kind === 'ok' ? r.frame.body : Buffer.alloc(0);
}

test('the streamed chat completion transcript yields its events, [DONE] included', () => {
  assert.deepStrictEqual(parseSseStream(streamedBody()).events, openaiChatSseExpected());
});

test('a body with every field kind, line ending and character width parses whole', () => {
  assert.deepStrictEqual(parseSseStream(RICH_BODY).events, RICH_EVENTS);
});

test('split at every single boundary, including inside multi-byte characters and CRLFs, the events are the same', () => {
  for (const [body, expected] of [
    [RICH_BODY, RICH_EVENTS],
    [streamedBody(), openaiChatSseExpected()],
  ] as const) {
    for (let cut = 0; cut <= body.length; cut++) {
      assert.deepStrictEqual(decodePieces(splitAt(body, [cut])), expected, `cut at ${cut}`);
    }
    const everyByte = Array.from({ length: body.length - 1 }, (_, i) => i + 1);
    assert.deepStrictEqual(decodePieces(splitAt(body, everyByte)), expected, 'byte by byte');
  }
});

test('random multi-cuts give the same events (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.nat({ max: RICH_BODY.length }), { maxLength: 20 }), (cuts) => {
      assert.deepStrictEqual(decodePieces(splitAt(RICH_BODY, cuts.sort((a, b) => a - b))), RICH_EVENTS);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('push returns events as soon as their blank line arrives', () => {
  const decoder = new SseDecoder();
  assert.deepStrictEqual(decoder.push(Buffer.from('data: a\n')), []);
  assert.deepStrictEqual(decoder.push(Buffer.from('\ndata: b')), [{ event: undefined, data: 'a', id: undefined }]);
  assert.deepStrictEqual(decoder.end(), [{ event: undefined, data: 'b', id: undefined }]);
  // Ready for a new stream after end().
  assert.deepStrictEqual(decoder.push(Buffer.from('data: c\n\n')), [{ event: undefined, data: 'c', id: undefined }]);
});

test('a stream cut before its final blank line still yields its last event', () => {
  for (const body of ['data: [DONE]', 'data: [DONE]\n', 'data: [DONE]\r', 'data: [DONE]\r\n']) {
    assert.deepStrictEqual(parseSseStream(Buffer.from(body)).events, [{ event: undefined, data: '[DONE]', id: undefined }], JSON.stringify(body));
  }
  assert.deepStrictEqual(parseSseStream(Buffer.alloc(0)).events, []);
  assert.deepStrictEqual(parseSseStream(Buffer.from('event: x\n\n: only a comment\n')).events, []);
});

test('invalid UTF-8 becomes U+FFFD instead of failing', () => {
  const body = Buffer.concat([Buffer.from('data: a'), Buffer.from([0xff, 0xc3]), Buffer.from('\n\n')]);
  assert.deepStrictEqual(parseSseStream(body).events, [{ event: undefined, data: 'a\ufffd\ufffd', id: undefined }]);
});

test('arbitrary SSE-ish bytes give the same events whole or split, and never throw', () => {
  const fragment = fc.oneof(
    fc.constantFrom('data: ', 'data:', 'event: ', 'id: ', 'retry: 1', ': c', 'x', '{"a":1}', '\n', '\r', '\r\n', '\n\n', 'é', '☕', '🦅').map((s) => Buffer.from(s)),
    fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => Buffer.from(b)),
  );
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 40 }), fc.uniqueArray(fc.nat({ max: 200 }), { maxLength: 8 }), (fragments, cuts) => {
      const body = Buffer.concat(fragments);
      const whole = parseSseStream(body).events;
      assert.deepStrictEqual(decodePieces(splitAt(body, cuts.filter((c) => c <= body.length).sort((a, b) => a - b))), whole);
    }),
    { seed: SEED, numRuns: 1500 },
  );
});
