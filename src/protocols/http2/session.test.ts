import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  chatPostExpected,
  chatSseExpected,
  concurrentFourExpected,
  http2Transcripts,
  largeHeadersExpected,
  walkFrames,
  type CapturedChunk,
  type H2Transcript,
} from '../../../test/fixtures/http2/transcripts.js';
import { frame, indexed, withIndexing, withoutIndexing } from '../../../test/fixtures/http2/wire.js';
import type { Direction, HeaderList } from '../types.js';
import { CONNECTION_PREFACE, Flag, FrameType } from './frame.js';
import { Http2Session } from './session.js';
import { HTTP2_DROP_REASONS, type H2Exchange, type Http2Limits } from './types.js';

const SEED = 0x0002;
const TRANSCRIPTS = http2Transcripts();

interface Run {
  exchanges: H2Exchange[];
  session: Http2Session;
}

/** A chunk to push, or a gap in one direction. */
type Step = CapturedChunk | { gap: Direction };

function run(steps: readonly Step[], limits: Partial<Http2Limits> = {}): Run {
  const session = new Http2Session(limits);
  const exchanges: H2Exchange[] = [];
  for (const step of steps) {
    if ('gap' in step) session.gap(step.gap);
    else exchanges.push(...session.push(step.dir, step.bytes, step.tsUs));
  }
  exchanges.push(...session.end());
  return { exchanges, session };
}

const byStream = (exchanges: readonly H2Exchange[]): H2Exchange[] => [...exchanges].sort((a, b) => a.streamId - b.streamId);

function droppedCounts(session: Http2Session): Record<string, number> {
  return Object.fromEntries(Object.entries(session.stats.streamsDropped).filter(([, n]) => n > 0));
}

function assertExact(t: H2Transcript, chunks: readonly Step[], what: string): void {
  const { exchanges, session } = run(chunks);
  assert.deepStrictEqual(byStream(exchanges), t.exchanges, `${t.name} ${what}`);
  assert.deepStrictEqual(droppedCounts(session), t.dropped, `${t.name} ${what}`);
  assert.equal(session.openStreams, 0);
}

/** The chunks with the one holding byte `cut` of direction `dir` split in two there. */
function splitAtByte(chunks: readonly CapturedChunk[], dir: Direction, cut: number): CapturedChunk[] | undefined {
  const out: CapturedChunk[] = [];
  let offset = 0;
  let split = false;
  for (const c of chunks) {
    if (c.dir === dir && cut > offset && cut < offset + c.bytes.length) {
      out.push({ ...c, bytes: c.bytes.subarray(0, cut - offset) }, { ...c, bytes: c.bytes.subarray(cut - offset) });
      split = true;
    } else {
      out.push(c);
    }
    if (c.dir === dir) offset += c.bytes.length;
  }
  return split ? out : undefined;
}

const lengthOf = (t: H2Transcript, dir: Direction): number => t.chunks.filter((c) => c.dir === dir).reduce((n, c) => n + c.bytes.length, 0);

// --- Transcripts ----------------------------------------------------------------------------------

test('each transcript, as written, gives exactly its exchanges and drops', () => {
  for (const t of TRANSCRIPTS) assertExact(t, t.chunks, 'as written');
});

test('each transcript split at every single cut point of either direction gives the same', () => {
  for (const t of TRANSCRIPTS) {
    for (const dir of ['request', 'response'] as const) {
      for (let cut = 1; cut < lengthOf(t, dir); cut++) {
        const chunks = splitAtByte(t.chunks, dir, cut);
        // A cut at a write boundary is the transcript as written.
        if (chunks !== undefined) assertExact(t, chunks, `${dir} cut at ${cut}`);
      }
    }
  }
});

