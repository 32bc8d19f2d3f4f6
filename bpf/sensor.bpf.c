// SPDX-License-Identifier: GPL-2.0-only
/*
 * Osprey sensor: TLS plaintext from uprobes on OpenSSL and GnuTLS, socket identity from syscall
 * tracepoints, process lifecycle from sched tracepoints. Everything leaves through one ring buffer
 * as records laid out in events.h. No kprobes, fentry or LSM: they do not exist on every kernel we
 * run on, and uprobes + tracepoints are enough for what we capture.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
/* SSL_ctrl command behind the SSL_set_tlsext_host_name() macro. */
#define SSL_CTRL_SET_TLSEXT_HOSTNAME 55

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 * 1024 * 1024); /* resized by the loader before load */
} events SEC(".maps");

/* Cumulative drop counters by enum osprey_drop_reason; the loader reports them once a second. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OSP_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Processes whose traffic is never reported: the agent itself and its loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} ignored_tgids SEC(".maps");

/* Arguments of a TLS call in flight on one thread, stashed at entry, used at return and by the
 * socket syscalls the library issues from inside the call. */
struct tls_call {
	__u64 conn;
	__u64 buf;
	__u64 out_len_ptr; /* size_t* of SSL_read_ex/SSL_write_ex, 0 otherwise */
	__u8 lib;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

struct stream_key {
	__u32 tgid;
	__u32 pad;
	__u64 conn;
};

/* Per-stream byte positions, so user space sees lost bytes as a jump in position instead of
 * silently glued data. LRU: streams of processes that died without SSL_free age out. */
struct stream_state {
	__u64 pos[2];
	__u8 socket_known;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct stream_key);
	__type(value, struct stream_state);
} streams SEC(".maps");

/* ---- plaintext sockets (Ollama, vLLM, gateways): chosen by destination port at connect() ---- */

/* Destination ports whose connections are captured in plaintext; set by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16); /* host order */
	__type(value, __u8);
} plain_ports SEC(".maps");

struct fd_key {
	__u32 tgid;
	__s32 fd;
};

/* Sockets of interest: (process, fd) → connection number. Set at connect(), removed at close(). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fd_key);
	__type(value, __u64);
} plain_fds SEC(".maps");

/* A connect() in flight to a plaintext port, between syscall entry and exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, __s32); /* fd */
} pending_connects SEC(".maps");

/* A read/write on a plaintext socket in flight: the bytes exist (reads) or are known to have been
 * taken (writes) only at syscall exit. */
struct plain_io {
	__u64 conn;
	__u64 buf;    /* buffer, or struct iovec array when iovcnt > 0 */
	__u32 iovcnt; /* 0 for read/write/sendto/recvfrom */
	__u8 dir;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct plain_io);
} plain_ios SEC(".maps");

/* Connection numbers for plaintext sockets; the high bit keeps them apart from user pointers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} plain_conn_seq SEC(".maps");

#define PLAIN_CONN_BIT (1ull << 63)

/* Scratch space for one data record: too big for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct osprey_data);
} data_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct osprey_exec);
} exec_scratch SEC(".maps");

static __always_inline void count_drop(__u32 reason, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &reason);
	if (v)
		*v += n;
}

static __always_inline bool is_ignored(__u32 tgid)
{
	return bpf_map_lookup_elem(&ignored_tgids, &tgid) != NULL;
}

static __always_inline __u64 current_start_ns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

static __always_inline void fill_stream_id(struct osprey_stream_id *id, __u64 pid_tgid, __u64 conn)
{
	id->tgid = pid_tgid >> 32;
	id->tid = (__u32)pid_tgid;
	id->start_ns = current_start_ns();
	id->conn = conn;
}

static __always_inline void fill_hdr(struct osprey_hdr *h, __u16 kind, __u32 size)
{
	h->kind = kind;
	h->flags = 0;
	h->size = size;
	h->ktime_ns = bpf_ktime_get_ns();
}

static __always_inline struct stream_state *stream_state_of(__u32 tgid, __u64 conn)
{
	struct stream_key key = { .tgid = tgid, .conn = conn };
	struct stream_state *st = bpf_map_lookup_elem(&streams, &key);
	if (st)
		return st;
	struct stream_state fresh = {};
	bpf_map_update_elem(&streams, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&streams, &key);
}

/* ---- plaintext copy: one TLS call becomes ceil(len / OSP_CHUNK_BYTES) ordered records ---- */

