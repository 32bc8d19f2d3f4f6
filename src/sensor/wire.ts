/**
 * Byte layouts of the loader's records. Keep in sync with bpf/events.h: the layout test compiles a
 * C file printing sizeof/offsetof for those structs and compares it with these tables.
 */

export const RECORD_KIND = {
  data: 1,
  conn: 2,
  sni: 3,
  close: 4,
  exec: 5,
  fork: 6,
  exit: 7,
  stats: 8,
  attach: 9,
  ready: 10,
} as const;
export type RecordKind = keyof typeof RECORD_KIND;

export const HDR = { kind: 0, flags: 2, size: 4, ktimeNs: 8, SIZE: 16 } as const;
export const FLAG_LAST_CHUNK = 0x1;

/** struct osprey_stream_id, at offset 16 of the records that carry one. */
export const STREAM_ID = { tgid: 16, tid: 20, startNs: 24, conn: 32 } as const;

export const DATA = { pos: 40, len: 48, dir: 52, lib: 53, data: 56, CHUNK_BYTES: 16384 } as const;
export const CONN = { fd: 40, family: 44, sport: 46, dport: 48, lib: 50, saddr: 56, daddr: 72, SIZE: 88 } as const;
export const SNI = { name: 40, NAME_LEN: 256, SIZE: 296 } as const;
export const CLOSE = { SIZE: 40 } as const;
export const EXEC = { tgid: 16, ppid: 20, startNs: 24, uid: 32, comm: 40, filename: 56, argsLen: 312, argsTruncated: 316, args: 320, COMM_LEN: 16, PATH_LEN: 256, ARGS_LEN: 1024, SIZE: 1344 } as const;
export const FORK = { parentTgid: 16, childTgid: 20, childStartNs: 24, SIZE: 32 } as const;
export const EXIT = { tgid: 16, exitCode: 20, startNs: 24, SIZE: 32 } as const;
export const STATS = { drops: 16, SIZE: 48 } as const;
export const ATTACH = { targetId: 16, status: 20, probe: 24, PROBE_LEN: 32, SIZE: 56 } as const;
export const READY = { loaderPid: 16, ringbufBytes: 20, SIZE: 24 } as const;

/** Kernel drop reasons, indexed as enum osprey_drop_reason. */
export const KERNEL_DROP_REASONS = ['ringbuf_full_data', 'ringbuf_full_meta', 'too_large', 'read_fault'] as const;
export type KernelDropReason = (typeof KERNEL_DROP_REASONS)[number];

/** Where plaintext came from: a TLS library, or a plaintext socket on a watched port ('none'). */
export const TLS_LIBRARY = { 1: 'openssl', 2: 'gnutls', 3: 'none' } as const;
export type TlsLibrary = (typeof TLS_LIBRARY)[keyof typeof TLS_LIBRARY];

export const AF_INET = 2;
export const AF_INET6 = 10;