test('random multi-cuts of both directions (fast-check, fixed seed)', () => {
  const cutsOf = (i: number) =>
    fc.tuple(
      fc.constant(i),
      fc.uniqueArray(fc.nat({ max: lengthOf(TRANSCRIPTS[i]!, 'request') }), { maxLength: 10 }),
      fc.uniqueArray(fc.nat({ max: lengthOf(TRANSCRIPTS[i]!, 'response') }), { maxLength: 10 }),
    );
  fc.assert(
    fc.property(fc.nat({ max: TRANSCRIPTS.length - 1 }).chain(cutsOf), ([i, requestCuts, responseCuts]) => {
      const t = TRANSCRIPTS[i]!;
      let chunks: CapturedChunk[] = t.chunks;
      for (const cut of requestCuts) chunks = splitAtByte(chunks, 'request', cut) ?? chunks;
      for (const cut of responseCuts) chunks = splitAtByte(chunks, 'response', cut) ?? chunks;
      assertExact(t, chunks, `cuts ${requestCuts} / ${responseCuts}`);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('each transcript pushed one byte at a time', () => {
  for (const t of TRANSCRIPTS) {
    const bytes = t.chunks.flatMap((c) => Array.from({ length: c.bytes.length }, (_, i) => ({ ...c, bytes: c.bytes.subarray(i, i + 1) })));
    assertExact(t, bytes, 'byte by byte');
  }
});

// --- Semantics the transcripts show ---------------------------------------------------------------

test('an exchange is emitted as soon as both sides ended, before the connection ends', () => {
  const t = concurrentFourExpected();
  const session = new Http2Session();
  const order: number[] = [];
  for (const c of t.chunks) order.push(...session.push(c.dir, c.bytes, c.tsUs).map((e) => e.streamId));
  // Requests all end first, so each exchange completes with its response's END_STREAM.
  const responseEnds = walkFrames(t.chunks).filter((f) => f.dir === 'response' && f.type === FrameType.DATA && f.flags & Flag.END_STREAM);
  assert.deepStrictEqual(
    order,
    responseEnds.map((f) => f.streamId),
  );
  assert.notDeepStrictEqual(order, [1, 3, 5, 7], 'the transcript interleaves streams');
  assert.deepStrictEqual(session.end(), []);
});

test('the dynamic table is in use: later streams of concurrent-4 index what stream 1 inserted', () => {
  const t = concurrentFourExpected();
  // Without the first request HEADERS frame (and everything before it), later requests lose fields.
  const firstHeaders = walkFrames(t.chunks).find((f) => f.dir === 'request' && f.type === FrameType.HEADERS)!;
  const { exchanges, session } = run(dropLeading(t.chunks, 'request', firstHeaders.end));
  assert.ok(session.stats.hpackUnknownFields > 0);
  assert.deepStrictEqual(
    byStream(exchanges).map((e) => e.streamId),
    [3, 5, 7],
  );
  for (const e of exchanges) assert.ok(e.notes.some((n) => /^hpack: \d+ request header fields referenced unknown dynamic-table entries$/.test(n)), e.notes.join());
});

// --- Mid-connection start and gaps ----------------------------------------------------------------

/** The chunks without the first `bytes` bytes of `dir` (as if capture of that side began later). */
function dropLeading(chunks: readonly CapturedChunk[], dir: Direction, bytes: number): CapturedChunk[] {
  let left = bytes;
  const out: CapturedChunk[] = [];
  for (const c of chunks) {
    if (c.dir !== dir || left === 0) out.push(c);
    else if (c.bytes.length <= left) left -= c.bytes.length;
    else {
      out.push({ ...c, bytes: c.bytes.subarray(left) });
      left = 0;
    }
  }
  return out;
}

/** Whether `part` is `whole` with some fields left out, order kept. */
function isSubsequence(part: HeaderList, whole: HeaderList): boolean {
  let i = 0;
  for (const field of whole) if (i < part.length && part[i]![0] === field[0] && part[i]![1] === field[1]) i++;
  return i === part.length;
}

/**
 * What must hold however much was lost: every exchange belongs to a stream the transcript has,
 * its bodies are exact (never partial, never another stream's), its headers are the real ones
 * with some perhaps missing, and a missing field is always explained by a note.
 */
function assertFaithful(t: H2Transcript, exchanges: readonly H2Exchange[], what: string): void {
  const seen = new Set<number>();
  for (const e of exchanges) {
    const expected = t.exchanges.find((x) => x.streamId === e.streamId);
    assert.ok(expected, `${t.name} ${what}: stream ${e.streamId} is not in the transcript`);
    assert.ok(!seen.has(e.streamId), `${t.name} ${what}: stream ${e.streamId} emitted twice`);
    seen.add(e.streamId);
    const msg = `${t.name} ${what} stream ${e.streamId}`;
    assert.deepStrictEqual(e.request.body, expected.request.body, msg);
    assert.deepStrictEqual(e.response.body, expected.response.body, msg);
    assert.equal(e.response.status, expected.response.status, msg);
    assert.equal(e.request.startUs, expected.request.startUs, msg);
    // Unless the frame that ended the stream (an RST_STREAM) was lost: then the connection's end ends it.
    if (!e.notes.some((n) => n.startsWith('connection ended before the stream finished'))) {
      assert.equal(e.response.endUs, expected.response.endUs, msg);
      for (const note of expected.notes) assert.ok(e.notes.includes(note), msg);
    }
    const missing =
      e.request.headers.length < expected.request.headers.length ||
      e.response.headers.length < expected.response.headers.length ||
      e.response.trailers.length < expected.response.trailers.length ||
      e.request.target !== expected.request.target ||
      e.request.method !== expected.request.method ||
      e.request.authority !== expected.request.authority;
    assert.ok(isSubsequence(e.request.headers, expected.request.headers), msg);
    assert.ok(isSubsequence(e.response.headers, expected.response.headers), msg);
    if (e.request.target !== expected.request.target) assert.equal(e.request.target, '', msg);
    if (e.request.method !== expected.request.method) assert.equal(e.request.method, '', msg);
    assert.equal(
      e.notes.some((n) => n.startsWith('hpack:')),
      missing,
      `${msg}: ${e.notes.join('; ')}`,
    );
  }
}

test('capture starting mid-connection: without the preface alone, everything is still exact', () => {
  for (const t of TRANSCRIPTS) assertExact(t, dropLeading(t.chunks, 'request', CONNECTION_PREFACE.length), 'no preface');
});

test('capture starting after the first N frames of each side: faithful exchanges, no exception', () => {
  for (const t of TRANSCRIPTS) {
    const frames = walkFrames(t.chunks);
    const starts = (dir: Direction) => [0, ...frames.filter((f) => f.dir === dir).map((f) => f.start)];
    for (const requestStart of starts('request')) {
      for (const responseStart of starts('response')) {
        const chunks = dropLeading(dropLeading(t.chunks, 'request', Math.max(requestStart, CONNECTION_PREFACE.length)), 'response', responseStart);
        const { exchanges, session } = run(chunks);
        assertFaithful(t, exchanges, `from request ${requestStart} / response ${responseStart}`);
        assert.equal(session.stats.invalidFrames, 0);
      }
    }
  }
});

test('capture starting mid-frame anywhere: faithful exchanges (fast-check)', () => {
  fc.assert(
    fc.property(fc.nat({ max: TRANSCRIPTS.length - 1 }), fc.nat(), fc.nat(), (i, a, b) => {
      const t = TRANSCRIPTS[i]!;
      const chunks = dropLeading(dropLeading(t.chunks, 'request', a % lengthOf(t, 'request')), 'response', b % lengthOf(t, 'response'));
      assertFaithful(t, run(chunks).exchanges, `from ${a} / ${b}`);
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

test('lost writes (gaps) anywhere: faithful exchanges, lost streams counted (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: TRANSCRIPTS.length - 1 }).chain((i) => fc.tuple(fc.constant(i), fc.uniqueArray(fc.nat({ max: TRANSCRIPTS[i]!.chunks.length - 1 }), { minLength: 1, maxLength: 3 }))),
      ([i, lost]) => {
        const t = TRANSCRIPTS[i]!;
        const steps: Step[] = t.chunks.map((c, k) => (lost.includes(k) ? { gap: c.dir } : c));
        const { exchanges, session } = run(steps);
        assertFaithful(t, exchanges, `lost writes ${lost}`);
        // Every stream ends up emitted or dropped at most once.
        const dropped = HTTP2_DROP_REASONS.reduce((n, r) => n + session.stats.streamsDropped[r], 0);
        const streams = t.exchanges.length + Object.values(t.dropped).reduce((n, k) => n + k, 0);
        assert.ok(exchanges.length + dropped <= streams);
        assert.equal(session.stats.gaps, lost.length);
      },
    ),
    { seed: SEED, numRuns: 800 },
  );
});

test('a gap in the middle of a streamed response drops that stream and says why', () => {
  const t = chatSseExpected();
  const dataWrites = t.chunks.flatMap((c, k) => (c.dir === 'response' && c.bytes.length > 100 ? [k] : []));
  const lostAt = dataWrites[10]!;
  const { exchanges, session } = run(t.chunks.map((c, k) => (k === lostAt ? { gap: c.dir } : c)));
  assert.deepStrictEqual(exchanges, []);
  assert.deepStrictEqual(droppedCounts(session), { lost_frames: 1 });
  assert.ok(session.stats.framesForUnknownStreams > 0, 'the rest of its DATA frames are ignored');
});

test('a request-side gap after the request ended keeps the exchange', () => {
  const t = chatSseExpected();
  const frames = walkFrames(t.chunks);
  const requestEnd = frames.find((f) => f.dir === 'request' && f.type === FrameType.DATA && f.flags & Flag.END_STREAM)!;
  // Gap right after the request's last frame: before the client's closing frames.
  const steps: Step[] = [];
  let offset = 0;
  let inserted = false;
  for (const c of t.chunks) {
    steps.push(c);
    if (c.dir === 'request') offset += c.bytes.length;
    if (!inserted && c.dir === 'request' && offset >= requestEnd.end) {
      steps.push({ gap: 'request' });
      inserted = true;
    }
  }
  const { exchanges, session } = run(steps);
  assert.deepStrictEqual(byStream(exchanges), t.exchanges);
  assert.equal(session.stats.gaps, 1);
});

// --- Limits ---------------------------------------------------------------------------------------

test('maxConcurrentStreams: streams opened beyond it are dropped and counted', () => {
  const t = concurrentFourExpected();
  const { exchanges, session } = run(t.chunks, { maxConcurrentStreams: 2 });
  assert.deepStrictEqual(
    byStream(exchanges).map((e) => e.streamId),
    [1, 3],
  );
  assert.deepStrictEqual(droppedCounts(session), { too_many_streams: 2 });
  // The dropped streams' frames are ignored; their header blocks still fed HPACK, so nothing is unknown.
  assert.equal(session.stats.hpackUnknownFields, 0);
});

test('maxBodyBytes: a body over it is cut and noted, the exchange kept', () => {
  const t = chatSseExpected();
  const { exchanges, session } = run(t.chunks, { maxBodyBytes: 1000 });
  assert.equal(exchanges.length, 1);
  assert.deepStrictEqual(exchanges[0]!.response.body, t.exchanges[0]!.response.body.subarray(0, 1000));
  assert.deepStrictEqual(exchanges[0]!.notes, ['response body truncated at 1000 bytes']);
  assert.equal(session.stats.bodiesTruncated, 1);
});

test('maxHeaderBlockBytes: a block over it drops its stream and forgets that side’s table', () => {
  const t = largeHeadersExpected();
  const { exchanges, session } = run(t.chunks, { maxHeaderBlockBytes: 8 * 1024 });
  assert.deepStrictEqual(exchanges, []);
  assert.deepStrictEqual(droppedCounts(session), { bad_header_block: 1 });
  assert.equal(session.stats.hpackErrors, 1);
  // Its response is for a stream never opened.
  assert.ok(session.stats.framesForUnknownStreams > 0);
});

test('maxHeaderListBytes: fields past it are left out with a note', () => {
  const t = largeHeadersExpected();
  const { exchanges } = run(t.chunks, { maxHeaderListBytes: 4 * 1024 });
  assert.equal(exchanges.length, 1);
  const e = exchanges[0]!;
  assert.ok(e.request.headers.length < t.exchanges[0]!.request.headers.length);
  assert.ok(e.notes.includes('request headers over 4096 bytes: the rest left out'), e.notes.join());
  assert.deepStrictEqual(e.request.body, t.exchanges[0]!.request.body);
});

test('maxFrameBytes: a frame over it is invalid, and the direction resynchronises', () => {
  const t = chatSseExpected();
  const { exchanges, session } = run(t.chunks, { maxFrameBytes: 100 });
  // The request HEADERS frame is over the cap: no stream opens, and its DATA is not attributed.
  assert.deepStrictEqual(exchanges, []);
  assert.ok(session.stats.invalidFrames > 0);
  assert.ok(session.stats.framesForUnknownStreams > 0);
});

// --- Hand-built sequences -------------------------------------------------------------------------

const T0 = 1_000_000;
const REQUEST_HEAD = Buffer.concat([indexed(3), indexed(7), withIndexing(4, '/v1/chat/completions'), withIndexing(1, 'api.example.com')]);
const STATUS_200 = indexed(8);

function connection(...frames: Array<[Direction, Buffer]>): CapturedChunk[] {
  return [
    { dir: 'request', bytes: CONNECTION_PREFACE, tsUs: T0 },
    ...frames.map(([dir, bytes], i) => ({ dir, bytes, tsUs: T0 + 10 * (i + 1) })),
  ];
}

test('interim 1xx responses are skipped; trailers and their HPACK notes are kept', () => {
  const { exchanges } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS, 1, withoutIndexing(8, '103'))],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS, 1, STATUS_200)],
      ['response', frame(FrameType.DATA, 0, 1, Buffer.from('ok'))],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.concat([withoutIndexing('grpc-status', '0'), indexed(70)]))],
    ),
  );
  assert.equal(exchanges.length, 1);
  const e = exchanges[0]!;
  assert.equal(e.response.status, 200);
  assert.equal(e.response.firstByteUs, T0 + 30);
  assert.deepStrictEqual(e.response.trailers, [['grpc-status', '0']]);
  assert.deepStrictEqual(e.notes, ['hpack: 1 response trailer fields referenced unknown dynamic-table entries']);
  assert.equal(e.request.authority, 'api.example.com');
});