struct copy_ctx {
	__u64 pid_tgid;
	__u64 conn;
	__u64 src;
	__u64 total;
	__u64 start_pos;
	__u64 start_ns;
	__u64 ktime;
	__u8 dir;
	__u8 lib;
	__u8 failed;
};

static long copy_chunk(__u32 index, void *arg)
{
	struct copy_ctx *c = arg;
	__u64 off = (__u64)index * OSP_CHUNK_BYTES;
	if (off >= c->total)
		return 1;
	__u32 zero = 0;
	struct osprey_data *ev = bpf_map_lookup_elem(&data_scratch, &zero);
	if (!ev)
		return 1;
	__u64 len = c->total - off;
	if (len > OSP_CHUNK_BYTES)
		len = OSP_CHUNK_BYTES;
	ev->hdr.kind = OSP_KIND_DATA;
	ev->hdr.flags = (off + len >= c->total) ? OSP_FLAG_LAST_CHUNK : 0;
	ev->hdr.ktime_ns = c->ktime;
	ev->id.tgid = c->pid_tgid >> 32;
	ev->id.tid = (__u32)c->pid_tgid;
	ev->id.start_ns = c->start_ns;
	ev->id.conn = c->conn;
	ev->pos = c->start_pos + off;
	ev->dir = c->dir;
	ev->lib = c->lib;
	ev->pad = 0;
	if (bpf_probe_read_user(ev->data, len, (void *)(c->src + off)) != 0) {
		count_drop(OSP_DROP_READ_FAULT, 1);
		return 0; /* the next chunk may still be readable; the position jump shows the hole */
	}
	ev->len = len;
	__u64 size = offsetof(struct osprey_data, data) + len;
	ev->hdr.size = size;
	if (size > sizeof(*ev))
		return 1;
	if (bpf_ringbuf_output(&events, ev, size, 0) != 0)
		count_drop(OSP_DROP_RINGBUF_FULL_DATA, 1);
	return 0;
}

static __always_inline void emit_plaintext(__u64 pid_tgid, __u64 conn, __u64 src, __u64 total, __u8 dir, __u8 lib)
{
	__u32 tgid = pid_tgid >> 32;
	if (total == 0 || src == 0 || is_ignored(tgid))
		return;
	struct stream_state *st = stream_state_of(tgid, conn);
	if (!st)
		return;
	struct copy_ctx c = {
		.pid_tgid = pid_tgid,
		.conn = conn,
		.src = src,
		.total = total,
		.start_pos = st->pos[dir & 1],
		.start_ns = current_start_ns(),
		.ktime = bpf_ktime_get_ns(),
		.dir = dir,
		.lib = lib,
	};
	/* Advance the position by everything the call moved, delivered or not: user space must see
	 * any loss as a jump, and the next call's bytes at their true offset. */
	st->pos[dir & 1] += total;
	__u64 chunks = (total + OSP_CHUNK_BYTES - 1) / OSP_CHUNK_BYTES;
	if (chunks > OSP_MAX_CHUNKS) {
		count_drop(OSP_DROP_TOO_LARGE, chunks - OSP_MAX_CHUNKS);
		chunks = OSP_MAX_CHUNKS;
	}
	bpf_loop(chunks, copy_chunk, &c, 0);
}

static __always_inline void stash_call(__u64 conn, __u64 buf, __u64 out_len_ptr, __u8 lib)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (is_ignored(pid_tgid >> 32))
		return;
	struct tls_call call = { .conn = conn, .buf = buf, .out_len_ptr = out_len_ptr, .lib = lib };
	bpf_map_update_elem(&tls_calls, &pid_tgid, &call, BPF_ANY);
}

/* At return the library has said how many bytes moved: copy exactly those, once. Copying writes
 * at return rather than entry keeps a retried non-blocking SSL_write (WANT_WRITE) from appearing
 * twice in the stream; the caller's buffer is still intact then. */
static __always_inline void finish_call(long ret, __u8 dir, bool ex_style)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_call *call = bpf_map_lookup_elem(&tls_calls, &pid_tgid);
	if (!call)
		return;
	__u64 moved = 0;
	if (ex_style) {
		/* SSL_read_ex/SSL_write_ex return 1 on success and store the count through a size_t*. */
		if (ret == 1 && call->out_len_ptr)
			bpf_probe_read_user(&moved, sizeof(moved), (void *)call->out_len_ptr);
	} else if (ret > 0) {
		moved = ret;
	}
	if (moved > 0)
		emit_plaintext(pid_tgid, call->conn, call->buf, moved, dir, call->lib);
	bpf_map_delete_elem(&tls_calls, &pid_tgid);
}

