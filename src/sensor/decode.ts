/**
 * Turns the loader's stdout (a stream of records, each framed by osprey_hdr.size) into typed
 * records. Reads are large; records are decoded in place with a DataView, and data payloads are
 * views into the read buffer, not copies. A record split across two reads is stitched once.
 */
import { events } from '../telemetry/internal-events.js';
import type { SensorRecord, SensorRecordOf, StreamId } from './records.js';
import {
  ATTACH,
  CLOSE,
  AF_INET,
  AF_INET6,
  CONN,
  DATA,
  EXEC,
  EXIT,
  FLAG_LAST_CHUNK,
  FORK,
  HDR,
  KERNEL_DROP_REASONS,
  READY,
  RECORD_KIND,
  SNI,
  STATS,
  STREAM_ID,
  TLS_LIBRARY,
  type RecordKind,
  type KernelDropReason,
} from './wire.js';

/** Largest record the loader can send (a full data chunk); anything claiming more is corrupt. */
const MAX_RECORD_BYTES = DATA.data + DATA.CHUNK_BYTES;

const KIND_BY_NUMBER = new Map<number, RecordKind>(
  Object.entries(RECORD_KIND).map(([name, num]) => [num, name as RecordKind]),
);

/** Minimum size of each kind, below which a record cannot be decoded. */
const MIN_SIZE: { [K in RecordKind]: number } = {
  data: DATA.data,
  conn: CONN.SIZE,
  sni: SNI.SIZE,
  close: CLOSE.SIZE,
  exec: EXEC.SIZE,
  fork: FORK.SIZE,
  exit: EXIT.SIZE,
  stats: STATS.SIZE,
  attach: ATTACH.SIZE,
  ready: READY.SIZE,
};

function cString(buf: Buffer, start: number, maxLen: number): string {
  const end = buf.indexOf(0, start);
  const stop = end === -1 || end > start + maxLen ? start + maxLen : end;
  return buf.toString('utf8', start, stop);
}

/** NUL-separated argv → one line, as /proc/PID/cmdline is usually shown. */
function argv(buf: Buffer, start: number, len: number): string {
  let end = start + len;
  while (end > start && buf[end - 1] === 0) end--;
  return buf.toString('utf8', start, end).replaceAll('\0', ' ');
}

function streamId(v: DataView, off: number): StreamId {
  return {
    tgid: v.getUint32(off + STREAM_ID.tgid, true),
    tid: v.getUint32(off + STREAM_ID.tid, true),
    startNs: v.getBigUint64(off + STREAM_ID.startNs, true),
    conn: v.getBigUint64(off + STREAM_ID.conn, true),
  };
}

function ipAddress(buf: Buffer, at: number, family: number): string {
  if (family === AF_INET) return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(at + i).toString(16));
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is how dual-stack sockets show IPv4 peers.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    return `${buf[at + 12]}.${buf[at + 13]}.${buf[at + 14]}.${buf[at + 15]}`;
  }
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

type Decoder<K extends RecordKind> = (buf: Buffer, v: DataView, off: number, size: number, ktimeNs: bigint, flags: number) => SensorRecordOf<K>;

