/**
 * Types of the HTTP/2 reassembler (RFC 9113): frames as the parser reads them, the limits that
 * bound one connection's memory, the exchanges a session emits and the counters it keeps.
 */
import type { HeaderList } from '../types.js';

/** Bounds enforced where the bytes arrive, so one connection cannot make the agent buffer without limit. */
export interface Http2Limits {
  /** Streams tracked at once; a stream opened beyond it is dropped and counted ('too_many_streams'). */
  maxConcurrentStreams: number;
  /** Largest body kept per stream and direction; what is over it is cut and noted on the exchange. */
  maxBodyBytes: number;
  /** Largest encoded header block (HEADERS or PUSH_PROMISE plus its CONTINUATION frames). */
  maxHeaderBlockBytes: number;
  /** Largest decoded header list, counted as RFC 7541 §4.1 does (name + value + 32 per field). */
  maxHeaderListBytes: number;
  /** Memory for each direction's HPACK dynamic table; a peer that allows more loses the oldest entries early. */
  maxHeaderTableBytes: number;
  /** Largest frame payload buffered. Peers may allow up to 16 MiB; almost all send at most 16 KiB. */
  maxFrameBytes: number;
}

export const DEFAULT_HTTP2_LIMITS: Http2Limits = {
  maxConcurrentStreams: 256,
  maxBodyBytes: 64 * 1024 * 1024,
  maxHeaderBlockBytes: 256 * 1024,
  maxHeaderListBytes: 256 * 1024,
  maxHeaderTableBytes: 64 * 1024,
  maxFrameBytes: 1024 * 1024,
};

/** RFC 9113 §5.3.2 priority fields (deprecated by RFC 9113 but still sent, e.g. by older curl). */
export interface Http2Priority {
  exclusive: boolean;
  dependsOn: number;
  /** 1..256 */
  weight: number;
}

/**
 * One frame. Buffers (`data`, `fragment`, `opaque`, `debugData`, `payload`) are views of the
 * parser's input with padding removed, not copies: copy before the input is reused.
 */
export type Http2Frame =
  /** The client connection preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (request direction only). */
  | { type: 'preface' }
  | { type: 'data'; streamId: number; endStream: boolean; data: Buffer }
  | {
      type: 'headers';
      streamId: number;
      endStream: boolean;
      endHeaders: boolean;
      priority: Http2Priority | null;
      fragment: Buffer;
    }
  | { type: 'priority'; streamId: number; priority: Http2Priority }
  | { type: 'rst_stream'; streamId: number; errorCode: number }
  | { type: 'settings'; ack: boolean; settings: ReadonlyArray<readonly [id: number, value: number]> }
  | { type: 'push_promise'; streamId: number; endHeaders: boolean; promisedStreamId: number; fragment: Buffer }
  | { type: 'ping'; ack: boolean; opaque: Buffer }
  | { type: 'goaway'; lastStreamId: number; errorCode: number; debugData: Buffer }
  | { type: 'window_update'; streamId: number; increment: number }
  | { type: 'continuation'; streamId: number; endHeaders: boolean; fragment: Buffer }
  /** A type RFC 9113 does not define (ALTSVC, ORIGIN, PRIORITY_UPDATE...): receivers ignore it. */
  | { type: 'unknown'; frameType: number; streamId: number; flags: number; payload: Buffer };

/** Per-connection, per-direction state of the frame parser. */
export interface Http2FrameState {
  /** Largest payload accepted; a longer frame is 'frame_too_large'. */
  maxFrameSize: number;
  /** Request direction only: the connection preface is still expected at the head of the stream. */
  expectPreface: boolean;
}

/**
 * Why parseFrame rejected the bytes at the head. A closed union: the values are stable metric
 * labels. After any of them the framing of the direction is lost and must be found again.
 */
