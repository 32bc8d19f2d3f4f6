/**
 * HTTP/1.x message parser for one direction of one connection (RFC 9112). It is fed the head of the
 * direction's byte stream and answers with one message, a request for more bytes, or a verdict that
 * the bytes are not a valid message. It never throws on any input.
 *
 * Calling protocol:
 * - After 'ok', consume `consumed` bytes and call again with the rest: pipelined messages come out
 *   one per call.
 * - After 'needs-more-data', call again once bytes have been appended. Progress is kept in
 *   `state.progress` (how far the head was searched, the parsed head, the chunked decoder), so a
 *   message arriving in many small pieces costs O(its size) overall, not a rescan per piece.
 * - After 'invalid', progress is already cleared; resynchronise with findFrameBoundary(dir, buf, 1).
 * - After dropping bytes any other way (a gap), clear progress: `state.progress = newHttp1ParseState().progress`.
 * - For the response direction, push each request's method onto `state.pendingRequestMethods` before
 *   its response is parsed: responses to HEAD (and successful CONNECT) have no body. One method is
 *   shifted per final (non-1xx) response.
 *
 * A frame's body may be a view of `buf` (a Content-Length body, or a chunked body sent as a single
 * chunk), not a copy: a caller whose buffer is reused or compacted must copy the body before it
 * touches the buffer again.
 */
import type { Direction, ParseResult } from '../types.js';
import { CR, CRLFCRLF, HTTP_1_PREFIX, LF, SP, isTchar } from './bytes.js';
import { ChunkedDecoder, type DecodedBody } from './chunked.js';
import { parseFieldSection } from './fields.js';
import { bodyFraming, type BodyFraming, type Http1Head } from './framing.js';
import type { Http1InvalidReason } from './reasons.js';
import { matchRequestLine, matchStatusLine } from './start-line.js';
import type { Http1Limits, Http1Message, Http1ParseOptions, Http1ParseState } from './types.js';

export type { Http1InvalidReason } from './reasons.js';

/**
 * Bytes of a start line checked before the whole head has arrived, so garbage is rejected at once
 * instead of after maxHeaderBytes of waiting. Covers any method plus SP, or `HTTP/1.1 200 `.
 */
const START_LINE_PROBE_BYTES = 64;

/** `HTTP/1.1 200 `: enough of a status line to call it plausible. */
const STATUS_LINE_PREFIX_BYTES = 13;

const NEEDS_MORE_DATA = { kind: 'needs-more-data' } as const;
const EMPTY_BODY = Buffer.alloc(0);

/** Looking for the end of the head. */
interface HeadProgress {
  stage: 'head';
  /** Offset of the start line, past any empty lines before it. */
  start: number;
  /** The CRLFCRLF search resumes here. */
  scannedTo: number;
  /** The start line's first START_LINE_PROBE_BYTES (or all of it) have passed the shape check. */
  probed: boolean;
}

/** Head parsed; reading the body. */
interface BodyProgress {
  stage: 'body';
  head: Http1Head;
  bodyStart: number;
  body: Exclude<BodyFraming, { kind: 'chunked' }> | ChunkedDecoder;
}

type Progress = HeadProgress | BodyProgress;

export function newHttp1ParseState(): Http1ParseState {
  return { pendingRequestMethods: [], progress: null };
}

export function parseFrame(
  dir: Direction,
  buf: Buffer,
  state: Http1ParseState,
  opts: Http1ParseOptions,
): ParseResult<Http1Message> {
  let progress = (state.progress as Progress | null) ?? (state.progress = newHeadProgress());

  if (progress.stage === 'head') {
    const next = readHead(dir, buf, progress, state.pendingRequestMethods[0], opts.limits);
    if (next === 'more') return NEEDS_MORE_DATA;
    if (typeof next === 'string') return invalid(state, next);
    progress = state.progress = next;
  }

  const read = readBody(buf, progress, opts);
  if (read === 'more') return NEEDS_MORE_DATA;
  if (typeof read === 'string') return invalid(state, read);

  state.progress = null;
  const { head } = progress;
  if (head.kind === 'response' && head.status >= 200) state.pendingRequestMethods.shift();
  return { kind: 'ok', frame: { ...head, body: read.body }, consumed: read.end };
}

/**
 * Offset of the first plausible message start at or after `from`, or -1: for requests a request
 * line (any method token, at the start of buf or after a non-token byte), for responses a status
 * line. A start cut short by the end of buf counts once it is past its first token (`POST `,
 * `HTTP/1.`); a shorter fragment in the last few bytes is not reported, so a caller that gets -1
 * and wants to catch a start split across reads keeps the last MAX_METHOD_LENGTH + 1 bytes.
 */
export function findFrameBoundary(dir: Direction, buf: Buffer, from: number): number {
  return dir === 'request' ? findRequestLine(buf, Math.max(0, from)) : findStatusLine(buf, Math.max(0, from));
}

function newHeadProgress(): HeadProgress {
  return { stage: 'head', start: 0, scannedTo: 0, probed: false };
}

