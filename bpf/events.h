/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Record layouts shared by the kernel programs (sensor.bpf.c), the loader (loader.c) and the
 * TypeScript decoder (src/sensor/wire.ts). Every record starts with struct osprey_hdr, whose
 * `size` is the whole record length, so the loader's stdout is a plain length-prefixed stream.
 *
 * Keep in sync with src/sensor/wire.ts: test/e2e/wire-layout.test.ts compiles a C file that prints
 * sizeof/offsetof of these structs and compares them with the TypeScript layout table.
 */
#ifndef OSPREY_EVENTS_H
#define OSPREY_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Plaintext bytes copied per data record; larger payloads become several ordered records. */
#define OSP_CHUNK_BYTES 16384
/* Upper bound on chunks for one TLS call (OSP_CHUNK_BYTES * this = 64 MiB); beyond it, a counted gap. */
#define OSP_MAX_CHUNKS 4096
#define OSP_COMM_LEN 16
#define OSP_PATH_LEN 256
#define OSP_SNI_LEN 256
/* Command line bytes carried by an exec record (NUL-separated argv), enough for most; longer ones are flagged. */
#define OSP_ARGS_LEN 1024
#define OSP_PROBE_NAME_LEN 32

enum osprey_kind {
	OSP_KIND_DATA = 1,   /* plaintext read/written through a TLS library */
	OSP_KIND_CONN = 2,   /* a TLS stream is tied to a socket: fd and 5-tuple */
	OSP_KIND_SNI = 3,    /* server name the client set for a TLS stream */
	OSP_KIND_CLOSE = 4,  /* stream ended (SSL_shutdown / SSL_free / gnutls_deinit / close(2)) */
	OSP_KIND_EXEC = 5,   /* a process executed a new program */
	OSP_KIND_FORK = 6,   /* a new process (not a thread) was created */
	OSP_KIND_EXIT = 7,   /* a process (thread-group leader) exited */
	OSP_KIND_STATS = 8,  /* loader: cumulative drop counters, once a second */
	OSP_KIND_ATTACH = 9, /* loader: result of attaching one probe to one binary */
	OSP_KIND_READY = 10, /* loader: programs loaded, tracepoints attached, commands accepted */
};

enum osprey_dir { OSP_DIR_EGRESS = 0, OSP_DIR_INGRESS = 1 };

/* Where the plaintext came from: a TLS library, or a plaintext socket on a configured port. */
enum osprey_tls_lib { OSP_LIB_OPENSSL = 1, OSP_LIB_GNUTLS = 2, OSP_LIB_NONE = 3 };

/* Most iovec segments copied from one readv/writev/sendmsg/recvmsg; the rest is a counted gap. */
#define OSP_MAX_IOV 8

/* Why the kernel side could not deliver something; indexes the drop counter array. */
enum osprey_drop_reason {
	OSP_DROP_RINGBUF_FULL_DATA = 0, /* a data chunk did not fit in the ring buffer */
	OSP_DROP_RINGBUF_FULL_META = 1, /* a non-data record (exec, conn, close…) did not fit */
	OSP_DROP_TOO_LARGE = 2,         /* one TLS call larger than OSP_MAX_CHUNKS chunks */
	OSP_DROP_READ_FAULT = 3,        /* user memory could not be read */
	OSP_DROP_MAX = 4,
};

/* Header flags. */
#define OSP_FLAG_LAST_CHUNK 0x1 /* last chunk of one TLS read/write call */

struct osprey_hdr {
	__u16 kind;
	__u16 flags;
	__u32 size;
	__u64 ktime_ns; /* CLOCK_MONOTONIC */
};

/* Identity of a stream: the process (tgid + start time, so pid reuse cannot mix streams) and the
 * library's session pointer (SSL* or gnutls_session_t), or for a plaintext socket a connection
 * number the kernel side assigns at connect() (high bit set, so it never equals a pointer). */
struct osprey_stream_id {
	__u32 tgid;
	__u32 tid;
	__u64 start_ns; /* process start, boot-time ns, same clock as /proc/PID/stat starttime */
	__u64 conn;     /* SSL* / gnutls_session_t / plaintext connection number */
};

struct osprey_data {
	struct osprey_hdr hdr;
	struct osprey_stream_id id;
	__u64 pos; /* offset of data[0] in this stream direction; a jump means bytes were lost */
	__u32 len;
	__u8 dir;
	__u8 lib;
	__u16 pad;
	__u8 data[OSP_CHUNK_BYTES];
};

struct osprey_conn {
	struct osprey_hdr hdr;
	struct osprey_stream_id id;
	__s32 fd;
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 sport;  /* host order */
	__u16 dport;  /* host order */
	__u8 lib;
	__u8 pad[5];
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

struct osprey_sni {
	struct osprey_hdr hdr;
	struct osprey_stream_id id;
	char name[OSP_SNI_LEN];
};

struct osprey_close {
	struct osprey_hdr hdr;
	struct osprey_stream_id id;
};

struct osprey_exec {
	struct osprey_hdr hdr;
	__u32 tgid;
	__u32 ppid;
	__u64 start_ns;
	__u32 uid;
	__u32 pad;
	char comm[OSP_COMM_LEN];
	char filename[OSP_PATH_LEN];
	__u32 args_len;       /* bytes of args[] used */
	__u32 args_truncated; /* 1 when argv was longer than OSP_ARGS_LEN */
	char args[OSP_ARGS_LEN];
};

struct osprey_fork {
	struct osprey_hdr hdr;
	__u32 parent_tgid;
	__u32 child_tgid;
	__u64 child_start_ns;
};

struct osprey_exit {
	struct osprey_hdr hdr;
	__u32 tgid;
	__s32 exit_code;
	__u64 start_ns;
};

struct osprey_stats {
	struct osprey_hdr hdr;
	__u64 drops[OSP_DROP_MAX];
};

struct osprey_attach {
	struct osprey_hdr hdr;
	__u32 target_id;
	__s32 status; /* 0 attached, -errno otherwise (-ENOENT: symbol not in this binary) */
	char probe[OSP_PROBE_NAME_LEN];
};

struct osprey_ready {
	struct osprey_hdr hdr;
	__u32 loader_pid;
	__u32 ringbuf_bytes;
};

#endif
