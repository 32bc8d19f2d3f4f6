/**
 * Everything about one TLS stream: its two byte streams, the HTTP/1.1 parse state of each and the
 * requests waiting for their responses — or, once the stream shows itself to be HTTP/2, its
 * HTTP/2 session — and what we know of the peer. Bytes go in; completed HTTP exchanges come out.
 * One eviction path: close(), called on stream end, process exit or idle.
 */
import { findFrameBoundary, newHttp1ParseState, parseFrame } from '../protocols/http1/parse.js';
import type { Http1Limits, Http1Message, Http1ParseState, Http1Request, Http1Response } from '../protocols/http1/types.js';
import { headerValue, type Direction } from '../protocols/types.js';
import { events } from '../telemetry/internal-events.js';
import { diagnostics } from '../telemetry/log.js';
import type { TlsLibrary } from '../sensor/wire.js';
import { ByteStream } from '../util/byte-stream.js';
import { decodeBodies, type CompletedExchange } from './exchange.js';
import { Http2Exchanges } from './http2-exchanges.js';
import { isConfirmedBoundary } from '../protocols/http2/frame.js';
import type { Http2Limits } from '../protocols/http2/types.js';

export type { CompletedExchange } from './exchange.js';

export interface StreamLimits {
  http: Http1Limits;
  http2: Partial<Http2Limits>;
  /** Most bytes buffered per direction while a message is incomplete. */
  maxBufferedBytes: number;
  /** Largest decoded (decompressed) body. */
  maxDecodedBodyBytes: number;
}

export interface PeerInfo {
  serverName: string | null;
  localAddress: string | null;
  localPort: number | null;
  remoteAddress: string | null;
  remotePort: number | null;
  fd: number | null;
}

type Timed<M> = M & { startUs: number; endUs: number };

export type ConnectionState = 'collecting' | 'transferring' | 'disabled';

const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** Bytes kept when no message start is in sight: a start line may be split across reads. */
const SNIFF_TAIL_BYTES = 16;
/** Egress bytes without a request line after which a stream is declared not HTTP. */
const SNIFF_LIMIT = 64 * 1024;
const CRLF = Buffer.from('\r\n');
/** RFC 9112 request-line: method token, target, HTTP/1.x. */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ \r\n]+ HTTP\/1\.[01]\r\n$/;

const traceConn = process.env.OSPREY_TRACE_CONN;

export class Connection {
  state: ConnectionState = 'collecting';
  disabledReason: string | null = null;
  lastActivityUs: number;
  /** Which TLS library carried the stream, from its first data record. */
  library: TlsLibrary | null = null;
  readonly peer: PeerInfo = { serverName: null, localAddress: null, localPort: null, remoteAddress: null, remotePort: null, fd: null };

  private readonly send: ByteStream;
  private readonly recv: ByteStream;
  private readonly requestState: Http1ParseState = newHttp1ParseState();
  private readonly responseState: Http1ParseState = newHttp1ParseState();
  /** After a gap the head is probably mid-message: find a message start before parsing. */
  private readonly resync: Record<Direction, boolean> = { request: false, response: false };
  private readonly pending: Timed<Http1Request>[] = [];
  /** Response bytes were lost since the last pairing: some pending requests may never be answered. */
  private responseLost = false;
  private readonly tracing: boolean;
  /** Set once the stream shows itself to be HTTP/2; from then on it owns all bytes. */
  private h2: Http2Exchanges | null = null;
  /** Egress bytes skipped while looking for the first request line. */
  private skipped = 0;

  constructor(
    readonly key: string,
    readonly pid: number,
    /** Start time of the owning process: with the pid, the process's identity. */
    readonly startNs: bigint,
    private readonly limits: StreamLimits,
    nowUs: number,
  ) {
    this.send = new ByteStream({ maxCapacity: limits.maxBufferedBytes });
    this.recv = new ByteStream({ maxCapacity: limits.maxBufferedBytes });
    this.lastActivityUs = nowUs;
    this.tracing = traceConn !== undefined && (traceConn === String(pid) || key.startsWith(traceConn + ':'));
  }

