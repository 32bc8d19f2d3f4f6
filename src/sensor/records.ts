import type { KernelDropReason, TlsLibrary } from './wire.js';

/** Identity of one TLS stream: process (tgid + start time, so pid reuse cannot mix streams) and session pointer. */
export interface StreamId {
  tgid: number;
  tid: number;
  /** Process start, boot-time ns (as /proc/PID/stat starttime, finer). */
  startNs: bigint;
  /** SSL* or gnutls_session_t, as a bigint. */
  conn: bigint;
}

export interface DataRecord {
  kind: 'data';
  ktimeNs: bigint;
  id: StreamId;
  /** Offset of the first byte in this stream direction. */
  pos: number;
  direction: 'egress' | 'ingress';
  library: TlsLibrary;
  lastChunk: boolean;
  /** A view into the loader's read buffer: valid only until the decoder's next push; copy to keep. */
  payload: Buffer;
}

export interface ConnRecord {
  kind: 'conn';
  ktimeNs: bigint;
  id: StreamId;
  fd: number;
  family: 'ipv4' | 'ipv6';
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export interface SniRecord {
  kind: 'sni';
  ktimeNs: bigint;
  id: StreamId;
  serverName: string;
}

export interface CloseRecord {
  kind: 'close';
  ktimeNs: bigint;
  id: StreamId;
}

export interface ExecRecord {
  kind: 'exec';
  ktimeNs: bigint;
  tgid: number;
  ppid: number;
  startNs: bigint;
  uid: number;
  comm: string;
  filename: string;
  /** argv joined by spaces, as the kernel saw it at exec. */
  commandLine: string;
  /** argv was longer than the record carries: /proc/PID/cmdline has the rest, if still there. */
  commandLineTruncated: boolean;
}

export interface ForkRecord {
  kind: 'fork';
  ktimeNs: bigint;
  parentTgid: number;
  childTgid: number;
  childStartNs: bigint;
}

export interface ExitRecord {
  kind: 'exit';
  ktimeNs: bigint;
  tgid: number;
  startNs: bigint;
  exitCode: number;
}

export interface StatsRecord {
  kind: 'stats';
  ktimeNs: bigint;
  /** Cumulative since the loader started. */
  drops: Record<KernelDropReason, number>;
}

export interface AttachRecord {
  kind: 'attach';
  ktimeNs: bigint;
  targetId: number;
  probe: string;
  /** 0 attached, negative errno otherwise. */
  status: number;
}

export interface ReadyRecord {
  kind: 'ready';
  ktimeNs: bigint;
  loaderPid: number;
  ringbufBytes: number;
}

export type SensorRecord =
  | DataRecord
  | ConnRecord
  | SniRecord
  | CloseRecord
  | ExecRecord
  | ForkRecord
  | ExitRecord
  | StatsRecord
  | AttachRecord
  | ReadyRecord;

export type SensorRecordOf<K extends SensorRecord['kind']> = Extract<SensorRecord, { kind: K }>;
