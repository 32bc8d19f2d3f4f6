/**
 * HTTP/2 for a Connection: feeds both directions of captured plaintext into one Http2Session,
 * turns position jumps (bytes lost in the kernel) into session gaps, and reports the session's
 * dropped streams as internal events.
 */
import { Http2Session } from '../protocols/http2/session.js';
import { HTTP2_DROP_REASONS, type H2Exchange, type Http2DropReason, type Http2Limits } from '../protocols/http2/types.js';
import type { Direction } from '../protocols/types.js';
import { events } from '../telemetry/internal-events.js';
import type { CompletedExchange } from './exchange.js';

export class Http2Exchanges {
  private readonly session: Http2Session;
  /** Stream position expected next in each direction; null until the first byte. */
  private readonly nextPos: Record<Direction, number | null> = { request: null, response: null };
  private readonly reported = new Map<Http2DropReason, number>();

  constructor(limits: Partial<Http2Limits> = {}) {
    this.session = new Http2Session(limits);
  }

  push(dir: Direction, pos: number, payload: Buffer, tsUs: number): CompletedExchange[] {
    const expected = this.nextPos[dir];
    if (expected !== null && pos !== expected) {
      events.recordsDropped('stream', 'gap');
      this.session.gap(dir);
    }
    this.nextPos[dir] = pos + payload.length;
    return this.collect(this.session.push(dir, payload, tsUs));
  }

  close(): CompletedExchange[] {
    return this.collect(this.session.end());
  }

  private collect(exchanges: H2Exchange[]): CompletedExchange[] {
    for (const reason of HTTP2_DROP_REASONS) {
      const total = this.session.stats.streamsDropped[reason];
      const before = this.reported.get(reason) ?? 0;
      if (total > before) events.recordsDropped('http', `h2_${reason}`, total - before);
      this.reported.set(reason, total);
    }
    return exchanges.map(toCompleted);
  }
}

function toCompleted(h: H2Exchange): CompletedExchange {
  return {
    protocolVersion: '2',
    request: { ...h.request },
    response: { status: h.response.status, headers: h.response.headers, body: h.response.body, firstByteUs: h.response.firstByteUs, endUs: h.response.endUs },
    notes: h.notes,
  };
}