test('a response header block split over HEADERS and CONTINUATION frames, a string across the cut', () => {
  const block = Buffer.concat([STATUS_200, withIndexing('x-long', 'x'.repeat(300), true), withoutIndexing(31, 'application/json')]);
  const { exchanges } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['response', frame(FrameType.HEADERS, 0, 1, block.subarray(0, 50))],
      ['response', frame(FrameType.CONTINUATION, 0, 1, block.subarray(50, 51))],
      ['response', frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block.subarray(51))],
      ['response', frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('{}'))],
    ),
  );
  assert.equal(exchanges.length, 1);
  assert.deepStrictEqual(exchanges[0]!.response.headers, [
    ['x-long', 'x'.repeat(300)],
    ['content-type', 'application/json'],
  ]);
  assert.equal(exchanges[0]!.response.firstByteUs, T0 + 20);
});

test('RST_STREAM before any response drops the stream; after it, the exchange is kept with a note', () => {
  const { exchanges, session } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, REQUEST_HEAD)],
      ['response', frame(FrameType.RST_STREAM, 0, 1, [0, 0, 0, 7])],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS, 3, STATUS_200)],
      ['response', frame(FrameType.DATA, 0, 3, Buffer.from('part'))],
      ['response', frame(FrameType.RST_STREAM, 0, 3, [0, 0, 0, 2])],
      ['response', frame(FrameType.DATA, 0, 3, Buffer.from('late'))],
    ),
  );
  assert.deepStrictEqual(droppedCounts(session), { reset: 1 });
  assert.equal(exchanges.length, 1);
  assert.deepStrictEqual(exchanges[0]!.notes, ['stream reset by server (INTERNAL_ERROR)']);
  assert.equal(exchanges[0]!.response.body.toString(), 'part');
  assert.equal(exchanges[0]!.response.endUs, T0 + 60);
  assert.equal(session.stats.framesForUnknownStreams, 1);
});

