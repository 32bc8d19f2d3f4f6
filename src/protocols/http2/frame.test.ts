import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { http2Transcripts, walkFrames } from '../../../test/fixtures/http2/transcripts.js';
import { frame } from '../../../test/fixtures/http2/wire.js';
import type { Direction, ParseResult } from '../types.js';
import {
  CONNECTION_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  Flag,
  FrameType,
  errorCodeName,
  findFrameBoundary,
  isConfirmedBoundary,
  newHttp2FrameState,
  parseFrame,
} from './frame.js';
import type { Http2Frame } from './types.js';

const SEED = 0x9113;
const TRANSCRIPTS = http2Transcripts();

function parse(dir: Direction, buf: Buffer, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): ParseResult<Http2Frame> {
  const state = newHttp2FrameState(dir, maxFrameSize);
  state.expectPreface = false;
  return parseFrame(dir, buf, state);
}

function ok(r: ParseResult<Http2Frame>): Http2Frame {
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  return (r as { frame: Http2Frame }).frame;
}

const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const text = (s: string): number[] => [...Buffer.from(s, 'latin1')];

// --- Each frame type ------------------------------------------------------------------------------

test('DATA, with and without padding', () => {
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.DATA, Flag.END_STREAM, 1, text('hello')))), {
    type: 'data',
    streamId: 1,
    endStream: true,
    data: Buffer.from('hello'),
  });
  const padded = frame(FrameType.DATA, Flag.PADDED, 2, [3, ...text('hi'), 0, 0, 0]);
  assert.deepStrictEqual(ok(parse('response', padded)), { type: 'data', streamId: 2, endStream: false, data: Buffer.from('hi') });
  // Padding may take everything after the Pad Length byte.
  assert.deepStrictEqual(ok(parse('response', frame(FrameType.DATA, Flag.PADDED, 1, [2, 0, 0]))), {
    type: 'data',
    streamId: 1,
    endStream: false,
    data: Buffer.alloc(0),
  });
});

test('HEADERS with padding and priority; PRIORITY', () => {
  const payload = [2, ...u32(0x80000003), 15, ...text('blk'), 0, 0];
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY | Flag.END_HEADERS, 5, payload))), {
    type: 'headers',
    streamId: 5,
    endStream: false,
    endHeaders: true,
    priority: { exclusive: true, dependsOn: 3, weight: 16 },
    fragment: Buffer.from('blk'),
  });
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.PRIORITY, 0, 7, [...u32(5), 255]))), {
    type: 'priority',
    streamId: 7,
    priority: { exclusive: false, dependsOn: 5, weight: 256 },
  });
});

test('RST_STREAM, SETTINGS (+ACK), PING, GOAWAY, WINDOW_UPDATE, CONTINUATION, PUSH_PROMISE', () => {
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.RST_STREAM, 0, 1, u32(8)))), { type: 'rst_stream', streamId: 1, errorCode: 8 });
  assert.deepStrictEqual(ok(parse('response', frame(FrameType.SETTINGS, 0, 0, [0, 1, ...u32(4096), 0, 5, ...u32(65536), 0xff, 0xff, ...u32(7)]))), {
    type: 'settings',
    ack: false,
    settings: [
      [1, 4096],
      [5, 65536],
      [0xffff, 7],
    ],
  });
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.SETTINGS, Flag.ACK, 0))), { type: 'settings', ack: true, settings: [] });
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.PING, Flag.ACK, 0, [1, 2, 3, 4, 5, 6, 7, 8]))), {
    type: 'ping',
    ack: true,
    opaque: Buffer.of(1, 2, 3, 4, 5, 6, 7, 8),
  });
  assert.deepStrictEqual(ok(parse('response', frame(FrameType.GOAWAY, 0, 0, [...u32(0x80000007), ...u32(2), ...text('bye')]))), {
    type: 'goaway',
    lastStreamId: 7,
    errorCode: 2,
    debugData: Buffer.from('bye'),
  });
  assert.deepStrictEqual(ok(parse('response', frame(FrameType.WINDOW_UPDATE, 0, 0, u32(65535)))), { type: 'window_update', streamId: 0, increment: 65535 });
  assert.deepStrictEqual(ok(parse('request', frame(FrameType.CONTINUATION, Flag.END_HEADERS, 3, text('more')))), {
    type: 'continuation',
    streamId: 3,
    endHeaders: true,
    fragment: Buffer.from('more'),
  });
  assert.deepStrictEqual(ok(parse('response', frame(FrameType.PUSH_PROMISE, Flag.PADDED | Flag.END_HEADERS, 1, [1, ...u32(2), ...text('p'), 0]))), {
    type: 'push_promise',
    streamId: 1,
    endHeaders: true,
    promisedStreamId: 2,
    fragment: Buffer.from('p'),
  });
});

