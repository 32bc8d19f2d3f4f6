/**
 * Rebuilds HTTP/2 exchanges from the two byte streams of one captured connection, seen from the
 * client: 'request' is what the client wrote, 'response' what it read. Bytes go in, finished
 * exchanges come out; nothing here throws on any input.
 *
 * Streams: a stream opens with the client's request HEADERS and is emitted once both sides have
 * sent END_STREAM. Many streams are tracked at once, up to limits.maxConcurrentStreams.
 *
 * A stream that ends early (RST_STREAM, or the connection ends first) is emitted with a note when
 * its response headers arrived — for a streamed completion the client cancelled, the part that
 * was received is what was paid for — and otherwise dropped and counted ('reset', 'unanswered').
 * Streams the server's GOAWAY says it never processed are dropped ('goaway').
 *
 * Capture that starts mid-connection (no preface): frames are found with findFrameBoundary and
 * parsed from there. Streams whose request HEADERS came before the capture are never reported.
 * HPACK state is unknown, so fields that refer to dynamic-table entries inserted before the capture
 * are left out and the exchange gets a note saying how many; static-table and literal fields
 * decode normally, and entries inserted from then on are known.
 *
 * gap(dir) (bytes of one direction lost): that direction's HPACK table is forgotten (the lost
 * bytes may have inserted entries, which shifts every index), framing is found again, and every
 * stream that had not finished that side is dropped ('lost_frames'): a body with a hole in it is
 * not reported as if it were whole, and a frame is never attributed to a stream it might not
 * belong to. Frames for streams not tracked are counted and ignored.
 *
 * Server push is not reported: PUSH_PROMISE blocks are decoded (they change HPACK state) and the
 * promise counted ('pushed'); frames on pushed streams are ignored. Request trailers are decoded
 * and dropped, as the HTTP/1 parser drops chunked trailers; response trailers are kept.
 */
import { ByteStream } from '../../util/byte-stream.js';
import type { Direction } from '../types.js';
import {
  CONNECTION_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  FRAME_HEADER_BYTES,
  Setting,
  errorCodeName,
  findFrameBoundary,
  isConfirmedBoundary,
  newHttp2FrameState,
  parseFrame,
} from './frame.js';
import { HeaderBlockAssembler, type BlockStart, type BlockStep } from './header-block.js';
import { HpackDecoder, type HpackBlock } from './hpack/decoder.js';
import { Http2Stream, hasPseudoHeader, regularFields, requestHead, responseHead } from './stream-state.js';
import {
  DEFAULT_HTTP2_LIMITS,
  HTTP2_DROP_REASONS,
  type H2Exchange,
  type Http2DropReason,
  type Http2Frame,
  type Http2FrameState,
  type Http2Limits,
  type Http2Stats,
} from './types.js';

/** Most bytes held beyond a partial frame: resynchronisation searches chunks in slices of this size. */
const SLICE_BYTES = 64 * 1024;

interface DirectionState {
  readonly dir: Direction;
  readonly bytes: ByteStream;
  readonly frames: Http2FrameState;
  readonly hpack: HpackDecoder;
  readonly block: HeaderBlockAssembler;
  /**
   * SETTINGS_MAX_FRAME_SIZE announced by the receiver of this direction. Parsing accepts frames
   * up to limits.maxFrameBytes whatever it says; only resynchronisation holds frames to it.
   */
  announcedMaxFrameSize: number;
  /** Framing is lost (capture start, gap, invalid frame): find a frame header before parsing. */
  resync: boolean;
}

export class Http2Session {
  readonly stats: Http2Stats;
  private readonly limits: Http2Limits;
  private readonly request: DirectionState;
  private readonly response: DirectionState;
  private readonly streams = new Map<number, Http2Stream>();
  /** Client stream ids only grow (RFC 9113 §5.1.1): a HEADERS at or below this one is not a new request. */
  private highestClientStreamId = 0;
  /** Why the connection is going away, for streams still open when it ends. */
  private closing: string | undefined;
  private lastUs = 0;
  private ended = false;
  private emitted: H2Exchange[] = [];

