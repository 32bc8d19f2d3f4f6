/**
 * HTTP/2 frame layer (RFC 9113 §4, §6) for one direction of one connection. parseFrame is fed the
 * head of the direction's byte stream and answers with one frame, a request for more bytes, or a
 * verdict that the head is not a valid frame. It never throws on any input.
 *
 * Calling protocol:
 * - After 'ok', consume `consumed` bytes and call again with the rest.
 * - After 'needs-more-data', call again once bytes have been appended. Nothing is kept between
 *   calls: a frame is parsed whole once its last byte is there, so a frame arriving in many pieces
 *   is looked at once per piece only up to its 9-byte header.
 * - After 'invalid' (or a gap), framing is lost: find the next frame with findFrameBoundary.
 *
 * Frame payloads are views of `buf`, not copies.
 */
import type { Direction, ParseResult } from '../types.js';
import type { Http2Frame, Http2FrameState, Http2InvalidReason, Http2Priority } from './types.js';

export const FRAME_HEADER_BYTES = 9;
/** SETTINGS_MAX_FRAME_SIZE before any SETTINGS, and its smallest allowed value (RFC 9113 §6.5.2). */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const LARGEST_MAX_FRAME_SIZE = 16_777_215;
export const CONNECTION_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** RFC 9113 §7 error codes, by value. */
const ERROR_CODE_NAMES: readonly string[] = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** `CANCEL`, or `0x1f` for a code RFC 9113 does not name. */
export function errorCodeName(code: number): string {
  return ERROR_CODE_NAMES[code] ?? `0x${code.toString(16)}`;
}

/** Flags each frame type defines; others must be ignored on receipt, and no sender sets them. */
const DEFINED_FLAGS: readonly number[] = [
  Flag.END_STREAM | Flag.PADDED, // DATA
  Flag.END_STREAM | Flag.END_HEADERS | Flag.PADDED | Flag.PRIORITY, // HEADERS
  0, // PRIORITY
  0, // RST_STREAM
  Flag.ACK, // SETTINGS
  Flag.END_HEADERS | Flag.PADDED, // PUSH_PROMISE
  Flag.ACK, // PING
  0, // GOAWAY
  0, // WINDOW_UPDATE
  Flag.END_HEADERS, // CONTINUATION
];

const STREAM_ID_MASK = 0x7fffffff;
const MAX_WINDOW_SIZE = 0x7fffffff;
const NEEDS_MORE_DATA = { kind: 'needs-more-data' } as const;

export function newHttp2FrameState(dir: Direction, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): Http2FrameState {
  return { maxFrameSize, expectPreface: dir === 'request' };
}

export function parseFrame(dir: Direction, buf: Buffer, state: Http2FrameState): ParseResult<Http2Frame> {
  if (state.expectPreface) {
    const n = Math.min(buf.length, CONNECTION_PREFACE.length);
    if (CONNECTION_PREFACE.compare(buf, 0, n, 0, n) !== 0) {
      state.expectPreface = false;
      return invalid('no_preface');
    }
    if (n < CONNECTION_PREFACE.length) return NEEDS_MORE_DATA;
    state.expectPreface = false;
    return { kind: 'ok', frame: { type: 'preface' }, consumed: CONNECTION_PREFACE.length };
  }
  // The length is judged as soon as it is here, so an oversized frame is rejected without waiting for it.
  if (buf.length >= 3 && buf.readUIntBE(0, 3) > state.maxFrameSize) return invalid('frame_too_large');
  if (buf.length < FRAME_HEADER_BYTES) return NEEDS_MORE_DATA;

  const length = buf.readUIntBE(0, 3);
  const type = buf[3]!;
  const flags = buf[4]!;
  // RFC 9113 §4.1: the reserved bit is ignored on receipt.
  const streamId = buf.readUInt32BE(5) & STREAM_ID_MASK;
  const framingError = checkFraming(dir, type, flags, length, streamId);
  if (framingError !== undefined) return invalid(framingError);
  const end = FRAME_HEADER_BYTES + length;
  if (buf.length < end) return NEEDS_MORE_DATA;

  const frame = readPayload(type, flags, streamId, buf.subarray(FRAME_HEADER_BYTES, end));
  return typeof frame === 'string' ? invalid(frame) : { kind: 'ok', frame, consumed: end };
}

