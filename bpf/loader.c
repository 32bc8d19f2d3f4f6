// SPDX-License-Identifier: Apache-2.0
/*
 * osprey-loader: loads sensor.bpf.o, attaches the tracepoints, and then
 *   - streams every ring-buffer record to stdout unchanged (each starts with struct osprey_hdr,
 *     whose size field frames it), plus its own ATTACH / STATS / READY records;
 *   - reads line commands on stdin:
 *       attach <id> <openssl|gnutls> <path>   uprobes on one binary (by path; may be /proc/PID/root/…)
 *       detach <id>                           remove them again
 *       ignore <tgid>                         never report this process (the agent itself)
 *       plainport <port>                      capture plaintext on connections to this port
 * Diagnostics go to stderr as text. It exits when stdin closes, so it never outlives the agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "sensor.skel.h"
#include "line-commands.h"

enum library { LIB_OPENSSL, LIB_GNUTLS };

/* The probes, as data: one attach loop walks this table for each binary. */
struct probe_spec {
	enum library lib;
	const char *func;
	const char *entry_prog; /* uprobe at function entry */
	const char *ret_prog;   /* uretprobe, or NULL */
};

static const struct probe_spec PROBES[] = {
	{ LIB_OPENSSL, "SSL_write", "probe_entry_SSL_write", "probe_ret_SSL_write" },
	{ LIB_OPENSSL, "SSL_read", "probe_entry_SSL_read", "probe_ret_SSL_read" },
	{ LIB_OPENSSL, "SSL_write_ex", "probe_entry_SSL_write_ex", "probe_ret_SSL_write_ex" },
	{ LIB_OPENSSL, "SSL_read_ex", "probe_entry_SSL_read_ex", "probe_ret_SSL_read_ex" },
	{ LIB_OPENSSL, "SSL_shutdown", "probe_entry_SSL_shutdown", NULL },
	{ LIB_OPENSSL, "SSL_free", "probe_entry_SSL_free", NULL },
	{ LIB_OPENSSL, "SSL_ctrl", "probe_entry_SSL_ctrl", NULL },
	{ LIB_GNUTLS, "gnutls_record_send", "probe_entry_gnutls_record_send", "probe_ret_gnutls_record_send" },
	{ LIB_GNUTLS, "gnutls_record_recv", "probe_entry_gnutls_record_recv", "probe_ret_gnutls_record_recv" },
	{ LIB_GNUTLS, "gnutls_deinit", "probe_entry_gnutls_deinit", NULL },
	{ LIB_GNUTLS, "gnutls_server_name_set", "probe_entry_gnutls_server_name_set", NULL },
};
#define N_PROBES (sizeof(PROBES) / sizeof(PROBES[0]))
#define MAX_TARGETS 4096
#define LINKS_PER_TARGET (N_PROBES * 2)

struct target {
	unsigned int id;
	int used;
	struct bpf_link *links[LINKS_PER_TARGET];
};

static struct sensor_bpf *skel;
static struct target targets[MAX_TARGETS];
static volatile sig_atomic_t stopping;

static __u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void put_record(const void *rec, size_t size)
{
	if (fwrite(rec, 1, size, stdout) != size)
		stopping = 1; /* the agent is gone */
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	put_record(data, size);
	return 0;
}

static void emit_attach(unsigned int target_id, const char *probe, int status)
{
	struct osprey_attach rec = {};
	rec.hdr.kind = OSP_KIND_ATTACH;
	rec.hdr.size = sizeof(rec);
	rec.hdr.ktime_ns = now_ns();
	rec.target_id = target_id;
	rec.status = status;
	snprintf(rec.probe, sizeof(rec.probe), "%s", probe);
	put_record(&rec, sizeof(rec));
}

static void emit_stats(void)
{
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return;
	__u64 values[ncpu];
	struct osprey_stats rec = {};
	rec.hdr.kind = OSP_KIND_STATS;
	rec.hdr.size = sizeof(rec);
	rec.hdr.ktime_ns = now_ns();
	for (__u32 reason = 0; reason < OSP_DROP_MAX; reason++) {
		if (bpf_map__lookup_elem(skel->maps.drops, &reason, sizeof(reason), values, sizeof(__u64) * ncpu, 0) != 0)
			continue;
		for (int cpu = 0; cpu < ncpu; cpu++)
			rec.drops[reason] += values[cpu];
	}
	put_record(&rec, sizeof(rec));
}

static struct target *find_target(unsigned int id)
{
	for (int i = 0; i < MAX_TARGETS; i++)
		if (targets[i].used && targets[i].id == id)
			return &targets[i];
	return NULL;
}

static struct bpf_link *attach_one(const char *prog_name, const char *path, const char *func, int retprobe)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, prog_name);
	if (!prog) {
		errno = ENOENT;
		return NULL;
	}
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func, .retprobe = retprobe);
	return bpf_program__attach_uprobe_opts(prog, -1, path, 0, &opts);
}

