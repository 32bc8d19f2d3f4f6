/**
 * Builds loader records byte for byte (the inverse of src/sensor/decode.ts), so the pipeline can
 * be fed exact sensor output without a kernel: splits, gaps and drops on demand.
 */
import { CONN, DATA, FLAG_LAST_CHUNK, HDR, RECORD_KIND, SNI, STREAM_ID, EXEC, EXIT, AF_INET } from '../../src/sensor/wire.js';

export interface StreamIdInput {
  tgid: number;
  tid?: number;
  startNs: bigint;
  conn: bigint;
}

function header(buf: Buffer, kind: number, size: number, ktimeNs: bigint, flags = 0): void {
  buf.writeUInt16LE(kind, HDR.kind);
  buf.writeUInt16LE(flags, HDR.flags);
  buf.writeUInt32LE(size, HDR.size);
  buf.writeBigUInt64LE(ktimeNs, HDR.ktimeNs);
}

function streamId(buf: Buffer, id: StreamIdInput): void {
  buf.writeUInt32LE(id.tgid, STREAM_ID.tgid);
  buf.writeUInt32LE(id.tid ?? id.tgid, STREAM_ID.tid);
  buf.writeBigUInt64LE(id.startNs, STREAM_ID.startNs);
  buf.writeBigUInt64LE(id.conn, STREAM_ID.conn);
}

export function dataRecord(id: StreamIdInput, dir: 'egress' | 'ingress', pos: number, payload: Buffer, ktimeNs: bigint, last = true): Buffer {
  const size = DATA.data + payload.length;
  const buf = Buffer.alloc(size);
  header(buf, RECORD_KIND.data, size, ktimeNs, last ? FLAG_LAST_CHUNK : 0);
  streamId(buf, id);
  buf.writeBigUInt64LE(BigInt(pos), DATA.pos);
  buf.writeUInt32LE(payload.length, DATA.len);
  buf.writeUInt8(dir === 'egress' ? 0 : 1, DATA.dir);
  buf.writeUInt8(1, DATA.lib);
  payload.copy(buf, DATA.data);
  return buf;
}

/** One TLS call's payload as the kernel sends it: chunks of at most DATA.CHUNK_BYTES. */
export function dataRecords(id: StreamIdInput, dir: 'egress' | 'ingress', pos: number, payload: Buffer, ktimeNs: bigint): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += DATA.CHUNK_BYTES) {
    const piece = payload.subarray(off, off + DATA.CHUNK_BYTES);
    out.push(dataRecord(id, dir, pos + off, piece, ktimeNs, off + piece.length >= payload.length));
  }
  return out;
}

export function sniRecord(id: StreamIdInput, name: string, ktimeNs: bigint): Buffer {
  const buf = Buffer.alloc(SNI.SIZE);
  header(buf, RECORD_KIND.sni, SNI.SIZE, ktimeNs);
  streamId(buf, id);
  buf.write(name, SNI.name, 'utf8');
  return buf;
}

export function connRecord(id: StreamIdInput, local: [string, number], remote: [string, number], ktimeNs: bigint): Buffer {
  const buf = Buffer.alloc(CONN.SIZE);
  header(buf, RECORD_KIND.conn, CONN.SIZE, ktimeNs);
  streamId(buf, id);
  buf.writeInt32LE(5, CONN.fd);
  buf.writeUInt16LE(AF_INET, CONN.family);
  buf.writeUInt16LE(local[1], CONN.sport);
  buf.writeUInt16LE(remote[1], CONN.dport);
  Buffer.from(local[0].split('.').map(Number)).copy(buf, CONN.saddr);
  Buffer.from(remote[0].split('.').map(Number)).copy(buf, CONN.daddr);
  return buf;
}

export function closeRecord(id: StreamIdInput, ktimeNs: bigint): Buffer {
  const buf = Buffer.alloc(STREAM_ID.conn + 8);
  header(buf, RECORD_KIND.close, buf.length, ktimeNs);
  streamId(buf, id);
  return buf;
}

export function execRecord(tgid: number, startNs: bigint, comm: string, filename: string, ktimeNs: bigint, args: string[] = [comm, 'agent.py', '--fast']): Buffer {
  const buf = Buffer.alloc(EXEC.SIZE);
  header(buf, RECORD_KIND.exec, EXEC.SIZE, ktimeNs);
  buf.writeUInt32LE(tgid, EXEC.tgid);
  buf.writeUInt32LE(1, EXEC.ppid);
  buf.writeBigUInt64LE(startNs, EXEC.startNs);
  buf.write(comm, EXEC.comm, 'utf8');
  buf.write(filename, EXEC.filename, 'utf8');
  const argv = Buffer.from(args.map((a) => `${a}\0`).join(''));
  argv.copy(buf, EXEC.args);
  buf.writeUInt32LE(argv.length, EXEC.argsLen);
  return buf;
}

export function exitRecord(tgid: number, startNs: bigint, ktimeNs: bigint): Buffer {
  const buf = Buffer.alloc(EXIT.SIZE);
  header(buf, RECORD_KIND.exit, EXIT.SIZE, ktimeNs);
  buf.writeUInt32LE(tgid, EXIT.tgid);
  buf.writeBigUInt64LE(startNs, EXIT.startNs);
  return buf;
}