test('unknown frame types and flags are passed over, the reserved bit ignored', () => {
  assert.deepStrictEqual(ok(parse('response', frame(0x0a, 0xff, 0, text('alt')))), {
    type: 'unknown',
    frameType: 0x0a,
    streamId: 0,
    flags: 0xff,
    payload: Buffer.from('alt'),
  });
  const f = ok(parse('request', frame(FrameType.DATA, 0xf0 | Flag.END_STREAM, 0x80000001, text('x'))));
  assert.deepStrictEqual(f, { type: 'data', streamId: 1, endStream: true, data: Buffer.from('x') });
});

test('error code names', () => {
  assert.equal(errorCodeName(0), 'NO_ERROR');
  assert.equal(errorCodeName(8), 'CANCEL');
  assert.equal(errorCodeName(0xd), 'HTTP_1_1_REQUIRED');
  assert.equal(errorCodeName(0x1f), '0x1f');
});

// --- Preface --------------------------------------------------------------------------------------

test('the request direction starts with the preface, however it is split', () => {
  const settings = frame(FrameType.SETTINGS, 0, 0);
  const wire = Buffer.concat([CONNECTION_PREFACE, settings]);
  for (let len = 0; len < CONNECTION_PREFACE.length; len++) {
    assert.deepStrictEqual(parseFrame('request', wire.subarray(0, len), newHttp2FrameState('request')), { kind: 'needs-more-data' }, `${len}`);
  }
  const state = newHttp2FrameState('request');
  assert.deepStrictEqual(parseFrame('request', wire, state), { kind: 'ok', frame: { type: 'preface' }, consumed: 24 });
  assert.equal(ok(parseFrame('request', wire.subarray(24), state)).type, 'settings');
});

test('a request direction without the preface is reported once, then parsed as frames', () => {
  const state = newHttp2FrameState('request');
  const data = frame(FrameType.DATA, 0, 1, text('x'));
  assert.deepStrictEqual(parseFrame('request', data, state), { kind: 'invalid', reason: 'no_preface' });
  assert.equal(ok(parseFrame('request', data, state)).type, 'data');
  // An HTTP/1 request is not a preface either, from its first differing byte.
  assert.deepStrictEqual(parseFrame('request', Buffer.from('POST /'), newHttp2FrameState('request')), { kind: 'invalid', reason: 'no_preface' });
  // The response direction never has one.
  assert.equal(newHttp2FrameState('response').expectPreface, false);
});

// --- Invalid frames -------------------------------------------------------------------------------

