/**
 * A stand-in for the Osprey server (and an OTLP collector) for sink tests: a real node:http server
 * on 127.0.0.1 that can be stopped and restarted on the same port, made slow, made to hold
 * requests, or made to answer 503/413/401. It deduplicates records by span id, as the real server
 * does, and keeps a log of every request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { LlmCall } from '../../telemetry/llm-call.js';

export interface RequestLog {
  path: string;
  status: number;
  records: number;
  at: number;
  headers: IncomingMessage['headers'];
}

export interface Behaviour {
  /** Answer every ingest request with this status (and Retry-After when set). */
  status?: number;
  retryAfter?: string;
  /** Answer this many requests with `status`, then behave normally. */
  statusTimes?: number;
  /** 413 for batches with more records than this. */
  maxRecords?: number;
  /** Delay every answer. */
  delayMs?: number;
  /** Hold every answer until release() is called. */
  hold?: boolean;
  /** Records (by span id) answered as rejected in a 200. */
  rejectSpanIds?: Set<string>;
}

export class IngestServer {
  readonly received = new Map<string, LlmCall>();
  /** OTLP spans received, by spanId. */
  readonly spans = new Map<string, Record<string, unknown>>();
  readonly otlpBodies: unknown[] = [];
  readonly log: RequestLog[] = [];
  totalRecords = 0;
  behaviour: Behaviour = {};
  token = 'test-token';
  private server: Server | null = null;
  private port = 0;
  private held: Array<() => void> = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  async start(): Promise<this> {
    // A client killed mid-request (the kill -9 test) must not take the test process down with it.
    const server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the listener and every open connection: clients then see ECONNREFUSED. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.release();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) h();
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${this.received.size} records, ${this.spans.size} spans, ${this.log.length} requests`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  waitForRecords(n: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.received.size >= n, timeoutMs, `${n} records`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    const b = this.behaviour;
    const answer = async (status: number, body: unknown, records: number, headers: Record<string, string> = {}): Promise<void> => {
      if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
      if (b.hold) await new Promise<void>((r) => this.held.push(r));
      this.log.push({ path: req.url ?? '', status, records, at: Date.now(), headers: req.headers });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/api/health') return answer(200, { status: 'ok' }, 0);
    if (req.method !== 'POST') return answer(404, { error: 'not found' }, 0);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const body = JSON.parse(raw.toString('utf8')) as { records?: LlmCall[]; resourceSpans?: unknown[] };
    const isOtlp = req.url === '/v1/traces';
    const count = isOtlp ? countSpans(body) : (body.records?.length ?? 0);
    if (b.status !== undefined && (b.statusTimes === undefined || b.statusTimes > 0)) {
      if (b.statusTimes !== undefined) b.statusTimes--;
      return answer(b.status, { error: `status ${b.status}` }, count, b.retryAfter !== undefined ? { 'retry-after': b.retryAfter } : {});
    }
    if (!isOtlp && req.headers.authorization !== `Bearer ${this.token}`) return answer(401, { error: 'bad token' }, count);
    if (b.maxRecords !== undefined && count > b.maxRecords) return answer(413, { error: 'too large' }, count);
    if (isOtlp) {
      this.otlpBodies.push(body);
      for (const rs of (body.resourceSpans ?? []) as Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>) {
        for (const ss of rs.scopeSpans) for (const s of ss.spans) this.spans.set(s.spanId as string, s);
      }
      return answer(200, {}, count);
    }
    const errors: Array<{ index: number; error: string }> = [];
    (body.records ?? []).forEach((r, index) => {
      this.totalRecords++;
      if (b.rejectSpanIds?.has(r.span_id)) errors.push({ index, error: 'rejected by test' });
      else this.received.set(r.span_id, r);
    });
    return answer(200, { accepted: count - errors.length, rejected: errors.length, errors }, count);
  }
}

function countSpans(body: { resourceSpans?: unknown[] }): number {
  let n = 0;
  for (const rs of (body.resourceSpans ?? []) as Array<{ scopeSpans: Array<{ spans: unknown[] }> }>) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}