test('the connection ending mid-stream: emitted with a note once answered, else dropped', () => {
  const { exchanges, session } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, REQUEST_HEAD)],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS, 1, STATUS_200)],
      ['response', frame(FrameType.GOAWAY, 0, 0, [0, 0, 0, 3, 0, 0, 0, 2])],
    ),
  );
  assert.deepStrictEqual(droppedCounts(session), { unanswered: 1 });
  assert.deepStrictEqual(exchanges[0]!.notes, ['connection ended before the stream finished (GOAWAY INTERNAL_ERROR from server)']);
});

test('a block interrupted by another frame, or a stray CONTINUATION, loses its stream and the table', () => {
  const { exchanges, session } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['request', frame(FrameType.PING, 0, 0, Buffer.alloc(8))],
      ['request', frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, indexed(62))],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, Buffer.concat([indexed(3), indexed(62)]))],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, STATUS_200)],
    ),
  );
  assert.deepStrictEqual(droppedCounts(session), { bad_header_block: 1 });
  assert.equal(session.stats.hpackErrors, 2);
  assert.equal(exchanges.length, 1);
  assert.deepStrictEqual(exchanges[0]!.notes, ['hpack: 1 request header fields referenced unknown dynamic-table entries', 'request :path not decoded']);
});

test('out-of-order frames: protocol errors, and response DATA before its head as lost frames', () => {
  const { exchanges, session } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['request', frame(FrameType.DATA, 0, 1, Buffer.from('after END_STREAM'))],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS, 3, REQUEST_HEAD)],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS, 3, REQUEST_HEAD)],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 5, REQUEST_HEAD)],
      ['response', frame(FrameType.DATA, 0, 5, Buffer.from('head missing'))],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 7, REQUEST_HEAD)],
      // Trailers where the head should be: the head (and maybe body) came before the capture.
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 7, withoutIndexing('grpc-status', '0'))],
    ),
  );
  assert.deepStrictEqual(exchanges, []);
  assert.deepStrictEqual(droppedCounts(session), { protocol_error: 2, lost_frames: 2 });
});