  constructor(limits: Partial<Http2Limits> = {}) {
    this.limits = { ...DEFAULT_HTTP2_LIMITS, ...limits };
    this.stats = {
      framesParsed: 0,
      exchangesEmitted: 0,
      streamsDropped: Object.fromEntries(HTTP2_DROP_REASONS.map((r) => [r, 0])) as Record<Http2DropReason, number>,
      invalidFrames: 0,
      gaps: 0,
      bytesSkipped: 0,
      framesForUnknownStreams: 0,
      hpackUnknownFields: 0,
      hpackErrors: 0,
      bodiesTruncated: 0,
    };
    this.request = this.newDirection('request');
    this.response = this.newDirection('response');
    // The server's first bytes cannot be told from a mid-connection start by looking at them, so
    // the response side always begins by finding a frame; at a real start it is found at offset 0.
    this.response.resync = true;
  }

  /** Number of streams being tracked. */
  get openStreams(): number {
    return this.streams.size;
  }

  push(dir: Direction, chunk: Buffer, tsUs: number): H2Exchange[] {
    if (this.ended) return [];
    this.lastUs = Math.max(this.lastUs, tsUs);
    const d = this.direction(dir);
    const inPlace = (): number => tsUs;
    const buffered = (offset: number): number => d.bytes.timeAt(d.bytes.position + offset);
    let rest = chunk;
    while (rest.length > 0) {
      if (d.bytes.length === 0) {
        // Frames wholly inside the chunk are parsed where they lie, without a copy.
        rest = rest.subarray(this.drain(d, rest, inPlace));
        if (rest.length === 0) break;
        // What is left is the start of a frame (or of a resync candidate): keep it for the next chunk.
        const take = d.resync ? Math.min(rest.length, SLICE_BYTES) : rest.length;
        this.append(d, rest.subarray(0, take), tsUs);
        rest = rest.subarray(take);
        continue;
      }
      // Complete the held frame with no more bytes than it needs, then go on in place.
      const take = Math.min(rest.length, this.bytesWanted(d));
      this.append(d, rest.subarray(0, take), tsUs);
      rest = rest.subarray(take);
      d.bytes.consume(this.drain(d, d.bytes.head(), buffered));
    }
    return this.takeEmitted();
  }

  /** Bytes of `dir` were lost between the last push and the next one. */
  gap(dir: Direction): void {
    if (this.ended) return;
    const d = this.direction(dir);
    this.stats.gaps++;
    d.bytes.reset(0);
    this.loseSync(d);
  }

  /** The connection ended: streams still open are emitted with a note or dropped. Idempotent. */
  end(): H2Exchange[] {
    if (this.ended) return [];
    this.ended = true;
    const note = this.closing ?? 'connection ended before the stream finished';
    for (const stream of [...this.streams.values()]) {
      if (stream.request.ended && stream.responseBodyComplete) {
        // Complete by its Content-Length; only the empty END_STREAM frame went unread.
        stream.response.ended = true;
        this.emit(stream);
      } else {
        this.finishEarly(stream, note, 'unanswered', this.lastUs);
      }
    }
    return this.takeEmitted();
  }

  private newDirection(dir: Direction): DirectionState {
    const { limits } = this;
    return {
      dir,
      // Holds at most one partial frame (or a resync candidate and its successor's header) plus a slice.
      bytes: new ByteStream({ maxCapacity: limits.maxFrameBytes + 2 * FRAME_HEADER_BYTES + SLICE_BYTES }),
      frames: newHttp2FrameState(dir, limits.maxFrameBytes),
      hpack: new HpackDecoder({ maxTableBytes: limits.maxHeaderTableBytes, maxHeaderListBytes: limits.maxHeaderListBytes }),
      block: new HeaderBlockAssembler(limits.maxHeaderBlockBytes),
      announcedMaxFrameSize: Math.min(DEFAULT_MAX_FRAME_SIZE, limits.maxFrameBytes),
      resync: false,
    };
  }

  private direction(dir: Direction): DirectionState {
    return dir === 'request' ? this.request : this.response;
  }