/**
 * Offset at or after `from` where a frame plausibly starts, or -1. Used to find the framing again
 * after a gap, an invalid frame, or a capture that began mid-connection. A position qualifies when
 * its 9 bytes are a header a real peer would send in this direction (isPlausibleHeader: a type
 * RFC 9113 defines with only its defined flags, a length ≤ maxFrameSize that the type allows,
 * reserved bit clear, stream 0 exactly where the type wants it, HEADERS/DATA/CONTINUATION on odd
 * streams, PUSH_PROMISE only from the server, no empty header block, no empty DATA that does not
 * end its stream). The answer is the first such position that what follows confirms: headers
 * chained frame after frame are plausible too, up to the end of `buf` or for CONFIRMING_CHAIN
 * frames. If none is confirmed, it is the first whose chain runs past the end of `buf` before it
 * could be told; only more bytes can confirm or refute that one (isConfirmedBoundary says which,
 * once they are there; search again if refuted).
 *
 * Confirmed positions win because false starts cluster around real headers: the 9 bytes at a
 * shifted offset inside a header (mostly zeros) often pass the header test with a stream id made
 * of payload bytes, and would otherwise hide the real header behind them.
 *
 * Limits: it is a heuristic. Inside a binary payload (gzip, images) roughly one position in 10^6
 * passes the header test and the chain check multiplies that again, so a false start is rare but
 * possible. An unconfirmed candidate may make the caller wait up to maxFrameSize bytes for its
 * verdict. A header needs 9 bytes, so positions in the last 8 bytes are never reported: a caller
 * that gets -1 keeps those 8 bytes for the next try. Frames of pushed (even) streams and extension
 * frames (ALTSVC, ORIGIN, PRIORITY_UPDATE) are never taken as a place to start.
 */
export function findFrameBoundary(dir: Direction, buf: Buffer, from: number, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): number {
  let unconfirmed = -1;
  for (let at = Math.max(0, from); at + FRAME_HEADER_BYTES <= buf.length; at++) {
    // Cheap pre-filter: while frames over 64 KiB are not allowed, the length's top byte is zero.
    if (maxFrameSize <= 0xffff && buf[at] !== 0) continue;
    const verdict = successorVerdict(dir, buf, at, maxFrameSize);
    if (verdict === 'yes') return at;
    if (verdict === 'unknown' && unconfirmed < 0) unconfirmed = at;
  }
  return unconfirmed;
}

/**
 * Whether the frame header at `buf[0]` is confirmed by the bytes after its frame. False when it
 * is refuted or when the bytes end too soon; findFrameBoundary tells which.
 */
export function isConfirmedBoundary(dir: Direction, buf: Buffer, maxFrameSize = DEFAULT_MAX_FRAME_SIZE): boolean {
  return successorVerdict(dir, buf, 0, maxFrameSize) === 'yes';
}

/**
 * Whether buf[at..at+9) is a frame header a peer would send in this direction. Stricter than
 * parseFrame, which follows RFC 9113 to the letter, in ways real peers bear out (see
 * findFrameBoundary); odd streams only because zero runs in control frames read as even ids, and
 * frames of pushed streams are ignored anyway.
 */
function isPlausibleHeader(dir: Direction, buf: Buffer, at: number, maxFrameSize: number): boolean {
  const length = buf.readUIntBE(at, 3);
  const type = buf[at + 3]!;
  const flags = buf[at + 4]!;
  const rawStreamId = buf.readUInt32BE(at + 5);
  if (length > maxFrameSize || type > FrameType.CONTINUATION || (flags & ~DEFINED_FLAGS[type]!) !== 0 || rawStreamId > STREAM_ID_MASK) {
    return false;
  }
  if (type === FrameType.DATA || type === FrameType.HEADERS || type === FrameType.CONTINUATION) {
    if (rawStreamId % 2 === 0) return false;
    if (type === FrameType.HEADERS && length === 0) return false;
    if (type === FrameType.DATA && length === 0 && (flags & Flag.END_STREAM) === 0) return false;
  }
  return checkFraming(dir, type, flags, length, rawStreamId) === undefined;
}

