/**
 * Loader recordings (`osprey agent --record`): walking their framing, cutting out the records of
 * chosen processes (so a replay measures one client's traffic, not whatever else ran on the host),
 * and synthesising long exchange sequences for the leak check. Layouts come from src/sensor/wire.ts.
 */
import { DATA, EXEC, EXIT, FORK, HDR, RECORD_KIND, STREAM_ID } from '../../src/sensor/wire.js';
import { dataRecords, sniRecord, closeRecord, execRecord, exitRecord } from '../../test/helpers/sensor-records.js';

const WITH_STREAM_ID = new Set<number>([RECORD_KIND.data, RECORD_KIND.conn, RECORD_KIND.sni, RECORD_KIND.close]);

export interface RecordingSummary {
  bytes: number;
  records: number;
  byKind: Record<string, number>;
  /** Plaintext payload bytes of data records. */
  payloadBytes: number;
  tgids: number;
}

const KIND_NAME = new Map<number, string>(Object.entries(RECORD_KIND).map(([k, v]) => [v, k]));

/** Calls `visit(offset, size, kind, tgid)` for every complete record; tgid is null for records without one. */
export function forEachRecord(buf: Buffer, visit: (off: number, size: number, kind: number, tgid: number | null) => void): void {
  let off = 0;
  while (buf.length - off >= HDR.SIZE) {
    const kind = buf.readUInt16LE(off + HDR.kind);
    const size = buf.readUInt32LE(off + HDR.size);
    if (size < HDR.SIZE || off + size > buf.length) break;
    let tgid: number | null = null;
    if (WITH_STREAM_ID.has(kind)) tgid = buf.readUInt32LE(off + STREAM_ID.tgid);
    else if (kind === RECORD_KIND.exec) tgid = buf.readUInt32LE(off + EXEC.tgid);
    else if (kind === RECORD_KIND.exit) tgid = buf.readUInt32LE(off + EXIT.tgid);
    else if (kind === RECORD_KIND.fork) tgid = buf.readUInt32LE(off + FORK.childTgid);
    visit(off, size, kind, tgid);
    off += size;
  }
}

export function summarize(buf: Buffer): RecordingSummary {
  const s: RecordingSummary = { bytes: buf.length, records: 0, byKind: {}, payloadBytes: 0, tgids: 0 };
  const tgids = new Set<number>();
  forEachRecord(buf, (off, _size, kind, tgid) => {
    s.records++;
    const name = KIND_NAME.get(kind) ?? `kind${kind}`;
    s.byKind[name] = (s.byKind[name] ?? 0) + 1;
    if (kind === RECORD_KIND.data) s.payloadBytes += buf.readUInt32LE(off + DATA.len);
    if (tgid !== null) tgids.add(tgid);
  });
  s.tgids = tgids.size;
  return s;
}

/** The records of the given processes (stream records, and their exec/fork/exit), in order. */
export function filterByTgids(buf: Buffer, tgids: ReadonlySet<number>): Buffer {
  const parts: Buffer[] = [];
  forEachRecord(buf, (off, size, _kind, tgid) => {
    if (tgid !== null && tgids.has(tgid)) parts.push(buf.subarray(off, off + size));
  });
  return Buffer.concat(parts);
}

/**
 * A generator of synthetic LLM traffic for the 1M-exchange leak check: connections of
 * `perConnection` keep-alive chat completions (small JSON both ways) with SNI api.openai.com and a
 * close at the end; a new process (exec … exit) every `connectionsPerProcess` connections, so the
 * connection table and the process table both churn as on a long-lived host. One connection's
 * records are built once as a template; each new connection is a copy with its own stream id and
 * current timestamps patched in, so generating traffic costs little next to handling it.
 */
export class SyntheticTraffic {
  private conn = 0n;
  private procIndex = 0;
  private connsInProcess = 0;
  private tgid = 0;
  private startNs = 0n;
  private readonly template: Buffer;
  private readonly offsets: number[] = [];

  constructor(
    private readonly perConnection = 10,
    private readonly connectionsPerProcess = 1000,
  ) {
    const id = { tgid: 1, startNs: 1n, conn: 1n };
    const parts: Buffer[] = [sniRecord(id, 'api.openai.com', 1n)];
    let sent = 0;
    let received = 0;
    for (let i = 0; i < perConnection; i++) {
      const req = SyntheticTraffic.request(i);
      const res = SyntheticTraffic.response(i);
      parts.push(...dataRecords(id, 'egress', sent, req, 1n));
      parts.push(...dataRecords(id, 'ingress', received, res, 1n));
      sent += req.length;
      received += res.length;
    }
    parts.push(closeRecord(id, 1n));
    this.template = Buffer.concat(parts);
    forEachRecord(this.template, (off) => this.offsets.push(off));
    this.newProcess();
  }

  private static request(n: number): Buffer {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a terse assistant.' },
        { role: 'user', content: `Summarise ticket ${n}: the checkout service returned 502s for four minutes after a deploy.` },
      ],
      max_tokens: 64,
    });
    return Buffer.from(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nAuthorization: Bearer sk-bench-0000000000000000000000000000\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private static response(n: number): Buffer {
    const body = JSON.stringify({
      id: `chatcmpl-synth${n}`,
      object: 'chat.completion',
      created: 1_760_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Deploy regression; rolled back after four minutes.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 41, completion_tokens: 11, total_tokens: 52 },
    });
    return Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  private newProcess(): void {
    this.procIndex++;
    this.tgid = 3_000_000 + this.procIndex;
    this.startNs = BigInt(this.procIndex) * 1_000_000n;
    this.connsInProcess = 0;
  }

  /** Sensor output for the next connection (and process start/end around it when due); `exchanges` counts its calls. */
  nextConnection(): { bytes: Buffer; exchanges: number } {
    const now = process.hrtime.bigint();
    const conn = Buffer.from(this.template);
    const connId = 0x7f0000000000n + ++this.conn * 0x1000n;
    for (const off of this.offsets) {
      conn.writeBigUInt64LE(now, off + HDR.ktimeNs);
      conn.writeUInt32LE(this.tgid, off + STREAM_ID.tgid);
      conn.writeUInt32LE(this.tgid, off + STREAM_ID.tid);
      conn.writeBigUInt64LE(this.startNs, off + STREAM_ID.startNs);
      conn.writeBigUInt64LE(connId, off + STREAM_ID.conn);
    }
    const parts: Buffer[] = [];
    if (this.connsInProcess === 0) parts.push(execRecord(this.tgid, this.startNs, 'synth-agent', '/usr/bin/synth-agent', now));
    parts.push(conn);
    this.connsInProcess++;
    if (this.connsInProcess >= this.connectionsPerProcess) {
      parts.push(exitRecord(this.tgid, this.startNs, now));
      this.newProcess();
    }
    return { bytes: parts.length === 1 ? conn : Buffer.concat(parts), exchanges: this.perConnection };
  }
}