test('server push: the promise is decoded for HPACK and counted, pushed frames ignored', () => {
  const { exchanges, session } = run(
    connection(
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      ['response', frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.concat([Buffer.of(0, 0, 0, 2), indexed(2), withIndexing('x-pushed', 'yes')]))],
      // Index 62 is the entry the promise inserted: the promise's block went through the decoder.
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.concat([STATUS_200, indexed(62)]))],
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 2, STATUS_200)],
      ['response', frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('body'))],
    ),
  );
  assert.deepStrictEqual(droppedCounts(session), { pushed: 1 });
  assert.equal(session.stats.framesForUnknownStreams, 1);
  assert.deepStrictEqual(exchanges[0]!.response.headers, [['x-pushed', 'yes']]);
  assert.deepStrictEqual(exchanges[0]!.notes, []);
});

test('SETTINGS_HEADER_TABLE_SIZE from the client shrinks the table the server encodes into', () => {
  const big = 'v'.repeat(100);
  const { exchanges } = run(
    connection(
      ['request', frame(FrameType.SETTINGS, 0, 0, [0, 1, 0, 0, 0, 64])],
      ['request', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, REQUEST_HEAD)],
      // 64 octets cannot hold this entry: inserting it empties the table, so index 62 is unknown.
      ['response', frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.concat([STATUS_200, withIndexing('x-big', big), indexed(62)]))],
    ),
  );
  assert.deepStrictEqual(exchanges[0]!.response.headers, [['x-big', big]]);
  assert.equal(exchanges[0]!.notes.length, 1);
});