/** Plausible headers in a row that confirm a start even when the chain runs past the end of the bytes. */
const CONFIRMING_CHAIN = 3;

/**
 * Whether a plausible header at `at` is borne out by the frames that follow it: 'yes' when the
 * chain of plausible headers ends exactly at the end of `buf`, reaches CONFIRMING_CHAIN frames, or
 * runs past the end after two; 'no' at the first implausible header; 'unknown' when it runs past
 * the end before a second header could be read.
 */
function successorVerdict(dir: Direction, buf: Buffer, at: number, maxFrameSize: number): 'yes' | 'no' | 'unknown' {
  let pos = at;
  for (let chain = 0; chain < CONFIRMING_CHAIN; chain++) {
    if (pos === buf.length) return 'yes';
    if (pos + FRAME_HEADER_BYTES > buf.length) return chain < 2 ? 'unknown' : 'yes';
    if (!isPlausibleHeader(dir, buf, pos, maxFrameSize)) return 'no';
    pos += FRAME_HEADER_BYTES + buf.readUIntBE(pos, 3);
  }
  return 'yes';
}

/** Rules that the 9-byte header alone decides (RFC 9113 §6), or undefined when it passes. */
function checkFraming(dir: Direction, type: number, flags: number, length: number, streamId: number): Http2InvalidReason | undefined {
  switch (type) {
    case FrameType.DATA:
    case FrameType.HEADERS:
    case FrameType.CONTINUATION:
      if (streamId === 0) return 'bad_stream_id';
      // A client sends these only on streams it opened; the server also on streams it pushed.
      if (dir === 'request' && streamId % 2 === 0) return 'bad_stream_id';
      if (type === FrameType.HEADERS && length < paddingBytes(flags) + (flags & Flag.PRIORITY ? 5 : 0)) return 'bad_frame_size';
      if (type === FrameType.DATA && length < paddingBytes(flags)) return 'bad_frame_size';
      return undefined;
    case FrameType.PRIORITY:
      if (streamId === 0) return 'bad_stream_id';
      return length === 5 ? undefined : 'bad_frame_size';
    case FrameType.RST_STREAM:
      if (streamId === 0) return 'bad_stream_id';
      return length === 4 ? undefined : 'bad_frame_size';
    case FrameType.SETTINGS:
      if (streamId !== 0) return 'bad_stream_id';
      if (flags & Flag.ACK) return length === 0 ? undefined : 'bad_frame_size';
      return length % 6 === 0 ? undefined : 'bad_frame_size';
    case FrameType.PUSH_PROMISE:
      // Only servers push, and only in answer to a client-initiated stream.
      if (dir === 'request' || streamId === 0 || streamId % 2 === 0) return 'bad_stream_id';
      return length < paddingBytes(flags) + 4 ? 'bad_frame_size' : undefined;
    case FrameType.PING:
      if (streamId !== 0) return 'bad_stream_id';
      return length === 8 ? undefined : 'bad_frame_size';
    case FrameType.GOAWAY:
      if (streamId !== 0) return 'bad_stream_id';
      return length >= 8 ? undefined : 'bad_frame_size';
    case FrameType.WINDOW_UPDATE:
      return length === 4 ? undefined : 'bad_frame_size';
    default:
      return undefined;
  }
}

/** The Pad Length byte, when the frame is padded (the padding itself is checked with the payload). */
function paddingBytes(flags: number): number {
  return flags & Flag.PADDED ? 1 : 0;
}