test('frames breaking RFC 9113 rules are invalid with a stable reason', () => {
  const cases: Array<[Direction, Buffer, string]> = [
    ['request', frame(FrameType.DATA, 0, 0, text('x')), 'bad_stream_id'],
    ['request', frame(FrameType.DATA, 0, 2, text('x')), 'bad_stream_id'],
    ['request', frame(FrameType.HEADERS, Flag.END_HEADERS, 4, text('x')), 'bad_stream_id'],
    ['response', frame(FrameType.SETTINGS, 0, 1), 'bad_stream_id'],
    ['response', frame(FrameType.PING, 0, 3, Array(8).fill(0)), 'bad_stream_id'],
    ['response', frame(FrameType.GOAWAY, 0, 1, Array(8).fill(0)), 'bad_stream_id'],
    ['response', frame(FrameType.RST_STREAM, 0, 0, u32(0)), 'bad_stream_id'],
    ['response', frame(FrameType.PRIORITY, 0, 0, Array(5).fill(0)), 'bad_stream_id'],
    ['request', frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, u32(2)), 'bad_stream_id'],
    ['response', frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 2, u32(4)), 'bad_stream_id'],
    ['response', frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, u32(3)), 'bad_stream_id'],
    ['response', frame(FrameType.SETTINGS, 0, 0, [0, 1, 0, 0]), 'bad_frame_size'],
    ['response', frame(FrameType.SETTINGS, Flag.ACK, 0, [0, 1, 0, 0, 0, 0]), 'bad_frame_size'],
    ['response', frame(FrameType.PING, 0, 0, [1, 2, 3]), 'bad_frame_size'],
    ['response', frame(FrameType.GOAWAY, 0, 0, [0, 0, 0, 0]), 'bad_frame_size'],
    ['response', frame(FrameType.WINDOW_UPDATE, 0, 1, [0, 0, 1]), 'bad_frame_size'],
    ['response', frame(FrameType.RST_STREAM, 0, 1, [0, 0, 0, 0, 0]), 'bad_frame_size'],
    ['response', frame(FrameType.PRIORITY, 0, 1, [0, 0, 0, 0]), 'bad_frame_size'],
    ['response', frame(FrameType.HEADERS, Flag.PRIORITY, 1, [0, 0, 0]), 'bad_frame_size'],
    ['response', frame(FrameType.DATA, Flag.PADDED, 1), 'bad_frame_size'],
    ['response', frame(FrameType.DATA, Flag.PADDED, 1, [3, 0, 0]), 'bad_padding'],
    ['response', frame(FrameType.HEADERS, Flag.PADDED | Flag.PRIORITY, 1, [2, 0, 0, 0, 0, 0, 0]), 'bad_padding'],
    ['response', frame(FrameType.SETTINGS, 0, 0, [0, 2, ...u32(2)]), 'bad_setting'],
    ['response', frame(FrameType.SETTINGS, 0, 0, [0, 4, ...u32(0x80000000)]), 'bad_setting'],
    ['response', frame(FrameType.SETTINGS, 0, 0, [0, 5, ...u32(16383)]), 'bad_setting'],
    ['response', frame(FrameType.SETTINGS, 0, 0, [0, 5, ...u32(16777216)]), 'bad_setting'],
  ];
  for (const [dir, wire, reason] of cases) assert.deepStrictEqual(parse(dir, wire), { kind: 'invalid', reason }, wire.toString('hex'));
});

test('a frame over maxFrameSize is rejected from its length alone; one at the limit parses', () => {
  const at = frame(FrameType.DATA, 0, 1, Buffer.alloc(100));
  assert.equal(ok(parse('request', at, 100)).type, 'data');
  assert.deepStrictEqual(parse('request', Buffer.of(0, 0, 101), 100), { kind: 'invalid', reason: 'frame_too_large' });
  assert.deepStrictEqual(parse('request', Buffer.of(0, 0), 100), { kind: 'needs-more-data' });
});

// --- Transcripts ----------------------------------------------------------------------------------

test('every frame of every transcript parses, and every strict prefix of it needs more data', () => {
  for (const t of TRANSCRIPTS) {
    for (const f of walkFrames(t.chunks)) {
      const bytes = Buffer.concat(t.chunks.filter((c) => c.dir === f.dir).map((c) => c.bytes)).subarray(f.start, f.end);
      const r = parse(f.dir, bytes);
      assert.equal(r.kind === 'ok' && r.consumed, bytes.length, `${t.name} ${f.dir} frame at ${f.start}`);
      for (let len = 0; len < bytes.length; len++) assert.deepStrictEqual(parse(f.dir, bytes.subarray(0, len)), { kind: 'needs-more-data' });
    }
  }
});

test('findFrameBoundary finds each frame of the transcripts from just after the previous one', () => {
  for (const t of TRANSCRIPTS) {
    for (const dir of ['request', 'response'] as const) {
      const bytes = Buffer.concat(t.chunks.filter((c) => c.dir === dir).map((c) => c.bytes));
      const starts = walkFrames(t.chunks)
        .filter((f) => f.dir === dir)
        .map((f) => f.start);
      for (const [i, start] of starts.entries()) {
        // From inside the previous frame (past its header) the next boundary is this frame.
        const from = i === 0 ? 0 : starts[i - 1]! + 1;
        assert.equal(findFrameBoundary(dir, bytes, from), start, `${t.name} ${dir} frame ${i}`);
        assert.ok(isConfirmedBoundary(dir, bytes.subarray(start)), `${t.name} ${dir} frame ${i}`);
      }
    }
  }
});