export type Http2InvalidReason =
  /** The request direction did not start with the connection preface (capture started mid-connection). */
  | 'no_preface'
  /** Payload longer than the state's maxFrameSize. */
  | 'frame_too_large'
  /** A payload length the frame type forbids (PING not 8, SETTINGS not a multiple of 6, ...). */
  | 'bad_frame_size'
  /** Pad Length not smaller than what follows it. */
  | 'bad_padding'
  /** Stream 0 where a stream is required or the reverse, or a stream id the direction cannot use. */
  | 'bad_stream_id'
  /** A SETTINGS value outside its range (RFC 9113 §6.5.2). */
  | 'bad_setting';

/** An HTTP/2 request/response exchange rebuilt from one stream. */
export interface H2Exchange {
  streamId: number;
  request: {
    /** '' when :method could not be decoded (see notes). */
    method: string;
    /** :path; '' when it could not be decoded (see notes). */
    target: string;
    /** :authority, else the Host header, else null. */
    authority: string | null;
    /** Regular fields in wire order, lower-case names, no pseudo-headers. */
    headers: HeaderList;
    /** DATA payloads concatenated (padding removed); content-encoding is still applied. */
    body: Buffer;
    /** Arrival time of the first byte of the request HEADERS frame. */
    startUs: number;
    /** Arrival time of the last byte of the frame that ended the request (or reset it). */
    endUs: number;
  };
  response: {
    /** Final (non-1xx) status; 0 when :status could not be decoded (see notes). */
    status: number;
    headers: HeaderList;
    /** Trailer fields (HEADERS after the body), for gRPC's grpc-status; empty when none. */
    trailers: HeaderList;
    body: Buffer;
    /** Arrival time of the first byte of the final response HEADERS frame. */
    firstByteUs: number;
    endUs: number;
  };
  /** Why this exchange may be incomplete or inexact: reset, truncated body, undecodable headers. */
  notes: string[];
}

/** Why a stream was dropped without an exchange. Stable metric labels. */
export type Http2DropReason =
  /**
   * Frames of the stream may have been lost: in a gap, with frames that failed to parse, or
   * before the capture began (response DATA or trailers with no response head before them).
   */
  | 'lost_frames'
  /** RST_STREAM before any response headers. */
  | 'reset'
  /** The server's GOAWAY said it never processed the stream. */
  | 'goaway'
  /** The connection ended before any response headers. */
  | 'unanswered'
  | 'too_many_streams'
  /** The header block exceeded maxHeaderBlockBytes, or was interrupted by another frame. */
  | 'bad_header_block'
  /** Frames out of order for the stream (DATA after END_STREAM, a second request head). */
  | 'protocol_error'
  /** Server push: its header blocks are decoded (HPACK state) but pushed responses are not reported. */
  | 'pushed';

export const HTTP2_DROP_REASONS: readonly Http2DropReason[] = [
  'lost_frames',
  'reset',
  'goaway',
  'unanswered',
  'too_many_streams',
  'bad_header_block',
  'protocol_error',
  'pushed',
];

/** Counters of one session; monotonic, for Prometheus. */
export interface Http2Stats {
  framesParsed: number;
  exchangesEmitted: number;
  streamsDropped: Record<Http2DropReason, number>;
  /** Frames parseFrame rejected (the direction then resynchronises). */
  invalidFrames: number;
  /** gap() calls plus buffer overflows. */
  gaps: number;
  /** Bytes thrown away while looking for the next frame header after a gap or an invalid frame. */
  bytesSkipped: number;
  /** DATA/HEADERS/RST_STREAM frames for streams not tracked (closed, dropped or never seen). */
  framesForUnknownStreams: number;
  /** Header fields left out because they referenced dynamic-table entries we do not hold. */
  hpackUnknownFields: number;
  /** Header blocks HPACK could not decode to the end. */
  hpackErrors: number;
  /** Bodies cut at maxBodyBytes. */
  bodiesTruncated: number;
}