  private other(d: DirectionState): DirectionState {
    return d === this.request ? this.response : this.request;
  }

  private takeEmitted(): H2Exchange[] {
    const out = this.emitted;
    this.emitted = [];
    return out;
  }

  private append(d: DirectionState, bytes: Buffer, tsUs: number): void {
    if (d.bytes.add(d.bytes.position + d.bytes.length, bytes, tsUs) === 'ok') return;
    // Over capacity: cannot happen while every frame is checked against maxFrameBytes, but if it
    // does, the bytes are gone and that is a gap.
    this.stats.gaps++;
    this.loseSync(d);
  }

  /** Bytes the held partial frame still lacks (all of a slice while resynchronising). */
  private bytesWanted(d: DirectionState): number {
    const head = d.bytes.head();
    if (d.resync) return SLICE_BYTES;
    if (d.frames.expectPreface) return Math.max(1, CONNECTION_PREFACE.length - head.length);
    if (head.length < FRAME_HEADER_BYTES) return FRAME_HEADER_BYTES - head.length;
    return Math.max(1, Math.min(SLICE_BYTES, FRAME_HEADER_BYTES + head.readUIntBE(0, 3) - head.length));
  }

  /**
   * Parses frames from `buf` until it runs out, resynchronising where framing is lost; returns
   * how many bytes are done with (parsed or skipped). `timeAt(offset)` is when buf[offset] arrived.
   */
  private drain(d: DirectionState, buf: Buffer, timeAt: (offset: number) => number): number {
    let at = 0;
    while (at < buf.length) {
      const head = buf.subarray(at);
      if (d.resync) {
        const found = findFrameBoundary(d.dir, head, 0, d.announcedMaxFrameSize);
        // Keep a tail that may hold the start of a header split across pushes.
        const skipped = found < 0 ? head.length - Math.min(head.length, FRAME_HEADER_BYTES - 1) : found;
        this.stats.bytesSkipped += skipped;
        at += skipped;
        if (found < 0 || !isConfirmedBoundary(d.dir, head.subarray(found), d.announcedMaxFrameSize)) break;
        d.resync = false;
        continue;
      }
      const result = parseFrame(d.dir, head, d.frames);
      if (result.kind === 'needs-more-data') break;
      if (result.kind === 'invalid') {
        // Without a preface the capture began mid-connection: there is no bad frame to step over.
        if (result.reason !== 'no_preface') {
          this.stats.invalidFrames++;
          this.stats.bytesSkipped++;
          at++;
        }
        this.loseSync(d);
        continue;
      }
      this.stats.framesParsed++;
      this.onFrame(d, result.frame, timeAt(at), timeAt(at + result.consumed - 1));
      at += result.consumed;
    }
    return at;
  }

  /** Framing of `d` is lost: from here on nothing of its past can be trusted. */
  private loseSync(d: DirectionState): void {
    d.resync = true;
    d.frames.expectPreface = false;
    d.block.reset();
    d.hpack.forgetDynamicTable();
    for (const stream of [...this.streams.values()]) {
      if (!stream.half(d.dir).ended) this.drop(stream, 'lost_frames');
    }
  }

  private onFrame(d: DirectionState, frame: Http2Frame, startUs: number, endUs: number): void {
    if (d.block.open && frame.type !== 'continuation') {
      const start = d.block.interrupt();
      if (start !== undefined) this.onBlockLost(d, start);
    }
    switch (frame.type) {
      case 'settings':
        if (!frame.ack) this.applySettings(d, frame.settings);
        return;
      case 'headers':
      case 'push_promise': {
        const start: BlockStart = {
          kind: frame.type,
          streamId: frame.streamId,
          endStream: frame.type === 'headers' && frame.endStream,
          startUs,
        };
        this.onBlockStep(d, d.block.begin(start, frame.fragment, frame.endHeaders), endUs);
        return;
      }
      case 'continuation':
        this.onBlockStep(d, d.block.continue(frame.streamId, frame.fragment, frame.endHeaders), endUs);
        return;
      case 'data':
        this.onData(d, frame.streamId, frame.data, frame.endStream, endUs);
        return;
      case 'rst_stream':
        this.onReset(d, frame.streamId, frame.errorCode, endUs);
        return;
      case 'goaway':
        this.onGoaway(d, frame.lastStreamId, frame.errorCode);
        return;
      default:
        // preface, PRIORITY, PING, WINDOW_UPDATE, extensions: nothing to rebuild from them.
        return;
    }
  }