static __always_inline void emit_close(__u64 conn)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (is_ignored(tgid))
		return;
	struct stream_key key = { .tgid = tgid, .conn = conn };
	/* Only streams that carried data are worth a record: most SSL objects freed on a busy host
	 * never reached us. */
	if (!bpf_map_lookup_elem(&streams, &key))
		return;
	bpf_map_delete_elem(&streams, &key);
	struct osprey_close *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(OSP_DROP_RINGBUF_FULL_META, 1);
		return;
	}
	fill_hdr(&ev->hdr, OSP_KIND_CLOSE, sizeof(*ev));
	fill_stream_id(&ev->id, pid_tgid, conn);
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline void emit_sni(__u64 conn, const char *name)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!name || is_ignored(pid_tgid >> 32))
		return;
	struct osprey_sni *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(OSP_DROP_RINGBUF_FULL_META, 1);
		return;
	}
	fill_hdr(&ev->hdr, OSP_KIND_SNI, sizeof(*ev));
	fill_stream_id(&ev->id, pid_tgid, conn);
	if (bpf_probe_read_user_str(ev->name, sizeof(ev->name), name) < 0)
		ev->name[0] = 0;
	bpf_ringbuf_submit(ev, 0);
}

/* ---- TLS reads and writes: one entry/return pair per library function ---- */

/*
 * Entry stashes (session, buffer, out-length pointer); return copies what the call moved. All
 * these functions take the session first and the buffer second; the _ex variants report the
 * count through a size_t* fourth argument and return 1 on success, the others return the count.
 * The return register is narrowed to the function's own return type: an int -1 is not 2^32 - 1.
 */
#define TLS_IO_PROBES(func, ret_type, lib, dir, ex_style)                                   \
	SEC("uprobe")                                                                       \
	int probe_entry_##func(struct pt_regs *ctx)                                         \
	{                                                                                   \
		stash_call(PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), (ex_style) ? PT_REGS_PARM4(ctx) : 0, lib); \
		return 0;                                                                   \
	}                                                                                   \
	SEC("uretprobe")                                                                    \
	int probe_ret_##func(struct pt_regs *ctx)                                           \
	{                                                                                   \
		finish_call((ret_type)PT_REGS_RC(ctx), dir, ex_style);                      \
		return 0;                                                                   \
	}

/* OpenSSL (libssl.so.*, and executables that link it statically such as node).
 * int SSL_write(SSL *s, const void *buf, int num)     — curl, Node
 * int SSL_read(SSL *s, void *buf, int num)            — the plaintext exists only at return
 * int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)   — CPython
 * int SSL_read_ex(SSL *s, void *buf, size_t num, size_t *readbytes)       — CPython */
TLS_IO_PROBES(SSL_write, int, OSP_LIB_OPENSSL, OSP_DIR_EGRESS, false)
TLS_IO_PROBES(SSL_read, int, OSP_LIB_OPENSSL, OSP_DIR_INGRESS, false)
TLS_IO_PROBES(SSL_write_ex, int, OSP_LIB_OPENSSL, OSP_DIR_EGRESS, true)
TLS_IO_PROBES(SSL_read_ex, int, OSP_LIB_OPENSSL, OSP_DIR_INGRESS, true)

/* GnuTLS (libgnutls.so.30): the session pointer plays the role of SSL*.
 * ssize_t gnutls_record_send(gnutls_session_t session, const void *data, size_t size)
 * ssize_t gnutls_record_recv(gnutls_session_t session, void *data, size_t size) */
TLS_IO_PROBES(gnutls_record_send, long, OSP_LIB_GNUTLS, OSP_DIR_EGRESS, false)
TLS_IO_PROBES(gnutls_record_recv, long, OSP_LIB_GNUTLS, OSP_DIR_INGRESS, false)

