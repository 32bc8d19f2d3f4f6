import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  chunkedExtensionsTrailersResponseExpected,
  http1Transcripts,
  openaiChatRequestExpected,
  openaiChatStreamResponseExpected,
  type Http1Transcript,
} from '../../../test/fixtures/http1/transcripts.js';
import { readFixture, splitAt } from '../../../test/helpers/fixtures.js';
import type { Direction } from '../types.js';
import { findFrameBoundary, newHttp1ParseState, parseFrame } from './parse.js';
import { DEFAULT_HTTP1_LIMITS, type Http1Limits, type Http1Message, type Http1Response } from './types.js';

const SEED = 0x05e7;
const TRANSCRIPTS = http1Transcripts().map((t) => ({ ...t, bytes: readFixture('http1', t.file) }));

interface FeedOptions {
  requestMethods?: readonly string[];
  limits?: Http1Limits;
  /** The connection closes after the last piece. */
  closeAtEnd?: boolean;
}

interface FeedOutcome {
  messages: Http1Message[];
  invalid: string | undefined;
  /** Bytes left unconsumed when feeding stopped. */
  leftover: number;
}

/**
 * Plays the caller: appends each piece to a growing buffer, parses until needs-more-data, consumes
 * each ok frame, stops at the first invalid. Checks the result contract on every call.
 */
function feed(dir: Direction, pieces: readonly Buffer[], opts: FeedOptions = {}): FeedOutcome {
  const state = newHttp1ParseState();
  state.pendingRequestMethods.push(...(opts.requestMethods ?? []));
  const limits = opts.limits ?? DEFAULT_HTTP1_LIMITS;
  const messages: Http1Message[] = [];
  let buf = Buffer.alloc(0);
  for (let i = 0; i < pieces.length; i++) {
    buf = Buffer.concat([buf, pieces[i]!]);
    const eof = opts.closeAtEnd === true && i === pieces.length - 1;
    for (;;) {
      const r = parseFrame(dir, buf, state, { limits, eof });
      if (r.kind === 'needs-more-data') break;
      if (r.kind === 'invalid') {
        assert.equal(typeof r.reason, 'string');
        return { messages, invalid: r.reason, leftover: buf.length };
      }
      assert.equal(r.kind, 'ok');
      assert.ok(r.consumed > 0 && r.consumed <= buf.length, `consumed ${r.consumed} of ${buf.length}`);
      messages.push(r.frame);
      buf = buf.subarray(r.consumed);
    }
  }
  return { messages, invalid: undefined, leftover: buf.length };
}

function feedTranscript(t: Http1Transcript, pieces: readonly Buffer[], opts: FeedOptions = {}): FeedOutcome {
  return feed(t.dir, pieces, { requestMethods: t.requestMethods, closeAtEnd: t.closeDelimited, ...opts });
}

function assertParsesTo(t: Http1Transcript, pieces: readonly Buffer[], what: string): void {
  const out = feedTranscript(t, pieces);
  assert.equal(out.invalid, undefined, `${t.file} ${what}`);
  assert.deepStrictEqual(out.messages, t.messages, `${t.file} ${what}`);
  assert.equal(out.leftover, 0, `${t.file} ${what}`);
}

const raw = (s: string): Buffer => Buffer.from(s, 'latin1');

function parseOnce(dir: Direction, s: string | Buffer, opts: { limits?: Partial<Http1Limits>; eof?: boolean; methods?: string[] } = {}) {
  const state = newHttp1ParseState();
  state.pendingRequestMethods.push(...(opts.methods ?? []));
  const buf = typeof s === 'string' ? raw(s) : s;
  return parseFrame(dir, buf, state, { limits: { ...DEFAULT_HTTP1_LIMITS, ...opts.limits }, eof: opts.eof ?? false });
}

function okFrame(r: ReturnType<typeof parseOnce>): { frame: Http1Message; consumed: number } {
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  return r as { frame: Http1Message; consumed: number };
}

// --- Transcripts ----------------------------------------------------------------------------------

test('committed transcripts match their definitions (regenerate with generate.js if not)', () => {
  for (const t of TRANSCRIPTS) assert.ok(t.bytes.equals(t.wire), t.file);
});