  private applySettings(d: DirectionState, settings: ReadonlyArray<readonly [number, number]>): void {
    // Each setting describes the sender as a receiver: it governs the opposite direction.
    const governed = this.other(d);
    for (const [id, value] of settings) {
      if (id === Setting.HEADER_TABLE_SIZE) governed.hpack.applySettingsTableSize(value);
      if (id === Setting.MAX_FRAME_SIZE) governed.announcedMaxFrameSize = Math.min(value, this.limits.maxFrameBytes);
    }
  }

  private onBlockStep(d: DirectionState, step: BlockStep, endUs: number): void {
    if (step.kind === 'complete') this.onHeaderBlock(d, step.start, step.block, endUs);
    else if (step.kind === 'lost') this.onBlockLost(d, step.start);
  }

  /** A header block that could not be decoded: its table insertions are lost, and so is its stream. */
  private onBlockLost(d: DirectionState, start: BlockStart | undefined): void {
    this.stats.hpackErrors++;
    d.hpack.forgetDynamicTable();
    if (start === undefined || start.kind === 'push_promise') return;
    const stream = this.streams.get(start.streamId);
    if (stream !== undefined) {
      this.drop(stream, 'bad_header_block');
    } else if (d.dir === 'request' && start.streamId > this.highestClientStreamId) {
      this.highestClientStreamId = start.streamId;
      this.stats.streamsDropped.bad_header_block++;
    }
  }

  private onHeaderBlock(d: DirectionState, start: BlockStart, block: Buffer, endUs: number): void {
    const decoded = d.hpack.decode(block);
    this.stats.hpackUnknownFields += decoded.unknownFields;
    if (decoded.error !== undefined) this.stats.hpackErrors++;
    if (start.kind === 'push_promise') {
      this.stats.streamsDropped.pushed++;
      return;
    }
    if (d.dir === 'request') this.onRequestBlock(start, decoded, endUs);
    else this.onResponseBlock(start, decoded, endUs);
  }

  private onRequestBlock(start: BlockStart, decoded: HpackBlock, endUs: number): void {
    const id = start.streamId;
    const existing = this.streams.get(id);
    if (existing !== undefined) {
      // A second block is the request's trailer section, which must end the request.
      if (existing.request.ended || !start.endStream) return this.drop(existing, 'protocol_error');
      existing.notes.push(...blockNotes('request trailer', decoded, this.limits));
      return this.endHalf(existing, 'request', endUs);
    }
    if (id <= this.highestClientStreamId) {
      this.stats.framesForUnknownStreams++;
      return;
    }
    this.highestClientStreamId = id;
    // After a mid-connection start: trailers of a request whose head came before the capture.
    if (start.endStream && decoded.unknownFields === 0 && !hasPseudoHeader(decoded.fields)) {
      this.stats.framesForUnknownStreams++;
      return;
    }
    if (this.streams.size >= this.limits.maxConcurrentStreams) {
      this.stats.streamsDropped.too_many_streams++;
      return;
    }
    const head = requestHead(decoded.fields);
    const stream = new Http2Stream(id, head, start.startUs, this.limits.maxBodyBytes);
    stream.notes.push(...blockNotes('request header', decoded, this.limits));
    if (head.missing.length > 0) stream.notes.push(`request ${head.missing.join(' and ')} not decoded`);
    this.streams.set(id, stream);
    if (start.endStream) this.endHalf(stream, 'request', endUs);
  }