/* SSL_shutdown and SSL_free end a stream; whichever comes first closes it in user space. */
SEC("uprobe")
int BPF_KPROBE(probe_entry_SSL_shutdown, void *ssl)
{
	emit_close((__u64)ssl);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(probe_entry_SSL_free, void *ssl)
{
	emit_close((__u64)ssl);
	return 0;
}

/* SSL_ctrl(SSL *s, int cmd, long larg, void *parg): SSL_set_tlsext_host_name() is a macro for
 * SSL_ctrl(s, 55, 0, name). This is the only place Node's server name is visible, because Node
 * moves ciphertext through a memory BIO and its socket syscalls happen outside SSL_* calls. */
SEC("uprobe")
int BPF_KPROBE(probe_entry_SSL_ctrl, void *ssl, int cmd, long larg, const char *parg)
{
	if (cmd == SSL_CTRL_SET_TLSEXT_HOSTNAME)
		emit_sni((__u64)ssl, parg);
	return 0;
}

/* ---- GnuTLS stream end and server name ---- */

SEC("uprobe")
int BPF_KPROBE(probe_entry_gnutls_deinit, void *session)
{
	emit_close((__u64)session);
	return 0;
}

/* int gnutls_server_name_set(gnutls_session_t s, gnutls_server_name_type_t type, const void *name, size_t len) */
SEC("uprobe")
int BPF_KPROBE(probe_entry_gnutls_server_name_set, void *session, int type, const char *name, size_t len)
{
	emit_sni((__u64)session, name);
	return 0;
}

/* ---- sockets: identity of TLS streams, and plaintext on watched ports ---- */

/* Layout of syscalls:sys_enter_* tracepoints: common header, syscall nr, then arguments. */
struct syscall_enter_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

static __always_inline struct sock *sock_of_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* The first time a stream is seen on a socket, say which socket: fd and 5-tuple. */
static __always_inline void emit_conn_once(__u64 pid_tgid, __u64 conn, __u8 lib, int fd)
{
	__u32 tgid = pid_tgid >> 32;
	struct stream_state *st = stream_state_of(tgid, conn);
	if (!st || st->socket_known)
		return;
	struct sock *sk = sock_of_fd(fd);
	if (!sk)
		return;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	st->socket_known = 1;
	struct osprey_conn *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(OSP_DROP_RINGBUF_FULL_META, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_hdr(&ev->hdr, OSP_KIND_CONN, sizeof(*ev));
	fill_stream_id(&ev->id, pid_tgid, conn);
	ev->fd = fd;
	ev->family = family;
	ev->lib = lib;
	ev->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Read whole fields: BPF_CORE_READ_INTO on a byte array would copy only its first element. */
	if (family == AF_INET) {
		__u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(ev->saddr, &saddr, sizeof(saddr));
		__builtin_memcpy(ev->daddr, &daddr, sizeof(daddr));
	} else {
		struct in6_addr saddr6 = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		struct in6_addr daddr6 = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		__builtin_memcpy(ev->saddr, &saddr6, sizeof(saddr6));
		__builtin_memcpy(ev->daddr, &daddr6, sizeof(daddr6));
	}
	bpf_ringbuf_submit(ev, 0);
}

/* A socket syscall either happens inside a TLS call (CPython's socket BIO and curl's own BIO work
 * this way: the first one ties the TLS stream to its socket), or moves plaintext on a socket we
 * were asked to watch, whose bytes are copied at syscall exit. */
static __always_inline void on_socket_io(int fd, __u64 buf, __u32 iovcnt, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_call *call = bpf_map_lookup_elem(&tls_calls, &pid_tgid);
	if (call) {
		emit_conn_once(pid_tgid, call->conn, call->lib, fd);
		return;
	}
	struct fd_key key = { .tgid = pid_tgid >> 32, .fd = fd };
	__u64 *conn = bpf_map_lookup_elem(&plain_fds, &key);
	if (!conn || is_ignored(key.tgid))
		return;
	struct plain_io io = { .conn = *conn, .buf = buf, .iovcnt = iovcnt, .dir = dir };
	bpf_map_update_elem(&plain_ios, &pid_tgid, &io, BPF_ANY);
}

/* Copies `total` bytes spread over an iovec array, segment by segment, in stream order. */
static __always_inline void emit_iov(__u64 pid_tgid, struct plain_io *io, __u64 total)
{
	__u64 left = total;
	__u32 n = io->iovcnt < OSP_MAX_IOV ? io->iovcnt : OSP_MAX_IOV;
	for (__u32 i = 0; i < OSP_MAX_IOV; i++) {
		if (i >= n || left == 0)
			break;
		struct iovec seg = {};
		if (bpf_probe_read_user(&seg, sizeof(seg), (void *)(io->buf + i * sizeof(seg))) != 0)
			break;
		__u64 take = seg.iov_len < left ? seg.iov_len : left;
		emit_plaintext(pid_tgid, io->conn, (__u64)seg.iov_base, take, io->dir, OSP_LIB_NONE);
		left -= take;
	}
	if (left > 0) {
		/* More segments than we copy: advance the position so user space sees a gap. */
		count_drop(OSP_DROP_TOO_LARGE, 1);
		struct stream_state *st = stream_state_of(pid_tgid >> 32, io->conn);
		if (st)
			st->pos[io->dir & 1] += left;
	}
}

static __always_inline void on_socket_io_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct plain_io *io = bpf_map_lookup_elem(&plain_ios, &pid_tgid);
	if (!io)
		return;
	if (ret > 0) {
		if (io->iovcnt == 0)
			emit_plaintext(pid_tgid, io->conn, io->buf, ret, io->dir, OSP_LIB_NONE);
		else
			emit_iov(pid_tgid, io, ret);
	}
	bpf_map_delete_elem(&plain_ios, &pid_tgid);
}

struct syscall_exit_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/*
 * One enter/exit pair per syscall: entry says where the bytes are (`buffer`, `iovcnt`, computed
 * from ctx), exit copies what the call moved. The three shapes:
 *   read(fd, buf, n), write, sendto(fd, buf, …), recvfrom: a flat buffer in args[1];
 *   readv(fd, iov, iovcnt), writev: an iovec array in args[1], its length in args[2];
 *   sendmsg(fd, msg, flags), recvmsg: the iovec array lives inside a struct user_msghdr.
 */
#define SOCKET_IO_SYSCALL(name, dir, locate)                                  \
	SEC("tracepoint/syscalls/sys_enter_" #name)                           \
	int tp_enter_##name(struct syscall_enter_ctx *ctx)                    \
	{                                                                     \
		__u64 buffer = 0;                                             \
		__u32 iovcnt = 0;                                             \
		if (locate(ctx, &buffer, &iovcnt))                            \
			on_socket_io((int)ctx->args[0], buffer, iovcnt, dir); \
		return 0;                                                     \
	}                                                                     \
	SEC("tracepoint/syscalls/sys_exit_" #name)                            \
	int tp_exit_##name(struct syscall_exit_ctx *ctx)                      \
	{                                                                     \
		on_socket_io_exit(ctx->ret);                                  \
		return 0;                                                     \
	}

static __always_inline bool flat_buffer(struct syscall_enter_ctx *ctx, __u64 *buffer, __u32 *iovcnt)
{
	*buffer = ctx->args[1];
	return true;
}

static __always_inline bool iovec_array(struct syscall_enter_ctx *ctx, __u64 *buffer, __u32 *iovcnt)
{
	*buffer = ctx->args[1];
	*iovcnt = (__u32)ctx->args[2];
	return true;
}

static __always_inline bool msghdr_iovec(struct syscall_enter_ctx *ctx, __u64 *buffer, __u32 *iovcnt)
{
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)ctx->args[1]) != 0)
		return false;
	*buffer = (__u64)msg.msg_iov;
	*iovcnt = (__u32)msg.msg_iovlen;
	return true;
}