test('push after end() is ignored and end() is idempotent', () => {
  const t = chatSseExpected();
  const session = new Http2Session();
  assert.deepStrictEqual(session.end(), []);
  assert.deepStrictEqual(session.push('request', t.chunks[0]!.bytes, 1), []);
  assert.deepStrictEqual(session.end(), []);
});

/** Deterministic noise (xorshift32): what a gzip or image body looks like to the resync heuristic. */
function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('binary bodies cut into TLS-record-sized writes, with writes lost: never a wrong body (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer(), fc.array(fc.nat({ max: 400 }), { minLength: 1, maxLength: 4 }), (seed, lost) => {
      const writes: CapturedChunk[] = [{ dir: 'request', bytes: CONNECTION_PREFACE, tsUs: 0 }];
      const bodies = new Map<number, Buffer>();
      for (let i = 0; i < 12; i++) {
        const id = 2 * i + 1;
        writes.push({ dir: 'request', bytes: frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, id, REQUEST_HEAD), tsUs: 0 });
        const pieces = [0, 1, 2].map((k) => noise(seed + 7 * id + k, 300 + ((seed >>> (k + id)) % 16000)));
        bodies.set(id, Buffer.concat(pieces));
        const response = Buffer.concat([
          frame(FrameType.HEADERS, Flag.END_HEADERS, id, STATUS_200),
          ...pieces.map((p, k) => frame(FrameType.DATA, k === 2 ? Flag.END_STREAM : 0, id, p)),
        ]);
        for (let at = 0; at < response.length; at += 1400) writes.push({ dir: 'response', bytes: response.subarray(at, at + 1400), tsUs: 0 });
      }
      const steps: Step[] = writes.map((w, k) => (lost.includes(k) && w.dir === 'response' ? { gap: w.dir } : w));
      const { exchanges, session } = run(steps);
      for (const e of exchanges) assert.deepStrictEqual(e.response.body, bodies.get(e.streamId), `stream ${e.streamId}`);
      assert.equal(session.stats.invalidFrames, 0, 'no false start was taken for a frame');
    }),
    { seed: SEED, numRuns: 150 },
  );
});