  private onResponseBlock(start: BlockStart, decoded: HpackBlock, endUs: number): void {
    const stream = this.streams.get(start.streamId);
    if (stream === undefined) {
      this.stats.framesForUnknownStreams++;
      return;
    }
    const { response } = stream;
    if (response.head === undefined) {
      const head = responseHead(decoded.fields);
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      if (head.status >= 100 && head.status < 200 && !start.endStream) return;
      // Ending the stream without a readable :status, this may be the trailer section of a
      // response whose head came before the capture: its body would be partial.
      if (head.status === 0 && start.endStream) return this.drop(stream, 'lost_frames');
      response.head = head;
      response.firstByteUs = start.startUs;
      stream.notes.push(...blockNotes('response header', decoded, this.limits));
      if (head.status === 0) stream.notes.push('response :status not decoded');
    } else if (start.endStream && !response.ended) {
      response.trailers = regularFields(decoded.fields);
      stream.notes.push(...blockNotes('response trailer', decoded, this.limits));
    } else {
      return this.drop(stream, 'protocol_error');
    }
    if (start.endStream) this.endHalf(stream, 'response', endUs);
  }

  private onData(d: DirectionState, streamId: number, data: Buffer, endStream: boolean, endUs: number): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      this.stats.framesForUnknownStreams++;
      return;
    }
    const half = stream.half(d.dir);
    // A conforming server sends its response head first: DATA before it means the head was lost.
    if (d.dir === 'response' && stream.response.head === undefined) return this.drop(stream, 'lost_frames');
    if (half.ended) return this.drop(stream, 'protocol_error');
    if (half.body.add(data)) {
      this.stats.bodiesTruncated++;
      stream.notes.push(`${d.dir} body truncated at ${this.limits.maxBodyBytes} bytes`);
    }
    half.endUs = endUs;
    if (endStream) this.endHalf(stream, d.dir, endUs);
  }

  private onReset(d: DirectionState, streamId: number, errorCode: number, endUs: number): void {
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      this.stats.framesForUnknownStreams++;
      return;
    }
    const by = d.dir === 'request' ? 'client' : 'server';
    this.finishEarly(stream, `stream reset by ${by} (${errorCodeName(errorCode)})`, 'reset', endUs);
  }

  private onGoaway(d: DirectionState, lastStreamId: number, errorCode: number): void {
    const by = d.dir === 'request' ? 'client' : 'server';
    this.closing = `connection ended before the stream finished (GOAWAY ${errorCodeName(errorCode)} from ${by})`;
    // The client's GOAWAY counts server-initiated (pushed) streams, which are not tracked.
    if (d.dir === 'request') return;
    for (const stream of [...this.streams.values()]) {
      if (stream.id > lastStreamId) this.drop(stream, 'goaway');
    }
  }

  private endHalf(stream: Http2Stream, dir: Direction, endUs: number): void {
    const half = stream.half(dir);
    half.ended = true;
    half.endUs = endUs;
    if (stream.complete) this.emit(stream);
  }

  /** A stream ends before both sides did: emitted with a note if the response began, else dropped. */
  private finishEarly(stream: Http2Stream, note: string, reason: Http2DropReason, endUs: number): void {
    if (stream.response.head === undefined) return this.drop(stream, reason);
    stream.notes.push(note);
    for (const half of [stream.request, stream.response]) {
      if (!half.ended) half.endUs = endUs;
    }
    this.emit(stream);
  }

  private emit(stream: Http2Stream): void {
    this.streams.delete(stream.id);
    this.stats.exchangesEmitted++;
    this.emitted.push(stream.toExchange());
  }

  private drop(stream: Http2Stream, reason: Http2DropReason): void {
    this.streams.delete(stream.id);
    this.stats.streamsDropped[reason]++;
  }
}

/** Notes for what a header block's decoding could not give. */
function blockNotes(what: string, decoded: HpackBlock, limits: Http2Limits): string[] {
  const notes: string[] = [];
  if (decoded.unknownFields > 0) {
    notes.push(`hpack: ${decoded.unknownFields} ${what} fields referenced unknown dynamic-table entries`);
  }
  if (decoded.error !== undefined) notes.push(`hpack: ${what} block undecodable past field ${decoded.fields.length} (${decoded.error})`);
  if (decoded.overflowed) notes.push(`${what}s over ${limits.maxHeaderListBytes} bytes: the rest left out`);
  return notes;
}