  /** Feeds bytes seen at `pos` of one direction; returns the exchanges they completed. */
  addData(direction: 'egress' | 'ingress', pos: number, payload: Buffer, tsUs: number): CompletedExchange[] {
    this.lastActivityUs = tsUs;
    if (this.state === 'disabled') return [];
    const dir: Direction = direction === 'egress' ? 'request' : 'response';
    if (this.h2) return this.fromHttp2(this.h2.push(dir, pos, payload, tsUs));
    const stream = dir === 'request' ? this.send : this.recv;
    const outcome = stream.add(pos, payload, tsUs);
    if (outcome !== 'ok') this.onDiscontinuity(dir, outcome);
    if (this.state === 'collecting' && !this.sniff()) return this.h2 ? this.switchToHttp2() : [];
    return this.drain(dir, false);
  }

  /** The stream ended: a response delimited by close is complete now; unanswered requests are counted. */
  close(): CompletedExchange[] {
    if (this.state === 'disabled') return [];
    if (this.h2) {
      const rest = this.fromHttp2(this.h2.close());
      this.disable('closed');
      return rest;
    }
    const out = this.state === 'transferring' ? this.drain('response', true) : [];
    if (this.pending.length > 0) events.recordsDropped('http', 'unanswered_request', this.pending.length);
    this.pending.length = 0;
    this.disable('closed');
    return out;
  }

  disable(reason: string): void {
    if (this.state === 'disabled') return;
    this.state = 'disabled';
    this.disabledReason = reason;
    this.send.reset(0);
    this.recv.reset(0);
    this.trace(`disabled: ${reason}`);
  }

  /**
   * Decides from the first request bytes whether this stream is HTTP/1.x we can follow. Capture
   * may start mid-connection (agent started after the client), so bytes before the first complete
   * request line are skipped, up to SNIFF_LIMIT; a stream that shows none by then is not HTTP.
   */
  private sniff(): boolean {
    for (;;) {
      const head = this.send.head();
      if (head.length === 0) return false;
      const prefaceBytes = Math.min(head.length, HTTP2_PREFACE.length);
      if (head.subarray(0, prefaceBytes).equals(HTTP2_PREFACE.subarray(0, prefaceBytes))) {
        if (head.length >= HTTP2_PREFACE.length) this.h2 = new Http2Exchanges(this.limits.http2);
        return false;
      }
      // HTTP/2 seen mid-connection: no preface, but a chain of plausible frames from the first byte.
      if (this.skipped === 0 && isConfirmedBoundary('request', head)) {
        this.h2 = new Http2Exchanges(this.limits.http2);
        return false;
      }
      const start = findFrameBoundary('request', head, 0);
      if (start !== 0) {
        const skip = start > 0 ? start : Math.max(0, head.length - SNIFF_TAIL_BYTES);
        this.skipped += skip;
        this.send.consume(skip);
        if (this.skipped > SNIFF_LIMIT) this.disable('not_http');
        if (start < 0 || this.state === 'disabled') return false;
        continue;
      }
      const eol = head.indexOf(CRLF);
      if (eol < 0) {
        if (head.length > SNIFF_LIMIT) this.disable('not_http');
        return false;
      }
      if (REQUEST_LINE.test(head.toString('latin1', 0, eol + 2))) {
        this.state = 'transferring';
        return true;
      }
      // Looked like a method but is not a request line: look further on.
      this.skipped += 1;
      this.send.consume(1);
    }
  }

  /**
   * The stream is HTTP/2: hand what was buffered while sniffing to the session (each direction
   * from its first held position), and send every later byte straight to it.
   */
  private switchToHttp2(): CompletedExchange[] {
    const h2 = this.h2 as Http2Exchanges;
    this.state = 'transferring';
    this.trace('http2');
    const out: CompletedExchange[] = [];
    for (const [dir, stream] of [['request', this.send], ['response', this.recv]] as const) {
      if (stream.length > 0) out.push(...h2.push(dir, stream.position, Buffer.from(stream.head()), stream.timeAt(stream.position)));
      stream.reset(0);
    }
    return this.fromHttp2(out);
  }

  private fromHttp2(exchanges: CompletedExchange[]): CompletedExchange[] {
    return exchanges.map((ex) => decodeBodies(ex, this.limits.maxDecodedBodyBytes));
  }

  private onDiscontinuity(dir: Direction, outcome: 'gap' | 'over_capacity'): void {
    events.recordsDropped('stream', outcome === 'gap' ? 'gap' : 'over_capacity');
    this.trace(`${dir} ${outcome}`);
    this.resync[dir] = true;
    this.resetParse(dir);
    if (dir === 'response') this.responseLost = true;
  }