test('findFrameBoundary: the chain check and what it cannot tell yet', () => {
  const ping = frame(FrameType.PING, 0, 0, Array(8).fill(0));
  const data = frame(FrameType.DATA, 0, 1, text('abc'));
  // A plausible header followed by garbage where the next header should be is refuted.
  const refuted = Buffer.concat([data, Buffer.from('garbage!!!')]);
  assert.notEqual(findFrameBoundary('request', refuted, 0), 0);
  assert.equal(isConfirmedBoundary('request', refuted), false);
  // Followed by a plausible header, or ending exactly at the end: confirmed.
  assert.equal(findFrameBoundary('request', Buffer.concat([Buffer.from('xyz'), data, ping]), 0), 3);
  assert.ok(isConfirmedBoundary('request', Buffer.concat([data, ping])));
  assert.ok(isConfirmedBoundary('request', data));
  // Running past the end: reported, but not confirmed yet.
  const cut = Buffer.concat([data, ping]).subarray(0, data.length + 4);
  assert.equal(findFrameBoundary('request', cut, 0), 0);
  assert.equal(isConfirmedBoundary('request', cut), false);
  // A confirmed start wins over an earlier one that only more bytes could confirm.
  const longData = frame(FrameType.DATA, 0, 1, Buffer.alloc(200, 0x61)).subarray(0, 9);
  assert.equal(findFrameBoundary('request', Buffer.concat([longData, ping]), 0), longData.length);
  // DATA on an even (pushed) stream parses from the server, but is no place to resynchronise.
  const pushedData = frame(FrameType.DATA, 0, 2, text('abc'));
  assert.equal(ok(parse('response', pushedData)).type, 'data');
  assert.notEqual(findFrameBoundary('response', pushedData, 0), 0);
  // Neither are empty header blocks, nor empty DATA frames that do not end their stream.
  assert.notEqual(findFrameBoundary('request', frame(FrameType.HEADERS, Flag.END_HEADERS, 1), 0), 0);
  assert.notEqual(findFrameBoundary('request', frame(FrameType.DATA, 0, 1), 0), 0);
  assert.equal(findFrameBoundary('request', frame(FrameType.DATA, Flag.END_STREAM, 1), 0), 0);
  // Headers in the last 8 bytes cannot be judged.
  assert.equal(findFrameBoundary('request', ping.subarray(0, 8), 0), -1);
});

test('findFrameBoundary skips text: JSON and SSE bodies hold no plausible header', () => {
  const sse = Buffer.concat(TRANSCRIPTS.flatMap((t) => t.exchanges.map((e) => e.response.body)));
  assert.equal(findFrameBoundary('response', sse, 0), -1);
});

// --- Fuzz -----------------------------------------------------------------------------------------

const direction = fc.constantFrom<Direction>('request', 'response');

test('arbitrary bytes: parseFrame never throws, keeps its contract, and is prefix-consistent', () => {
  fc.assert(
    fc.property(direction, fc.uint8Array({ maxLength: 120 }), fc.boolean(), fc.integer({ min: 0, max: 200 }), (dir, bytes, preface, max) => {
      const buf = Buffer.from(bytes);
      const whole = parseFrame(dir, buf, { maxFrameSize: max, expectPreface: preface });
      if (whole.kind === 'ok') assert.ok(whole.consumed > 0 && whole.consumed <= buf.length);
      for (let len = 0; len < buf.length; len++) {
        const part = parseFrame(dir, buf.subarray(0, len), { maxFrameSize: max, expectPreface: preface });
        // A prefix never completes a different frame, and never disagrees about invalidity.
        if (part.kind === 'ok') assert.deepStrictEqual(part, whole);
        if (part.kind === 'invalid') assert.deepStrictEqual(part, whole);
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

test('findFrameBoundary never throws and returns -1 or a position in [from, length - 9]', () => {
  fc.assert(
    fc.property(direction, fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -5, max: 205 }), fc.integer({ min: 0, max: 70000 }), (dir, bytes, from, max) => {
      const buf = Buffer.from(bytes);
      const at = findFrameBoundary(dir, buf, from, max);
      assert.ok(at === -1 || (at >= Math.max(0, from) && at + 9 <= buf.length), `${at}`);
      if (at >= 0) isConfirmedBoundary(dir, buf.subarray(at), max);
    }),
    { seed: SEED, numRuns: 3000 },
  );
});