test('each transcript parses whole into its expected messages', () => {
  for (const t of TRANSCRIPTS) assertParsesTo(t, [t.bytes], 'whole');
});

test('each transcript split at every single cut point gives the same messages', () => {
  for (const t of TRANSCRIPTS) {
    for (let cut = 0; cut <= t.bytes.length; cut++) assertParsesTo(t, splitAt(t.bytes, [cut]), `cut at ${cut}`);
  }
});

test('every prefix yields exactly the messages it completes, then needs-more-data', () => {
  for (const t of TRANSCRIPTS) {
    for (let len = 0; len < t.bytes.length; len++) {
      const out = feed(t.dir, [t.bytes.subarray(0, len)], { requestMethods: t.requestMethods });
      const complete = t.messageEnds.filter((end, i) => end <= len && !(t.closeDelimited && i === t.messages.length - 1));
      assert.equal(out.invalid, undefined, `${t.file} prefix ${len}`);
      assert.deepStrictEqual(out.messages, t.messages.slice(0, complete.length), `${t.file} prefix ${len}`);
      assert.equal(out.leftover, len - (complete.at(-1) ?? 0), `${t.file} prefix ${len}`);
    }
  }
});

test('each transcript fed one byte at a time', () => {
  for (const t of TRANSCRIPTS) {
    const everyByte = Array.from({ length: t.bytes.length - 1 }, (_, i) => i + 1);
    assertParsesTo(t, splitAt(t.bytes, everyByte), 'byte by byte');
  }
});

/** An index into TRANSCRIPTS, so counterexamples print short. */
const transcriptIndex = fc.nat({ max: TRANSCRIPTS.length - 1 });

test('random multi-cuts of each transcript (fast-check, fixed seed)', () => {
  const transcriptWithCuts = transcriptIndex.chain((i) =>
    fc.tuple(fc.constant(i), fc.uniqueArray(fc.integer({ min: 0, max: TRANSCRIPTS[i]!.bytes.length }), { maxLength: 12 })),
  );
  fc.assert(
    fc.property(transcriptWithCuts, ([i, cuts]) => {
      const t = TRANSCRIPTS[i]!;
      assertParsesTo(t, splitAt(t.bytes, cuts.sort((a, b) => a - b)), `cuts ${cuts.join(',')}`);
    }),
    { seed: SEED, numRuns: 600 },
  );
});

// --- Fuzz -----------------------------------------------------------------------------------------

const direction = fc.constantFrom<Direction>('request', 'response');

function sortedCuts(maxLength: number) {
  return fc.uniqueArray(fc.nat({ max: maxLength }), { maxLength: 6 }).map((cuts) => cuts.sort((a, b) => a - b));
}

test('arbitrary bytes never make parseFrame throw or break its result contract', () => {
  const limits = fc.record({ maxHeaderBytes: fc.integer({ min: 1, max: 600 }), maxBodyBytes: fc.integer({ min: 0, max: 600 }) });
  fc.assert(
    fc.property(direction, fc.uint8Array({ maxLength: 400 }), sortedCuts(400), limits, fc.boolean(), (dir, bytes, cuts, lim, close) => {
      const b = Buffer.from(bytes);
      feed(dir, splitAt(b, cuts.filter((c) => c <= b.length)), { limits: lim, closeAtEnd: close, requestMethods: ['HEAD', 'GET'] });
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

type Mutation = { at: number; op: 'flip' | 'insert' | 'delete' | 'duplicate'; byte: number };

function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = bytes;
  for (const { at: rawAt, op, byte } of mutations) {
    const at = out.length === 0 ? 0 : rawAt % out.length;
    if (op === 'flip' && out.length > 0) out = Buffer.concat([out.subarray(0, at), Buffer.of(byte), out.subarray(at + 1)]);
    if (op === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.of(byte), out.subarray(at)]);
    if (op === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + (byte % 16))]);
    if (op === 'duplicate') out = Buffer.concat([out.subarray(0, at + (byte % 64)), out.subarray(at)]);
  }
  return out;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'insert', 'delete', 'duplicate'),
  // Bias towards the bytes the grammar cares about.
  byte: fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x30, 0x39, 0x61, 0x00, 0xff), fc.integer({ min: 0, max: 255 })),
});