  private resetParse(dir: Direction): void {
    const state = dir === 'request' ? this.requestState : this.responseState;
    state.progress = newHttp1ParseState().progress;
  }

  private drain(dir: Direction, eof: boolean): CompletedExchange[] {
    const stream = dir === 'request' ? this.send : this.recv;
    const state = dir === 'request' ? this.requestState : this.responseState;
    const out: CompletedExchange[] = [];
    while (stream.length > 0 && this.state === 'transferring') {
      const head = stream.head();
      if (this.resync[dir]) {
        const at = findFrameBoundary(dir, head, 0);
        if (at < 0) {
          // Keep a short tail: a message start may be split across the next chunk.
          if (head.length > SNIFF_TAIL_BYTES) stream.consume(head.length - SNIFF_TAIL_BYTES);
          break;
        }
        stream.consume(at);
        this.resync[dir] = false;
        continue;
      }
      const result = parseFrame(dir, head, state, { limits: this.limits.http, eof });
      if (result.kind === 'needs-more-data') break;
      if (result.kind === 'invalid') {
        events.recordsDropped('http', 'parse_error');
        this.trace(`${dir} invalid: ${result.reason}`);
        this.resetParse(dir);
        const next = findFrameBoundary(dir, head, 1);
        stream.consume(next < 0 ? head.length : next);
        continue;
      }
      const startPos = stream.position;
      const timed = {
        ...copyMessage(result.frame),
        startUs: stream.timeAt(startPos),
        endUs: stream.timeAt(startPos + result.consumed - 1),
      };
      stream.consume(result.consumed);
      const exchange = this.onMessage(timed);
      if (exchange) out.push(exchange);
    }
    return out;
  }

  private onMessage(m: Timed<Http1Message>): CompletedExchange | null {
    if (m.kind === 'request') {
      this.responseState.pendingRequestMethods.push(m.method);
      this.pending.push(m);
      return null;
    }
    if (m.status === 101) {
      this.disable('upgraded');
      return null;
    }
    if (m.status >= 100 && m.status < 200) return null; // interim (100 Continue): the final one follows
    const index = this.requestAnsweredBy(m);
    if (index < 0) {
      events.recordsDropped('http', 'orphan_response');
      return null;
    }
    if (index > 0) events.recordsDropped('http', 'unanswered_request', index);
    const request = this.pending[index] as Timed<Http1Request>;
    this.pending.splice(0, index + 1);
    return this.complete(request, m);
  }

  /**
   * Which pending request a response answers. Without loss it is the oldest (HTTP/1.1 answers in
   * order, even when pipelined). After response bytes were lost, the responses to some requests
   * may be gone: the answer is then the latest request sent before this response began, and the
   * older ones are unanswered. A response that began before any pending request ended answers a
   * request we never saw (-1).
   */
  private requestAnsweredBy(response: Timed<Http1Response>): number {
    const first = this.pending[0];
    if (!first || first.endUs > response.startUs) return -1;
    if (!this.responseLost) return 0;
    this.responseLost = false;
    let index = 0;
    while (index + 1 < this.pending.length && (this.pending[index + 1] as Timed<Http1Request>).endUs <= response.startUs) index++;
    return index;
  }

  private complete(request: Timed<Http1Request>, response: Timed<Http1Response>): CompletedExchange {
    return decodeBodies(
      {
        protocolVersion: request.version,
        request: {
          method: request.method,
          target: request.target,
          authority: headerValue(request.headers, 'host') ?? null,
          headers: request.headers,
          body: request.body,
          startUs: request.startUs,
          endUs: request.endUs,
        },
        response: { status: response.status, headers: response.headers, body: response.body, firstByteUs: response.startUs, endUs: response.endUs },
        notes: [],
      },
      this.limits.maxDecodedBodyBytes,
    );
  }

  private trace(msg: string): void {
    if (this.tracing) diagnostics.info(`conn ${this.key}: ${msg}`);
  }
}

/** Parsed bodies may be views into the stream buffer, which is reused: keep our own copy. */
function copyMessage<M extends Http1Message>(m: M): M {
  return { ...m, body: Buffer.from(m.body) };
}