// --- Fuzz -----------------------------------------------------------------------------------------

/** One splice: at `at` (modulo the length), remove `remove` octets and insert `insert`. */
interface Edit {
  at: number;
  remove: number;
  insert: Uint8Array;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 12 }),
  // Biased towards octets that matter in frame headers: lengths, types, flags, stream ids.
  insert: fc.uint8Array({ maxLength: 3 }).chain((random) => fc.constantFrom(random, Uint8Array.of(0), Uint8Array.of(1, 4), Uint8Array.of(0x20), Uint8Array.of(0xff))),
});

function applyEdits(bytes: Buffer, edits: readonly Edit[]): Buffer {
  let out = bytes;
  for (const { at, remove, insert } of edits) {
    const from = out.length === 0 ? 0 : at % out.length;
    out = Buffer.concat([out.subarray(0, from), insert, out.subarray(from + remove)]);
  }
  return out;
}

const SMALL_LIMITS: Partial<Http2Limits> = {
  maxConcurrentStreams: 3,
  maxBodyBytes: 500,
  maxHeaderBlockBytes: 2000,
  maxHeaderListBytes: 1500,
  maxHeaderTableBytes: 300,
  maxFrameBytes: 20000,
};

function assertBounded(session: Http2Session, exchanges: readonly H2Exchange[]): void {
  assert.ok(session.openStreams <= SMALL_LIMITS.maxConcurrentStreams!);
  for (const e of exchanges) {
    assert.ok(e.request.body.length <= SMALL_LIMITS.maxBodyBytes! && e.response.body.length <= SMALL_LIMITS.maxBodyBytes!);
  }
  const { streamsDropped, ...counters } = session.stats;
  for (const value of [...Object.values(counters), ...Object.values(streamsDropped)]) {
    assert.ok(Number.isInteger(value) && value >= 0);
  }
}