SOCKET_IO_SYSCALL(write, OSP_DIR_EGRESS, flat_buffer)
SOCKET_IO_SYSCALL(read, OSP_DIR_INGRESS, flat_buffer)
SOCKET_IO_SYSCALL(sendto, OSP_DIR_EGRESS, flat_buffer)
SOCKET_IO_SYSCALL(recvfrom, OSP_DIR_INGRESS, flat_buffer)
SOCKET_IO_SYSCALL(writev, OSP_DIR_EGRESS, iovec_array)
SOCKET_IO_SYSCALL(readv, OSP_DIR_INGRESS, iovec_array)
SOCKET_IO_SYSCALL(sendmsg, OSP_DIR_EGRESS, msghdr_iovec)
SOCKET_IO_SYSCALL(recvmsg, OSP_DIR_INGRESS, msghdr_iovec)

/* connect(fd, addr, len) to a watched port: remember the fd, confirm at exit. Sockets connected
 * before the agent started are not seen; their next connection is. */
SEC("tracepoint/syscalls/sys_enter_connect")
int tp_enter_connect(struct syscall_enter_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (is_ignored(pid_tgid >> 32))
		return 0;
	__u16 family = 0, port_be = 0;
	void *addr = (void *)ctx->args[1];
	if (!addr || bpf_probe_read_user(&family, sizeof(family), addr) != 0)
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (bpf_probe_read_user(&port_be, sizeof(port_be), addr + 2) != 0)
		return 0;
	__u16 port = __builtin_bswap16(port_be);
	if (!bpf_map_lookup_elem(&plain_ports, &port))
		return 0;
	__s32 fd = (__s32)ctx->args[0];
	bpf_map_update_elem(&pending_connects, &pid_tgid, &fd, BPF_ANY);
	return 0;
}