static void cmd_attach(unsigned int id, const char *libname, const char *path)
{
	enum library lib;
	if (strcmp(libname, "openssl") == 0)
		lib = LIB_OPENSSL;
	else if (strcmp(libname, "gnutls") == 0)
		lib = LIB_GNUTLS;
	else {
		fprintf(stderr, "osprey-loader: attach %u: unknown library '%s'\n", id, libname);
		emit_attach(id, "*", -EINVAL);
		return;
	}
	if (find_target(id)) {
		emit_attach(id, "*", -EEXIST);
		return;
	}
	struct target *t = NULL;
	for (int i = 0; i < MAX_TARGETS && !t; i++)
		if (!targets[i].used)
			t = &targets[i];
	if (!t) {
		emit_attach(id, "*", -ENOSPC);
		return;
	}
	memset(t, 0, sizeof(*t));
	t->id = id;
	t->used = 1;
	int n = 0;
	for (size_t i = 0; i < N_PROBES; i++) {
		const struct probe_spec *p = &PROBES[i];
		if (p->lib != lib)
			continue;
		struct bpf_link *entry = attach_one(p->entry_prog, path, p->func, 0);
		if (!entry) {
			emit_attach(id, p->func, -errno);
			continue;
		}
		t->links[n++] = entry;
		if (p->ret_prog) {
			struct bpf_link *ret = attach_one(p->ret_prog, path, p->func, 1);
			if (!ret) {
				emit_attach(id, p->func, -errno);
				continue;
			}
			t->links[n++] = ret;
		}
		emit_attach(id, p->func, 0);
	}
}

static void cmd_detach(unsigned int id)
{
	struct target *t = find_target(id);
	if (!t)
		return;
	for (size_t i = 0; i < LINKS_PER_TARGET; i++)
		if (t->links[i])
			bpf_link__destroy(t->links[i]);
	memset(t, 0, sizeof(*t));
}

static void cmd_ignore(__u32 tgid)
{
	__u8 one = 1;
	if (bpf_map__update_elem(skel->maps.ignored_tgids, &tgid, sizeof(tgid), &one, sizeof(one), BPF_ANY) != 0)
		fprintf(stderr, "osprey-loader: ignore %u: %s\n", tgid, strerror(errno));
}

static void cmd_plainport(unsigned int port)
{
	__u16 p = (__u16)port;
	__u8 one = 1;
	if (port == 0 || port > 65535 || bpf_map__update_elem(skel->maps.plain_ports, &p, sizeof(p), &one, sizeof(one), BPF_ANY) != 0)
		fprintf(stderr, "osprey-loader: plainport %u: %s\n", port, port == 0 || port > 65535 ? "not a port" : strerror(errno));
}

static void run_command(char *line)
{
	if (line[0] == 0)
		return;
	char lib[16], path[4096];
	unsigned int id;
	if (sscanf(line, "attach %u %15s %4095[^\n]", &id, lib, path) == 3)
		cmd_attach(id, lib, path);
	else if (sscanf(line, "detach %u", &id) == 1)
		cmd_detach(id);
	else if (sscanf(line, "ignore %u", &id) == 1)
		cmd_ignore(id);
	else if (sscanf(line, "plainport %u", &id) == 1)
		cmd_plainport(id);
	else
		fprintf(stderr, "osprey-loader: unknown command: %s\n", line);
}


static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	unsigned int ringbuf_mb = 32;
	int opt;
	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt == 'r')
			ringbuf_mb = (unsigned int)strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: %s [-r ringbuf_mb]\n", argv[0]);
			return 2;
		}
	}
	if (ringbuf_mb == 0 || (ringbuf_mb & (ringbuf_mb - 1)) != 0 || ringbuf_mb > 1024) {
		fprintf(stderr, "osprey-loader: -r must be a power of two between 1 and 1024 (MiB)\n");
		return 2;
	}
	libbpf_set_print(libbpf_print);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	static char outbuf[1 << 20];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	skel = sensor_bpf__open();
	if (!skel) {
		fprintf(stderr, "osprey-loader: cannot open BPF object: %s\n", strerror(errno));
		return 1;
	}
	bpf_map__set_max_entries(skel->maps.events, ringbuf_mb * 1024 * 1024);
	/* uprobe programs are attached per binary on command; only tracepoints attach now. */
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
	{
		enum bpf_prog_type type = bpf_program__type(prog);
		if (type == BPF_PROG_TYPE_KPROBE)
			bpf_program__set_autoattach(prog, false);
	}
	int err = sensor_bpf__load(skel);
	if (err) {
		fprintf(stderr, "osprey-loader: cannot load BPF programs: %s\n", strerror(-err));
		return 1;
	}
	err = sensor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "osprey-loader: cannot attach tracepoints: %s\n", strerror(-err));
		return 1;
	}
	__u32 self = getpid();
	cmd_ignore(self);
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "osprey-loader: cannot open ring buffer: %s\n", strerror(errno));
		return 1;
	}
	struct osprey_ready ready = {};
	ready.hdr.kind = OSP_KIND_READY;
	ready.hdr.size = sizeof(ready);
	ready.hdr.ktime_ns = now_ns();
	ready.loader_pid = self;
	ready.ringbuf_bytes = ringbuf_mb * 1024 * 1024;
	put_record(&ready, sizeof(ready));
	fflush(stdout);

	struct pollfd fds[2] = {
		{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	__u64 next_stats = now_ns() + 1000000000ull;
	while (!stopping) {
		int n = poll(fds, 2, 100);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN)
			ring_buffer__consume(rb);
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (!read_command_lines(run_command))
				break;
		}
		if (now_ns() >= next_stats) {
			emit_stats();
			next_stats = now_ns() + 1000000000ull;
		}
		if (fflush(stdout) != 0)
			break;
	}
	ring_buffer__consume(rb);
	emit_stats();
	fflush(stdout);
	ring_buffer__free(rb);
	for (int i = 0; i < MAX_TARGETS; i++)
		if (targets[i].used)
			cmd_detach(targets[i].id);
	sensor_bpf__destroy(skel);
	return 0;
}