function invalid(state: Http1ParseState, reason: Http1InvalidReason): ParseResult<Http1Message> {
  state.progress = null;
  return { kind: 'invalid', reason };
}

function readHead(
  dir: Direction,
  buf: Buffer,
  p: HeadProgress,
  pendingMethod: string | undefined,
  limits: Http1Limits,
): BodyProgress | 'more' | Http1InvalidReason {
  // RFC 9112 §2.2: tolerate empty lines before a start line (a stray CRLF after a body). They
  // count towards the head's size, so a stream of them still hits the limit.
  while (p.start < buf.length && (buf[p.start] === CR || buf[p.start] === LF)) p.start++;
  const start = p.start;

  if (!p.probed) {
    const probeEnd = Math.min(buf.length, start + START_LINE_PROBE_BYTES);
    const shape = dir === 'request' ? matchRequestLine(buf, start, probeEnd) : matchStatusLine(buf, start, probeEnd);
    if (shape === 'no') return 'bad_start_line';
    p.probed = shape !== 'partial' || probeEnd === start + START_LINE_PROBE_BYTES;
  }

  const at = buf.indexOf(CRLFCRLF, Math.max(start, p.scannedTo));
  if (at === -1) {
    // The terminator may straddle the end: resume three bytes back.
    p.scannedTo = Math.max(start, buf.length - 3);
    // Without the terminator the head is at least one byte longer than buf.
    return buf.length >= limits.maxHeaderBytes ? 'headers_too_large' : 'more';
  }
  const headEnd = at + CRLFCRLF.length;
  if (headEnd > limits.maxHeaderBytes) return 'headers_too_large';

  const head = parseHead(dir, buf, start, headEnd);
  if (typeof head === 'string') return head;
  const framing = bodyFraming(head, pendingMethod, limits);
  if (typeof framing === 'string') return framing;
  return {
    stage: 'body',
    head,
    bodyStart: headEnd,
    body: framing.kind === 'chunked' ? new ChunkedDecoder(headEnd, limits) : framing,
  };
}

/** Parses the complete head buf[start..headEnd), which ends with CRLFCRLF. */
function parseHead(dir: Direction, buf: Buffer, start: number, headEnd: number): Http1Head | Http1InvalidReason {
  // The first CRLF lies within the head, so a matcher can only answer with a line or 'no' here.
  if (dir === 'request') {
    const line = matchRequestLine(buf, start, headEnd);
    if (typeof line === 'string') return 'bad_start_line';
    const headers = parseFieldSection(buf, line.end, headEnd - 2);
    if (headers === undefined) return 'bad_header';
    return {
      kind: 'request',
      method: buf.toString('latin1', start, line.methodEnd),
      target: buf.toString('latin1', line.targetStart, line.targetEnd),
      version: line.minorVersion === 1 ? '1.1' : '1.0',
      headers,
    };
  }
  const line = matchStatusLine(buf, start, headEnd);
  if (typeof line === 'string') return 'bad_start_line';
  const headers = parseFieldSection(buf, line.end, headEnd - 2);
  if (headers === undefined) return 'bad_header';
  return {
    kind: 'response',
    status: line.status,
    reason: buf.toString('latin1', line.reasonStart, line.reasonEnd),
    version: line.minorVersion === 1 ? '1.1' : '1.0',
    headers,
  };
}

function readBody(buf: Buffer, p: BodyProgress, opts: Http1ParseOptions): DecodedBody | 'more' | Http1InvalidReason {
  const { body, bodyStart } = p;
  switch (body.kind) {
    case 'none':
      return { body: EMPTY_BODY, end: bodyStart };
    case 'length': {
      const end = bodyStart + body.length;
      return buf.length >= end ? { body: buf.subarray(bodyStart, end), end } : 'more';
    }
    case 'until-close':
      if (buf.length - bodyStart > opts.limits.maxBodyBytes) return 'body_too_large';
      return opts.eof ? { body: buf.subarray(bodyStart), end: buf.length } : 'more';
    case 'chunked':
      return body.advance(buf);
  }
}

function findRequestLine(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    // A method token starts at the beginning of buf or right after a non-token byte.
    if (!isTchar(buf[i]) || (i > 0 && isTchar(buf[i - 1]))) continue;
    const shape = matchRequestLine(buf, i, buf.length);
    if (shape === 'no') continue;
    // A partial match is plausible once its method is complete, i.e. once the SP after it is here.
    if (shape !== 'partial' || buf.indexOf(SP, i) !== -1) return i;
  }
  return -1;
}

function findStatusLine(buf: Buffer, from: number): number {
  for (let at = buf.indexOf(HTTP_1_PREFIX, from); at !== -1; at = buf.indexOf(HTTP_1_PREFIX, at + 1)) {
    // Judge only `HTTP/1.x NNN `: checking whole reason phrases would rescan a long line once per
    // "HTTP/1." on it.
    if (matchStatusLine(buf, at, Math.min(buf.length, at + STATUS_LINE_PREFIX_BYTES)) !== 'no') return at;
  }
  return -1;
}
