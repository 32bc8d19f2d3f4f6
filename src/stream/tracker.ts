/**
 * Owns every live Connection, keyed by process (tgid + start time) and TLS session pointer, so pid
 * reuse and thread hopping in async runtimes cannot mix two streams. Bounded in count and idle time:
 * what is evicted is counted.
 */
import { events } from '../telemetry/internal-events.js';
import type { StreamId } from '../sensor/records.js';
import { Connection, type CompletedExchange, type StreamLimits } from './connection.js';

export interface TrackerLimits extends StreamLimits {
  maxConnections: number;
  /** A connection with no traffic for this long is closed (its pending state flushed). */
  idleTimeoutUs: number;
}

export interface Closed {
  connection: Connection;
  exchanges: CompletedExchange[];
}

function processKey(tgid: number, startNs: bigint): string {
  return `${tgid}:${startNs}`;
}

export class ConnectionTracker {
  private readonly conns = new Map<string, Connection>();
  private readonly byProcess = new Map<string, Set<string>>();

  constructor(private readonly limits: TrackerLimits) {}

  get size(): number {
    return this.conns.size;
  }

  find(id: StreamId): Connection | undefined {
    return this.conns.get(`${processKey(id.tgid, id.startNs)}:${id.conn}`);
  }

  /** The connection for this stream, created on first sight. Creating past the cap evicts the least recently active one. */
  obtain(id: StreamId, nowUs: number): { connection: Connection; evicted: Closed | null } {
    const pk = processKey(id.tgid, id.startNs);
    const key = `${pk}:${id.conn}`;
    const existing = this.conns.get(key);
    if (existing) return { connection: existing, evicted: null };
    let evicted: Closed | null = null;
    if (this.conns.size >= this.limits.maxConnections) {
      evicted = this.evictLeastRecent();
      events.recordsDropped('stream', 'too_many_connections');
    }
    const connection = new Connection(key, id.tgid, id.startNs, this.limits, nowUs);
    this.conns.set(key, connection);
    let set = this.byProcess.get(pk);
    if (!set) this.byProcess.set(pk, (set = new Set()));
    set.add(key);
    return { connection, evicted };
  }

  closeStream(id: StreamId): Closed | null {
    const c = this.find(id);
    return c ? this.remove(c) : null;
  }

  closeProcess(tgid: number, startNs: bigint): Closed[] {
    const keys = this.byProcess.get(processKey(tgid, startNs));
    if (!keys) return [];
    const out: Closed[] = [];
    for (const key of [...keys]) {
      const c = this.conns.get(key);
      if (c) out.push(this.remove(c));
    }
    return out;
  }

  /** Closes connections idle longer than the limit. */
  sweep(nowUs: number): Closed[] {
    const out: Closed[] = [];
    for (const c of this.conns.values()) {
      if (nowUs - c.lastActivityUs > this.limits.idleTimeoutUs) {
        out.push(this.remove(c)); // close() counts any request left unanswered
      }
    }
    return out;
  }

  closeAll(): Closed[] {
    return [...this.conns.values()].map((c) => this.remove(c));
  }

  private evictLeastRecent(): Closed | null {
    let oldest: Connection | null = null;
    for (const c of this.conns.values()) if (!oldest || c.lastActivityUs < oldest.lastActivityUs) oldest = c;
    return oldest ? this.remove(oldest) : null;
  }

  private remove(c: Connection): Closed {
    this.conns.delete(c.key);
    const pk = processKey(c.pid, c.startNs);
    const set = this.byProcess.get(pk);
    set?.delete(c.key);
    if (set && set.size === 0) this.byProcess.delete(pk);
    return { connection: c, exchanges: c.close() };
  }
}