test('mutated transcripts: same outcome however the bytes are split, and never a throw', () => {
  fc.assert(
    fc.property(transcriptIndex, fc.array(mutation, { minLength: 1, maxLength: 4 }), sortedCuts(4000), (i, mutations, cuts) => {
      const t = TRANSCRIPTS[i]!;
      const bytes = mutate(t.bytes, mutations);
      const whole = feedTranscript(t, [bytes]);
      const split = feedTranscript(t, splitAt(bytes, cuts.filter((c) => c <= bytes.length)));
      assert.deepStrictEqual(split.messages, whole.messages);
      assert.equal(split.invalid, whole.invalid);
      // After an invalid verdict the split feed stops early, with less appended.
      if (whole.invalid === undefined) assert.equal(split.leftover, whole.leftover);
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

// --- Limits and invalid input ---------------------------------------------------------------------

test('a head over maxHeaderBytes is invalid; one exactly at the limit parses', () => {
  const t = openaiChatRequestExpected();
  const headBytes = t.wire.indexOf('\r\n\r\n') + 4;
  const atLimit = { ...DEFAULT_HTTP1_LIMITS, maxHeaderBytes: headBytes };
  assert.deepStrictEqual(feedTranscript(t, [t.wire], { limits: atLimit }).messages, t.messages);
  const below = { ...DEFAULT_HTTP1_LIMITS, maxHeaderBytes: headBytes - 1 };
  for (let cut = 0; cut <= t.wire.length; cut++) {
    assert.equal(feedTranscript(t, splitAt(t.wire, [cut]), { limits: below }).invalid, 'headers_too_large', `cut ${cut}`);
  }
});

test('an unterminated head is rejected once it passes the limit, without waiting for its end', () => {
  const r = parseOnce('request', `GET / HTTP/1.1\r\nX-Filler: ${'a'.repeat(200)}`, { limits: { maxHeaderBytes: 128 } });
  assert.deepStrictEqual(r, { kind: 'invalid', reason: 'headers_too_large' });
});

test('body limits: Content-Length, chunked and close-delimited bodies', () => {
  const limits = { maxBodyBytes: 10 };
  // Rejected from the head alone: the body need not arrive.
  assert.deepStrictEqual(parseOnce('request', 'POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n', { limits }), {
    kind: 'invalid',
    reason: 'body_too_large',
  });
  assert.equal(okFrame(parseOnce('request', 'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789', { limits })).frame.body.length, 10);
  const chunks = (sizes: number[]) => sizes.map((n) => `${n.toString(16)}\r\n${'x'.repeat(n)}\r\n`).join('') + '0\r\n\r\n';
  assert.equal(okFrame(parseOnce('response', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks([4, 6])}`, { limits })).frame.body.length, 10);
  assert.deepStrictEqual(parseOnce('response', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks([4, 7])}`, { limits }), {
    kind: 'invalid',
    reason: 'body_too_large',
  });
  // A huge size line is caught at its digits, before any data.
  assert.deepStrictEqual(parseOnce('response', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(40)}\r\n`, { limits }), {
    kind: 'invalid',
    reason: 'body_too_large',
  });
  assert.deepStrictEqual(parseOnce('response', `HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(11)}`, { limits }), {
    kind: 'invalid',
    reason: 'body_too_large',
  });
  assert.equal(okFrame(parseOnce('response', `HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(10)}`, { limits, eof: true })).frame.body.length, 10);
});

test('trailers count against maxHeaderBytes', () => {
  const msg = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: ${'a'.repeat(100)}\r\n\r\n`;
  assert.deepStrictEqual(parseOnce('response', msg, { limits: { maxHeaderBytes: 100 } }), { kind: 'invalid', reason: 'headers_too_large' });
  assert.equal(parseOnce('response', msg, { limits: { maxHeaderBytes: 200 } }).kind, 'ok');
});

test('malformed messages are invalid with a stable reason', () => {
  const cases: Array<[Direction, string, string]> = [
    ['request', 'GARBAGE\r\n\r\n', 'bad_start_line'],
    ['request', 'GET /\r\n\r\n', 'bad_start_line'],
    ['request', 'GET  / HTTP/1.1\r\n\r\n', 'bad_start_line'],
    ['request', 'GET / HTTP/1.2\r\n\r\n', 'bad_start_line'],
    ['request', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'bad_start_line'],
    ['request', 'G\u0000T / HTTP/1.1\r\n\r\n', 'bad_start_line'],
    ['response', 'HTTP/1.1 20 OK\r\n\r\n', 'bad_start_line'],
    ['response', 'HTTP/1.1 099 Low\r\n\r\n', 'bad_start_line'],
    ['response', 'HTTP/1.1 2000 OK\r\n\r\n', 'bad_start_line'],
    ['response', 'HTTP/2 200\r\n\r\n', 'bad_start_line'],
    ['response', 'HTTP/1.1 200 O\u0001K\r\n\r\n', 'bad_start_line'],
    ['request', 'GET / HTTP/1.1\r\nHost example.com\r\n\r\n', 'bad_header'],
    ['request', 'GET / HTTP/1.1\r\nHost : example.com\r\n\r\n', 'bad_header'],
    ['request', 'GET / HTTP/1.1\r\n: empty-name\r\n\r\n', 'bad_header'],
    ['request', 'GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n', 'bad_header'],
    ['request', 'GET / HTTP/1.1\r\nX-A: a\u0000b\r\n\r\n', 'bad_header'],
    ['request', 'GET / HTTP/1.1\r\nX-A: a\nb\r\n\r\n', 'bad_header'],
    ['request', 'POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n', 'bad_content_length'],
    ['request', 'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'bad_content_length'],
    ['request', 'POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n', 'bad_content_length'],
    ['request', 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 'bad_content_length'],
    ['request', 'POST / HTTP/1.1\r\nContent-Length:\r\n\r\n', 'bad_content_length'],
    ['request', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'bad_transfer_encoding'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'bad_chunk_size'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n', 'bad_chunk_size'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', 'bad_chunk_size'],
    ['response', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(5000)}`, 'bad_chunk_size'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n0\r\n\r\n', 'bad_chunk_terminator'],
    ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a trailer\r\n\r\n', 'bad_header'],
  ];
  for (const [dir, msg, reason] of cases) {
    assert.deepStrictEqual(parseOnce(dir, msg), { kind: 'invalid', reason }, JSON.stringify(msg));
  }
});

test('garbage is rejected from its first bytes, before any head terminator', () => {
  assert.deepStrictEqual(parseOnce('request', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])), { kind: 'invalid', reason: 'bad_start_line' });
  assert.deepStrictEqual(parseOnce('response', '{"id":'), { kind: 'invalid', reason: 'bad_start_line' });
  assert.deepStrictEqual(parseOnce('request', 'GET'), { kind: 'needs-more-data' });
  assert.deepStrictEqual(parseOnce('response', 'HTTP/1.'), { kind: 'needs-more-data' });
});

// --- Semantics ------------------------------------------------------------------------------------

test('header names are lower-cased, values trimmed, repeats kept in order', () => {
  const { frame } = okFrame(parseOnce('request', 'GET /x?a=1 HTTP/1.0\r\nX-Trace:  a b \t\r\nx-trace:c\r\nEmpty:\r\n\r\n'));
  assert.deepStrictEqual(frame, {
    kind: 'request',
    method: 'GET',
    target: '/x?a=1',
    version: '1.0',
    headers: [
      ['x-trace', 'a b'],
      ['x-trace', 'c'],
      ['empty', ''],
    ],
    body: Buffer.alloc(0),
  });
});

test('header values and targets keep non-ASCII bytes (latin1, lossless)', () => {
  const { frame } = okFrame(parseOnce('request', Buffer.from('GET /caf\u00e9 HTTP/1.1\r\nX-Name: caf\u00e9\r\n\r\n', 'utf8')));
  assert.equal(frame.kind === 'request' && Buffer.from(frame.target, 'latin1').toString('utf8'), '/caf\u00e9');
  assert.equal(Buffer.from(frame.headers[0]![1], 'latin1').toString('utf8'), 'caf\u00e9');
});

test('a status line without a reason phrase is accepted', () => {
  const { frame } = okFrame(parseOnce('response', 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'));
  assert.equal((frame as Http1Response).reason, '');
  assert.equal((frame as Http1Response).status, 200);
});

test('empty lines before a request line are skipped and consumed with it', () => {
  const r = okFrame(parseOnce('request', '\r\n\r\nGET / HTTP/1.1\r\n\r\n'));
  assert.equal(r.consumed, 22);
});

test('Transfer-Encoding chunked wins over Content-Length', () => {
  const r = okFrame(parseOnce('request', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
  assert.equal(r.frame.body.toString(), 'hello');
});

test('identical repeated Content-Length values are one length', () => {
  const msg = 'POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 005\r\n\r\nhelloGET';
  const r = okFrame(parseOnce('request', msg));
  assert.equal(r.frame.body.toString(), 'hello');
  assert.equal(r.consumed, msg.length - 'GET'.length);
});

test('a request without a body length has an empty body', () => {
  const r = okFrame(parseOnce('request', 'POST /v1/x HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n'));
  assert.equal(r.frame.body.length, 0);
  assert.equal(r.consumed, 32);
});

test('a response whose final transfer coding is not chunked runs until close', () => {
  const msg = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc';
  assert.deepStrictEqual(parseOnce('response', msg), { kind: 'needs-more-data' });
  assert.equal(okFrame(parseOnce('response', msg, { eof: true })).frame.body.toString(), 'abc');
});

test('a close-delimited response may be empty', () => {
  const r = okFrame(parseOnce('response', 'HTTP/1.0 200 OK\r\n\r\n', { eof: true }));
  assert.equal(r.frame.body.length, 0);
});

test('responses to HEAD and successful CONNECT have no body; 1xx does not use up a pending method', () => {
  const state = newHttp1ParseState();
  state.pendingRequestMethods.push('HEAD', 'CONNECT');
  let buf = raw(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 Connection established\r\nContent-Length: 9\r\n\r\n',
  );
  const statuses: number[] = [];
  for (let r = parseFrame('response', buf, state, { limits: DEFAULT_HTTP1_LIMITS, eof: false }); r.kind === 'ok'; ) {
    statuses.push((r.frame as Http1Response).status);
    assert.equal(r.frame.body.length, 0);
    buf = buf.subarray(r.consumed);
    r = parseFrame('response', buf, state, { limits: DEFAULT_HTTP1_LIMITS, eof: false });
  }
  assert.deepStrictEqual(statuses, [100, 200, 200]);
  assert.equal(buf.length, 0);
  assert.deepStrictEqual(state.pendingRequestMethods, []);
});

test('a Content-Length body is a view of the input; a multi-chunk body is a copy', () => {
  const opts = { limits: DEFAULT_HTTP1_LIMITS, eof: false };
  const buf = raw('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
  const view = okFrame(parseFrame('response', buf, newHttp1ParseState(), opts)).frame.body;
  buf.fill('x');
  assert.equal(view.toString(), 'xxxxx');

  const t = chunkedExtensionsTrailersResponseExpected();
  const wire = Buffer.from(t.wire);
  const copy = okFrame(parseFrame('response', wire, newHttp1ParseState(), opts)).frame.body;
  wire.fill('x');
  assert.deepStrictEqual(copy, t.messages[0]!.body);
});

test('progress survives the buffer being moved to a new Buffer object between calls', () => {
  const t = openaiChatStreamResponseExpected();
  const state = newHttp1ParseState();
  state.pendingRequestMethods.push('POST');
  const opts = { limits: DEFAULT_HTTP1_LIMITS, eof: false };
  for (let len = 1; len < t.wire.length; len += 97) {
    // Buffer.from copies: the parser must not hold views of earlier buffers.
    const moved = Buffer.from(t.wire.subarray(0, len));
    assert.equal(parseFrame('response', moved, state, opts).kind, 'needs-more-data');
    moved.fill(0);
  }
  const { frame } = okFrame(parseFrame('response', Buffer.from(t.wire), state, opts));
  assert.deepStrictEqual(frame, t.messages[0]);
});

test('clearing progress after dropping bytes starts a fresh message', () => {
  const state = newHttp1ParseState();
  const opts = { limits: DEFAULT_HTTP1_LIMITS, eof: false };
  assert.equal(parseFrame('request', raw('POST /a HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc'), state, opts).kind, 'needs-more-data');
  state.progress = newHttp1ParseState().progress;
  const { frame } = okFrame(parseFrame('request', raw('GET /b HTTP/1.1\r\n\r\n'), state, opts));
  assert.equal(frame.kind === 'request' && frame.target, '/b');
});

// --- findFrameBoundary ----------------------------------------------------------------------------

test('findFrameBoundary finds request lines after garbage, at token starts only', () => {
  assert.equal(findFrameBoundary('request', raw('POST /v1/chat HTTP/1.1\r\n'), 0), 0);
  assert.equal(findFrameBoundary('request', raw('ody":"x"}}POST /v1/chat HTTP/1.1\r\n'), 0), 10);
  assert.equal(findFrameBoundary('request', raw('\u0000\u00ff\r\nPROPFIND /dav HTTP/1.0\r\n'), 0), 4);
  // From 1, the message at 0 is skipped whole: "OST" is not a token start.
  const two = raw('POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET? /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n');
  assert.equal(findFrameBoundary('request', two, 1), two.indexOf('GET /c'));
  assert.equal(findFrameBoundary('request', raw('no request line here, none at all.\n'), 0), -1);
  assert.equal(findFrameBoundary('request', raw('abc'), 5), -1);
});

test('findFrameBoundary reports a start cut short once its method is complete', () => {
  assert.equal(findFrameBoundary('request', raw('}\nPOST /v1/chat/compl'), 0), 2);
  assert.equal(findFrameBoundary('request', raw('}\nPOST '), 0), 2);
  assert.equal(findFrameBoundary('request', raw('}\nPOS'), 0), -1);
});

test('findFrameBoundary finds status lines after garbage', () => {
  const afterBody = raw('data: [DONE]\n\n0\r\n\r\nHTTP/1.1 200 OK\r\n');
  assert.equal(findFrameBoundary('response', afterBody, 0), afterBody.indexOf('HTTP/'));
  assert.equal(findFrameBoundary('response', raw('HTTP/1.1 2xx HTTP/1.0 404 Not Found\r\n'), 0), 13);
  assert.equal(findFrameBoundary('response', raw('junk HTTP/1.1 20'), 0), 5);
  assert.equal(findFrameBoundary('response', raw('HTTP/1.1 200 OK\r\n'), 1), -1);
  assert.equal(findFrameBoundary('response', raw('junk HTTP/2 200\r\n'), 0), -1);
  assert.equal(findFrameBoundary('response', raw('junk HTT'), 0), -1);
});

/** Resynchronises like a caller after a gap: find a start, parse, on invalid search again from the next byte. */
function parseWithResync(t: Http1Transcript, buf: Buffer): Http1Message[] {
  const state = newHttp1ParseState();
  state.pendingRequestMethods.push(...t.requestMethods);
  const messages: Http1Message[] = [];
  let pos = findFrameBoundary(t.dir, buf, 0);
  while (pos !== -1 && pos < buf.length) {
    const r = parseFrame(t.dir, buf.subarray(pos), state, { limits: DEFAULT_HTTP1_LIMITS, eof: true });
    if (r.kind === 'needs-more-data') break;
    if (r.kind === 'ok') {
      messages.push(r.frame);
      pos += r.consumed;
    } else {
      pos = findFrameBoundary(t.dir, buf, pos + 1);
    }
  }
  return messages;
}

test('after arbitrary garbage, findFrameBoundary + parseFrame recover every message', () => {
  const framed = TRANSCRIPTS.filter((t) => !t.closeDelimited);
  fc.assert(
    fc.property(fc.nat({ max: framed.length - 1 }), fc.uint8Array({ maxLength: 300 }), (i, garbage) => {
      const t = framed[i]!;
      // Garbage ends at a line break, as it does when the lost bytes ended a previous message.
      const buf = Buffer.concat([Buffer.from(garbage), raw('\r\n'), t.bytes]);
      assert.deepStrictEqual(parseWithResync(t, buf), t.messages);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('findFrameBoundary never throws and returns -1 or an index within [from, length)', () => {
  fc.assert(
    fc.property(direction, fc.uint8Array({ maxLength: 300 }), fc.integer({ min: -5, max: 305 }), (dir, bytes, from) => {
      const at = findFrameBoundary(dir, Buffer.from(bytes), from);
      assert.ok(at === -1 || (at >= Math.max(0, from) && at < bytes.length), `${at}`);
    }),
    { seed: SEED, numRuns: 2000 },
  );
});