function readPayload(type: number, flags: number, streamId: number, payload: Buffer): Http2Frame | Http2InvalidReason {
  switch (type) {
    case FrameType.DATA: {
      const data = unpad(flags, payload);
      if (data === undefined) return 'bad_padding';
      return { type: 'data', streamId, endStream: (flags & Flag.END_STREAM) !== 0, data };
    }
    case FrameType.HEADERS: {
      const body = unpad(flags, payload);
      if (body === undefined) return 'bad_padding';
      const hasPriority = (flags & Flag.PRIORITY) !== 0;
      if (hasPriority && body.length < 5) return 'bad_padding';
      return {
        type: 'headers',
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        priority: hasPriority ? readPriority(body) : null,
        fragment: hasPriority ? body.subarray(5) : body,
      };
    }
    case FrameType.PRIORITY:
      return { type: 'priority', streamId, priority: readPriority(payload) };
    case FrameType.RST_STREAM:
      return { type: 'rst_stream', streamId, errorCode: payload.readUInt32BE(0) };
    case FrameType.SETTINGS:
      return readSettings(flags, payload);
    case FrameType.PUSH_PROMISE: {
      const body = unpad(flags, payload);
      if (body === undefined || body.length < 4) return 'bad_padding';
      const promisedStreamId = body.readUInt32BE(0) & STREAM_ID_MASK;
      if (promisedStreamId === 0 || promisedStreamId % 2 !== 0) return 'bad_stream_id';
      return { type: 'push_promise', streamId, endHeaders: (flags & Flag.END_HEADERS) !== 0, promisedStreamId, fragment: body.subarray(4) };
    }
    case FrameType.PING:
      return { type: 'ping', ack: (flags & Flag.ACK) !== 0, opaque: payload };
    case FrameType.GOAWAY:
      return {
        type: 'goaway',
        lastStreamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        errorCode: payload.readUInt32BE(4),
        debugData: payload.subarray(8),
      };
    case FrameType.WINDOW_UPDATE:
      return { type: 'window_update', streamId, increment: payload.readUInt32BE(0) & STREAM_ID_MASK };
    case FrameType.CONTINUATION:
      return { type: 'continuation', streamId, endHeaders: (flags & Flag.END_HEADERS) !== 0, fragment: payload };
    default:
      return { type: 'unknown', frameType: type, streamId, flags, payload };
  }
}

/** The payload without its Pad Length byte and padding, or undefined when the padding does not fit. */
function unpad(flags: number, payload: Buffer): Buffer | undefined {
  if ((flags & Flag.PADDED) === 0) return payload;
  const padLength = payload[0]!;
  if (padLength >= payload.length) return undefined;
  return payload.subarray(1, payload.length - padLength);
}

function readPriority(b: Buffer): Http2Priority {
  const word = b.readUInt32BE(0);
  return { exclusive: word >>> 31 === 1, dependsOn: word & STREAM_ID_MASK, weight: b[4]! + 1 };
}

function readSettings(flags: number, payload: Buffer): Http2Frame | Http2InvalidReason {
  const settings: Array<readonly [number, number]> = [];
  for (let at = 0; at < payload.length; at += 6) {
    const id = payload.readUInt16BE(at);
    const value = payload.readUInt32BE(at + 2);
    if (!isValidSetting(id, value)) return 'bad_setting';
    settings.push([id, value]);
  }
  return { type: 'settings', ack: (flags & Flag.ACK) !== 0, settings };
}

function isValidSetting(id: number, value: number): boolean {
  switch (id) {
    case Setting.ENABLE_PUSH:
      return value <= 1;
    case Setting.INITIAL_WINDOW_SIZE:
      return value <= MAX_WINDOW_SIZE;
    case Setting.MAX_FRAME_SIZE:
      return value >= DEFAULT_MAX_FRAME_SIZE && value <= LARGEST_MAX_FRAME_SIZE;
    default:
      // Unknown settings must be ignored (RFC 9113 §6.5.2).
      return true;
  }
}

function invalid(reason: Http2InvalidReason): ParseResult<Http2Frame> {
  return { kind: 'invalid', reason };
}