const decoders: { [K in RecordKind]: Decoder<K> } = {
  data: (buf, v, off, size, ktimeNs, flags) => {
    const len = Math.min(v.getUint32(off + DATA.len, true), size - DATA.data);
    return {
      kind: 'data',
      ktimeNs,
      id: streamId(v, off),
      pos: Number(v.getBigUint64(off + DATA.pos, true)),
      direction: v.getUint8(off + DATA.dir) === 0 ? 'egress' : 'ingress',
      library: TLS_LIBRARY[v.getUint8(off + DATA.lib) as keyof typeof TLS_LIBRARY] ?? 'openssl',
      lastChunk: (flags & FLAG_LAST_CHUNK) !== 0,
      payload: buf.subarray(off + DATA.data, off + DATA.data + len),
    };
  },
  conn: (buf, v, off, _size, ktimeNs) => {
    const family = v.getUint16(off + CONN.family, true);
    return {
      kind: 'conn',
      ktimeNs,
      id: streamId(v, off),
      fd: v.getInt32(off + CONN.fd, true),
      family: family === AF_INET6 ? 'ipv6' : 'ipv4',
      localAddress: ipAddress(buf, off + CONN.saddr, family),
      localPort: v.getUint16(off + CONN.sport, true),
      remoteAddress: ipAddress(buf, off + CONN.daddr, family),
      remotePort: v.getUint16(off + CONN.dport, true),
    };
  },
  sni: (buf, v, off, _size, ktimeNs) => ({ kind: 'sni', ktimeNs, id: streamId(v, off), serverName: cString(buf, off + SNI.name, SNI.NAME_LEN) }),
  close: (_buf, v, off, _size, ktimeNs) => ({ kind: 'close', ktimeNs, id: streamId(v, off) }),
  exec: (buf, v, off, _size, ktimeNs) => ({
    kind: 'exec',
    ktimeNs,
    tgid: v.getUint32(off + EXEC.tgid, true),
    ppid: v.getUint32(off + EXEC.ppid, true),
    startNs: v.getBigUint64(off + EXEC.startNs, true),
    uid: v.getUint32(off + EXEC.uid, true),
    comm: cString(buf, off + EXEC.comm, EXEC.COMM_LEN),
    filename: cString(buf, off + EXEC.filename, EXEC.PATH_LEN),
    commandLine: argv(buf, off + EXEC.args, Math.min(v.getUint32(off + EXEC.argsLen, true), EXEC.ARGS_LEN)),
    commandLineTruncated: v.getUint32(off + EXEC.argsTruncated, true) !== 0,
  }),
  fork: (_buf, v, off, _size, ktimeNs) => ({
    kind: 'fork',
    ktimeNs,
    parentTgid: v.getUint32(off + FORK.parentTgid, true),
    childTgid: v.getUint32(off + FORK.childTgid, true),
    childStartNs: v.getBigUint64(off + FORK.childStartNs, true),
  }),
  exit: (_buf, v, off, _size, ktimeNs) => ({
    kind: 'exit',
    ktimeNs,
    tgid: v.getUint32(off + EXIT.tgid, true),
    exitCode: v.getInt32(off + EXIT.exitCode, true),
    startNs: v.getBigUint64(off + EXIT.startNs, true),
  }),
  stats: (_buf, v, off, _size, ktimeNs) => {
    const drops = {} as Record<KernelDropReason, number>;
    KERNEL_DROP_REASONS.forEach((reason, i) => {
      drops[reason] = Number(v.getBigUint64(off + STATS.drops + i * 8, true));
    });
    return { kind: 'stats', ktimeNs, drops };
  },
  attach: (buf, v, off, _size, ktimeNs) => ({
    kind: 'attach',
    ktimeNs,
    targetId: v.getUint32(off + ATTACH.targetId, true),
    status: v.getInt32(off + ATTACH.status, true),
    probe: cString(buf, off + ATTACH.probe, ATTACH.PROBE_LEN),
  }),
  ready: (_buf, v, off, _size, ktimeNs) => ({
    kind: 'ready',
    ktimeNs,
    loaderPid: v.getUint32(off + READY.loaderPid, true),
    ringbufBytes: v.getUint32(off + READY.ringbufBytes, true),
  }),
};

export class RecordDecoder {
  /** Bytes of a record that straddled the previous read. */
  private carry: Buffer | null = null;

  /**
   * Decodes every complete record in `chunk` and calls `onRecord` for each, in order. Records
   * (and data payload views) are valid only during the callback. Only a record that straddles two
   * reads is copied, never the rest of the read.
   */
  push(chunk: Buffer, onRecord: (r: SensorRecord) => void): void {
    const from = this.carry ? this.completeCarry(chunk, onRecord) : 0;
    if (from >= chunk.length) return;
    const end = this.decodeRun(chunk, from, onRecord);
    if (end >= 0 && end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
  }

  /** Completes the straddling record from the front of `chunk`; returns how many bytes of it were used. */
  private completeCarry(chunk: Buffer, onRecord: (r: SensorRecord) => void): number {
    let carry = this.carry as Buffer;
    let used = 0;
    if (carry.length < HDR.SIZE) {
      used = Math.min(HDR.SIZE - carry.length, chunk.length);
      carry = Buffer.concat([carry, chunk.subarray(0, used)]);
    }
    if (carry.length >= HDR.SIZE) {
      const missing = Math.max(0, carry.readUInt32LE(HDR.size) - carry.length);
      const take = Math.min(missing, chunk.length - used);
      carry = Buffer.concat([carry, chunk.subarray(used, used + take)]);
      used += take;
      if (take === missing) {
        this.carry = null;
        return this.decodeRun(carry, 0, onRecord) < 0 ? chunk.length : used;
      }
    }
    this.carry = carry;
    return chunk.length;
  }

  /** Decodes complete records from `off`; returns where the first incomplete one starts, or -1 if framing broke. */
  private decodeRun(buf: Buffer, off: number, onRecord: (r: SensorRecord) => void): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (buf.length - off >= HDR.SIZE) {
      const kindNum = view.getUint16(off + HDR.kind, true);
      const size = view.getUint32(off + HDR.size, true);
      if (size < HDR.SIZE || size > MAX_RECORD_BYTES) {
        // The framing itself is broken: nothing after this point can be trusted.
        events.recordsDropped('decode', 'short_record');
        return -1;
      }
      if (buf.length - off < size) break;
      const kind = KIND_BY_NUMBER.get(kindNum);
      if (kind === undefined) {
        events.recordsDropped('decode', 'unknown_kind');
      } else if (size < MIN_SIZE[kind]) {
        events.recordsDropped('decode', 'short_record');
      } else {
        const ktimeNs = view.getBigUint64(off + HDR.ktimeNs, true);
        const flags = view.getUint16(off + HDR.flags, true);
        onRecord((decoders[kind] as Decoder<typeof kind>)(buf, view, off, size, ktimeNs, flags));
      }
      off += size;
    }
    return off;
  }
}