test('mutated transcripts, split anywhere, with gaps: no exception, everything bounded', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: TRANSCRIPTS.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 3 }),
      (i, mutations, gaps) => {
        const t = TRANSCRIPTS[i]!;
        const chunks: Step[] = t.chunks.map((c) => ({ ...c }));
        for (const [k, edits] of mutations) {
          const c = chunks[k % chunks.length] as CapturedChunk;
          c.bytes = applyEdits(c.bytes, edits);
        }
        for (const g of gaps) chunks.splice(g % chunks.length, 0, { gap: g % 2 === 0 ? 'request' : 'response' });
        const { session, exchanges } = run(chunks, SMALL_LIMITS);
        assertBounded(session, exchanges);
      },
    ),
    { seed: SEED, numRuns: 1500 },
  );
});

test('arbitrary bytes in both directions: no exception, everything bounded', () => {
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 8, arbitrary: fc.record({ dir: fc.constantFrom<Direction>('request', 'response'), bytes: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), tsUs: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ gap: fc.constantFrom<Direction>('request', 'response') }) },
  );
  // Frames made of plausible headers with random payloads reach deeper than uniform bytes.
  const plausible: fc.Arbitrary<Step> = fc
    .record({
      dir: fc.constantFrom<Direction>('request', 'response'),
      type: fc.integer({ min: 0, max: 10 }),
      flags: fc.constantFrom(0, 1, 4, 5, 8, 0x20, 0x2d),
      stream: fc.integer({ min: 0, max: 9 }),
      payload: fc.uint8Array({ maxLength: 60 }),
    })
    .map(({ dir, type, flags, stream, payload }) => ({ dir, bytes: frame(type, flags, stream, Buffer.from(payload)), tsUs: 0 }));
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.oneof(step, plausible), { maxLength: 30 }), (preface, steps) => {
      const all: Step[] = preface ? [{ dir: 'request', bytes: CONNECTION_PREFACE, tsUs: 0 }, ...steps] : steps;
      const { session, exchanges } = run(all, SMALL_LIMITS);
      assertBounded(session, exchanges);
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

test('a response complete by its Content-Length is not "cut short" when its empty END_STREAM frame was never read', () => {
  // Clients stop reading once they have Content-Length bytes; node:http2 servers send END_STREAM
  // in an empty DATA frame after the body, which such a client (and so the capture) never reads.
  const t = chatPostExpected();
  const frames = walkFrames(t.chunks);
  const endStream = frames.find((f) => f.dir === 'response' && f.type === 0 && f.streamId === 1 && (f.flags & 1) !== 0)!;
  assert.equal(endStream.end - endStream.start, 9, 'the response ends with an empty DATA frame');
  // Drop that frame's bytes from the response direction; everything else stays as written.
  let offset = 0;
  const truncated: CapturedChunk[] = [];
  for (const c of t.chunks) {
    if (c.dir !== 'response') {
      truncated.push(c);
      continue;
    }
    const from = Math.max(0, endStream.start - offset);
    const to = Math.min(c.bytes.length, endStream.end - offset);
    const bytes = from < to ? Buffer.concat([c.bytes.subarray(0, from), c.bytes.subarray(to)]) : c.bytes;
    if (bytes.length > 0) truncated.push({ ...c, bytes });
    offset += c.bytes.length;
  }
  const { exchanges } = run(truncated);
  assert.equal(exchanges.length, 1);
  assert.deepEqual(exchanges[0]!.notes, []);
  assert.deepEqual(exchanges[0]!.response.body, t.exchanges[0]!.response.body);
});