#define EINPROGRESS 115

SEC("tracepoint/syscalls/sys_exit_connect")
int tp_exit_connect(struct syscall_exit_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__s32 *fd = bpf_map_lookup_elem(&pending_connects, &pid_tgid);
	if (!fd)
		return 0;
	__s32 sockfd = *fd;
	bpf_map_delete_elem(&pending_connects, &pid_tgid);
	if (ctx->ret != 0 && ctx->ret != -EINPROGRESS)
		return 0;
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&plain_conn_seq, &zero);
	if (!seq)
		return 0;
	__u64 conn = PLAIN_CONN_BIT | __sync_fetch_and_add(seq, 1);
	struct fd_key key = { .tgid = pid_tgid >> 32, .fd = sockfd };
	bpf_map_update_elem(&plain_fds, &key, &conn, BPF_ANY);
	emit_conn_once(pid_tgid, conn, OSP_LIB_NONE, sockfd);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int tp_enter_close(struct syscall_enter_ctx *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fd_key key = { .tgid = pid_tgid >> 32, .fd = (__s32)ctx->args[0] };
	__u64 *conn = bpf_map_lookup_elem(&plain_fds, &key);
	if (!conn)
		return 0;
	__u64 c = *conn;
	bpf_map_delete_elem(&plain_fds, &key);
	emit_close(c);
	return 0;
}

/* ---- process lifecycle ---- */

/* sched_process_exec fires after the new image is in place: comm, filename and start time are the
 * new program's, and user space learns about it before the program can make a TLS call. */
SEC("tracepoint/sched/sched_process_exec")
int tp_sched_process_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 zero = 0;
	struct osprey_exec *ev = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!ev)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	fill_hdr(&ev->hdr, OSP_KIND_EXEC, sizeof(*ev));
	ev->tgid = pid_tgid >> 32;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	unsigned int loc = ctx->__data_loc_filename & 0xFFFF;
	if (bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), (char *)ctx + loc) < 0)
		ev->filename[0] = 0;
	/* argv as the new program sees it: read now, because a short-lived process may be gone before
	 * user space could read /proc/PID/cmdline. */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u64 arg_start = BPF_CORE_READ(mm, arg_start);
	__u64 arg_end = BPF_CORE_READ(mm, arg_end);
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;
	ev->args_truncated = len > OSP_ARGS_LEN;
	if (len > OSP_ARGS_LEN)
		len = OSP_ARGS_LEN;
	if (len == 0 || bpf_probe_read_user(ev->args, len, (void *)arg_start) != 0)
		len = 0;
	ev->args_len = len;
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0) != 0)
		count_drop(OSP_DROP_RINGBUF_FULL_META, 1);
	return 0;
}

/* Raw tracepoint, because only it hands us the child task: we need its tgid to tell a new
 * process from a new thread, which the classic tracepoint's fields cannot. */
SEC("raw_tracepoint/sched_process_fork")
int raw_tp_sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	if (child_pid != child_tgid)
		return 0; /* a thread */
	struct osprey_fork *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(OSP_DROP_RINGBUF_FULL_META, 1);
		return 0;
	}
	fill_hdr(&ev->hdr, OSP_KIND_FORK, sizeof(*ev));
	ev->parent_tgid = BPF_CORE_READ(parent, tgid);
	ev->child_tgid = child_tgid;
	ev->child_start_ns = BPF_CORE_READ(child, start_boottime);
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_sched_process_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)pid_tgid != (pid_tgid >> 32))
		return 0; /* a thread, not the process */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct osprey_exit *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop(OSP_DROP_RINGBUF_FULL_META, 1);
		return 0;
	}
	fill_hdr(&ev->hdr, OSP_KIND_EXIT, sizeof(*ev));
	ev->tgid = pid_tgid >> 32;
	ev->exit_code = BPF_CORE_READ(task, exit_code) >> 8;
	ev->start_ns = BPF_CORE_READ(task, start_boottime);
	bpf_ringbuf_submit(ev, 0);
	return 0;
}
