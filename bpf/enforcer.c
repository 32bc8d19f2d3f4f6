// SPDX-License-Identifier: Apache-2.0
/*
 * osprey-enforcer: owns the enforcement programs (enforce.bpf.c) and their pinned state.
 *
 *   osprey-enforcer [-P pin_dir] [-C cgroup] load        load, pin, attach (idempotent; replaces
 *                                                         programs whose code changed, in place)
 *   osprey-enforcer [...] apply FILE                      install a compiled policy atomically
 *   osprey-enforcer [...] status                          everything as one JSON document
 *   osprey-enforcer [...] off                             detach and unpin every program, link, map
 *   osprey-enforcer [...] run                             audit records → JSON lines on stdout,
 *                                                         commands on stdin (see run_command())
 *   osprey-enforcer [...] kill PID [CIDR[:PORT]...]       destroy a process's TCP connections
 *   osprey-enforcer [...] signal PID START_TICKS SIGNO    signal a process, if it is still that one
 *   osprey-enforcer [...] usage RULE CGROUP_ID CALLS [BYTES]  add LLM calls to a rate budget
 *
 * Every command prints JSON on stdout and explains failures in one line on stderr. Enforcement
 * does not depend on this process running: links and maps are pinned under pin_dir (default
 * /sys/fs/bpf/osprey/enforce), so the kernel keeps enforcing through restarts and upgrades.
 * The compiled policy format is written by src/enforce/compile.ts; see parse_policy().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "enforce.h"
#include "enforce.skel.h"
#include "line-commands.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/osprey/enforce"
#define BPFFS_ROOT "/sys/fs/bpf"

static const char *pin_dir = DEFAULT_PIN_DIR;
static const char *cgroup_root; /* NULL: the cgroup v2 mount */
static bool replace_abi;

/* ---- the hooks, as data: one attach loop walks this table ---- */

enum attach_kind { ATTACH_CGROUP, ATTACH_RAW_TP, ATTACH_NONE };

struct hook_spec {
	const char *name;   /* link and program pin names: link_<name>, prog_<name> */
	const char *prog;   /* program in enforce.bpf.c */
	enum attach_kind kind;
	const char *target; /* raw tracepoint name */
};

static const struct hook_spec HOOKS[] = {
	{ "connect4", "enforce_connect4", ATTACH_CGROUP, NULL },
	{ "connect6", "enforce_connect6", ATTACH_CGROUP, NULL },
	{ "sendmsg4", "enforce_sendmsg4", ATTACH_CGROUP, NULL },
	{ "sendmsg6", "enforce_sendmsg6", ATTACH_CGROUP, NULL },
	{ "skb_ingress", "enforce_skb_ingress", ATTACH_CGROUP, NULL },
	{ "skb_egress", "enforce_skb_egress", ATTACH_CGROUP, NULL },
	{ "exec", "enforce_exec", ATTACH_RAW_TP, "sched_process_exec" },
	{ "note_usage", "note_usage", ATTACH_NONE, NULL },
};
#define N_HOOKS (sizeof(HOOKS) / sizeof(HOOKS[0]))

/* Policy maps with an a and a b copy; cleared (idle copy) and filled by apply. */
static const char *POLICY_MAP_NAMES[] = { "enf_rules", "enf_dst4", "enf_dst6", "enf_scopes", "enf_hrefs", "enf_meta", "enf_xino", "enf_xpath" };
#define N_POLICY_MAPS (sizeof(POLICY_MAP_NAMES) / sizeof(POLICY_MAP_NAMES[0]))

/* ---- small utilities ---- */

static void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("osprey-enforcer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u64 mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static const char *pin_path(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char *b = buf[next++ & 3];
	snprintf(b, PATH_MAX, "%s/%s", pin_dir, name);
	return b;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* bpffs is not mounted at boot on every host; enforcement cannot pin anything without it. */
static void ensure_bpffs(void)
{
	struct statfs sf;
	if (statfs(BPFFS_ROOT, &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, NULL) != 0)
		die(1, "bpffs is not mounted at %s and mounting it failed: %s", BPFFS_ROOT, strerror(errno));
}

static const char *find_cgroup2(void)
{
	static char found[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return NULL;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		/* id parent maj:min root mount-point ... */
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		if (tok) {
			snprintf(found, sizeof(found), "%s", tok);
			fclose(f);
			return found;
		}
	}
	fclose(f);
	return NULL;
}

static int open_pinned(const char *name, bool required)
{
	int fd = bpf_obj_get(pin_path(name));
	if (fd < 0 && required)
		die(1, "%s is not pinned (%s): is enforcement loaded? run 'osprey enforce apply' first", pin_path(name), strerror(errno));
	return fd;
}

static int open_policy_map(const char *base, int gen)
{
	char name[64];
	snprintf(name, sizeof(name), "%s_%c", base, gen ? 'b' : 'a');
	return open_pinned(name, true);
}

static int read_state(int fd, struct osp_enf_state *st)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(fd, &zero, st);
}

/* JSON string, escaped; bytes ≥ 0x80 pass through unless they would break UTF-8 badly — names
 * come from the kernel (comm, paths) and may be anything, so non-ASCII is written as \u00XX. */
static void json_str(FILE *out, const char *s, size_t max)
{
	fputc('"', out);
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void format_addr(char *buf, size_t len, int family, const __u8 *addr)
{
	if (family == 4)
		inet_ntop(AF_INET, addr, buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
}

/* ---- load / pin / attach ---- */

static bool prog_tags_equal(int fd_a, int fd_b)
{
	struct bpf_prog_info a = {}, b = {};
	__u32 la = sizeof(a), lb = sizeof(b);
	if (bpf_obj_get_info_by_fd(fd_a, &a, &la) || bpf_obj_get_info_by_fd(fd_b, &b, &lb))
		return false;
	return memcmp(a.tag, b.tag, sizeof(a.tag)) == 0;
}

static int link_prog_fd(int link_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -1;
	return bpf_prog_get_fd_by_id(info.prog_id);
}

/* Pins fd at name, replacing what is there (through a temporary name: the old pin stays valid
 * until the rename). bpffs refuses names with a dot, hence the prefix. */
static int repin(int fd, const char *name)
{
	char tmp[PATH_MAX], tmp_name[128];
	snprintf(tmp_name, sizeof(tmp_name), "new_%s", name);
	snprintf(tmp, sizeof(tmp), "%s", pin_path(tmp_name));
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp) != 0)
		return -errno;
	if (rename(tmp, pin_path(name)) != 0) {
		int err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

static int unpin_everything(void);

/* load, apply and off change pinned state: one at a time, whoever runs them. The lock is on the
 * directory holding pin_dir (the daemon locks pin_dir itself, for its own purpose). */
static void lock_mutations(void)
{
	static int fd = -1;
	if (fd >= 0)
		return;
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", pin_dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (mkdir_p(parent) != 0 || (fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(1, "cannot open %s: %s", parent, strerror(errno));
	if (flock(fd, LOCK_EX) != 0)
		die(1, "cannot lock %s: %s", parent, strerror(errno));
}

/* FNV-1a of the embedded BPF object: equal hashes mean equal programs. */
static __u64 build_hash(void)
{
	size_t sz = 0;
	const unsigned char *p = enforce_bpf__elf_bytes(&sz);
	__u64 h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < sz; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* True when everything this build would pin is pinned, by this build: load has nothing to do. */
static bool already_loaded(void)
{
	int sfd = open_pinned("enf_state", false);
	if (sfd < 0)
		return false;
	struct osp_enf_state st = {};
	bool same = read_state(sfd, &st) == 0 && st.abi == OSP_ENF_ABI && st.build == build_hash();
	close(sfd);
	for (size_t i = 0; same && i < N_HOOKS; i++) {
		char name[64];
		snprintf(name, sizeof(name), HOOKS[i].kind == ATTACH_NONE ? "prog_%s" : "link_%s", HOOKS[i].name);
		struct stat sb;
		same = stat(pin_path(name), &sb) == 0;
	}
	return same;
}

/* Loads enforce.bpf.o with its maps reused from (or pinned to) pin_dir, then makes every link
 * point at the freshly loaded program. Programs whose code did not change are left alone; a
 * changed cgroup program is swapped inside its link (bpf_link_update: no moment without a
 * program, no moment with two); the exec program gets a new link before the old one goes. */
static void cmd_load(FILE *report)
{
	ensure_bpffs();
	lock_mutations();
	if (already_loaded()) {
		fprintf(report, "{\"loaded\":true,\"pin_dir\":");
		json_str(report, pin_dir, PATH_MAX);
		fprintf(report, ",\"hooks\":[");
		for (size_t i = 0; i < N_HOOKS; i++)
			fprintf(report, "%s{\"hook\":\"%s\",\"status\":\"unchanged\"}", i ? "," : "", HOOKS[i].name);
		fprintf(report, "]}\n");
		return;
	}
	if (mkdir_p(pin_dir) != 0)
		die(1, "cannot create %s: %s", pin_dir, strerror(errno));

	int sfd = open_pinned("enf_state", false);
	if (sfd >= 0) {
		struct osp_enf_state st = {};
		if (read_state(sfd, &st) == 0 && st.abi != 0 && st.abi != OSP_ENF_ABI) {
			if (!replace_abi)
				die(1, "pinned enforcement state at %s has map layout %u, this build has %u: run 'osprey enforce off' (or load with --replace), then apply the policy again", pin_dir, st.abi, OSP_ENF_ABI);
			close(sfd);
			unpin_everything();
			if (mkdir_p(pin_dir) != 0)
				die(1, "cannot create %s: %s", pin_dir, strerror(errno));
			sfd = -1;
		}
		if (sfd >= 0)
			close(sfd);
	}

	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	struct enforce_bpf *skel = enforce_bpf__open_opts(&oo);
	if (!skel)
		die(1, "cannot open the BPF object: %s", strerror(errno));
	int err = enforce_bpf__load(skel);
	if (err)
		die(1, "cannot load the enforcement programs: %s (root, or CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON, is needed)", strerror(-err));

	sfd = bpf_map__fd(skel->maps.enf_state);
	struct osp_enf_state st = {};
	read_state(sfd, &st);
	if (st.abi == 0) {
		st.abi = OSP_ENF_ABI;
		st.dns_grace_ns = 300ull * 1000000000ull;
		__u32 zero = 0;
		bpf_map_update_elem(sfd, &zero, &st, BPF_ANY);
	}

	const char *cg = cgroup_root ? cgroup_root : find_cgroup2();
	if (!cg)
		die(1, "no cgroup v2 hierarchy is mounted (looked in /proc/self/mountinfo): egress enforcement needs one");
	int cg_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		die(1, "cannot open cgroup %s: %s", cg, strerror(errno));

	fprintf(report, "{\"loaded\":true,\"pin_dir\":");
	json_str(report, pin_dir, PATH_MAX);
	fprintf(report, ",\"cgroup\":");
	json_str(report, cg, PATH_MAX);
	fprintf(report, ",\"hooks\":[");
	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook_spec *h = &HOOKS[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, h->prog);
		if (!prog)
			die(1, "program %s missing from the BPF object", h->prog);
		int new_fd = bpf_program__fd(prog);
		char prog_pin[64], link_pin[64];
		snprintf(prog_pin, sizeof(prog_pin), "prog_%s", h->name);
		snprintf(link_pin, sizeof(link_pin), "link_%s", h->name);
		const char *what = "attached";

		if (h->kind == ATTACH_NONE) {
			int old = open_pinned(prog_pin, false);
			if (old >= 0 && prog_tags_equal(old, new_fd))
				what = "unchanged";
			else if ((err = repin(new_fd, prog_pin)) != 0)
				die(1, "cannot pin %s: %s", pin_path(prog_pin), strerror(-err));
			else
				what = old >= 0 ? "replaced" : "pinned";
			if (old >= 0)
				close(old);
		} else {
			int old_link = open_pinned(link_pin, false);
			int old_prog = old_link >= 0 ? link_prog_fd(old_link) : -1;
			if (old_link >= 0 && old_prog >= 0 && prog_tags_equal(old_prog, new_fd)) {
				what = "unchanged";
			} else if (old_link >= 0 && h->kind == ATTACH_CGROUP && bpf_link_update(old_link, new_fd, NULL) == 0) {
				what = "replaced";
			} else {
				struct bpf_link *link = h->kind == ATTACH_CGROUP ? bpf_program__attach_cgroup(prog, cg_fd)
										 : bpf_program__attach_raw_tracepoint(prog, h->target);
				if (!link)
					die(1, "cannot attach %s: %s", h->prog, strerror(errno));
				if ((err = repin(bpf_link__fd(link), link_pin)) != 0)
					die(1, "cannot pin %s: %s", pin_path(link_pin), strerror(-err));
				bpf_link__disconnect(link); /* the pin keeps it */
				bpf_link__destroy(link);
				if (old_link >= 0) {
					bpf_link_detach(old_link);
					what = "replaced";
				}
			}
			if (strcmp(what, "unchanged") != 0 && (err = repin(new_fd, prog_pin)) != 0)
				die(1, "cannot pin %s: %s", pin_path(prog_pin), strerror(-err));
			if (old_prog >= 0)
				close(old_prog);
			if (old_link >= 0)
				close(old_link);
		}
		fprintf(report, "%s{\"hook\":\"%s\",\"status\":\"%s\"}", i ? "," : "", h->name, what);
	}
	fprintf(report, "]}\n");
	close(cg_fd);
	/* Only now, with every link in place, does the state say which build is loaded. */
	__u32 zero = 0;
	if (read_state(sfd, &st) == 0) {
		st.build = build_hash();
		bpf_map_update_elem(sfd, &zero, &st, BPF_ANY);
	}
	enforce_bpf__destroy(skel); /* closes our fds; pins keep programs, links and maps */
}

/* ---- off ---- */

static int unpin_everything(void)
{
	DIR *d = opendir(pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int removed = 0;
	struct dirent *e;
	/* Links first, detached explicitly: a process still holding a link fd would otherwise keep
	 * the program attached after the pin is gone. */
	for (int pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			bool is_link = strncmp(e->d_name, "link_", 5) == 0;
			if ((pass == 0) != is_link)
				continue;
			if (is_link) {
				int fd = bpf_obj_get(pin_path(e->d_name));
				if (fd >= 0) {
					bpf_link_detach(fd);
					close(fd);
				}
			}
			if (unlink(pin_path(e->d_name)) == 0)
				removed++;
		}
	}
	closedir(d);
	rmdir(pin_dir);
	/* The parent (/sys/fs/bpf/osprey) goes too when nothing else of ours is in it. */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", pin_dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (strcmp(parent, BPFFS_ROOT) != 0)
			rmdir(parent);
	}
	return removed;
}

static void cmd_off(void)
{
	struct stat sb;
	if (stat(pin_dir, &sb) == 0)
		lock_mutations();
	int removed = unpin_everything();
	if (removed < 0)
		die(1, "cannot read %s: %s", pin_dir, strerror(-removed));
	printf("{\"off\":true,\"removed\":%d}\n", removed);
}

/* ---- apply: compiled policy → idle copy of the policy maps → flip ---- */

struct ref_list {
	struct osp_enf_refs refs;
};

struct dst_entry {
	int family;
	__u32 prefixlen;
	__u8 addr[16];
	struct osp_enf_refs refs;
};

struct path_entry {
	struct osp_enf_path_key key;
	struct osp_enf_refs refs;
};

struct ino_entry {
	struct osp_enf_inode_key key;
	struct osp_enf_refs refs;
};

struct name_entry {
	struct osp_enf_name_key key;
	__u32 host;
};

struct learn_entry {
	__u32 host;
	int family;
	__u8 addr[16];
	__u32 ttl;
};

struct scope_entry {
	__u64 cgroup_id;
	__u64 mask;
};

struct policy {
	__u64 dns_grace_ns;
	struct osp_enf_meta meta;
	struct osp_enf_rule *rules; /* indexed by slot */
	bool *rule_used;
	struct osp_enf_refs *hrefs; /* indexed by host slot */
	bool *host_used;
	struct dst_entry *dsts;
	size_t n_dsts, cap_dsts;
	struct scope_entry *scopes;
	size_t n_scopes, cap_scopes;
	struct ino_entry *inos;
	size_t n_inos, cap_inos;
	struct path_entry *paths;
	size_t n_paths, cap_paths;
	struct name_entry *names;
	size_t n_names, cap_names;
	struct learn_entry *learns;
	size_t n_learns, cap_learns;
	__u32 *resets;
	size_t n_resets, cap_resets;
	__u32 *drop_hosts;
	size_t n_drop_hosts, cap_drop_hosts;
	size_t n_rules;
};

#define PUSH(p, arr, n, cap)                                                       \
	({                                                                         \
		if ((p)->n == (p)->cap) {                                          \
			(p)->cap = (p)->cap ? (p)->cap * 2 : 64;                   \
			(p)->arr = realloc((p)->arr, (p)->cap * sizeof(*(p)->arr)); \
			if (!(p)->arr)                                             \
				die(1, "out of memory");                           \
		}                                                                  \
		memset(&(p)->arr[(p)->n], 0, sizeof(*(p)->arr));                   \
		&(p)->arr[(p)->n++];                                               \
	})

static int line_no;
static void parse_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void parse_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "osprey-enforcer: compiled policy line %d: ", line_no);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static __u64 parse_u64(const char *tok, const char *what)
{
	if (!tok)
		parse_fail("missing %s", what);
	char *end;
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 0);
	if (errno || *end)
		parse_fail("%s: not a number: %s", what, tok);
	return v;
}

static int parse_addr(const char *tok, __u8 *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, tok, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, tok, addr) == 1)
		return 6;
	parse_fail("not an IP address: %s", tok ? tok : "(none)");
}

/* "n ref ref ..." where ref is rule:proto:lo-hi */
static void parse_refs(char **save, struct osp_enf_refs *refs)
{
	__u64 n = parse_u64(strtok_r(NULL, " ", save), "reference count");
	if (n > OSP_ENF_MAX_REFS)
		parse_fail("%llu references, at most %d", (unsigned long long)n, OSP_ENF_MAX_REFS);
	refs->n = n;
	for (__u64 i = 0; i < n; i++) {
		char *tok = strtok_r(NULL, " ", save);
		unsigned rule, proto, lo, hi;
		if (!tok || sscanf(tok, "%u:%u:%u-%u", &rule, &proto, &lo, &hi) != 4 || rule >= OSP_ENF_MAX_RULES || lo > 65535 || hi > 65535 || lo > hi)
			parse_fail("bad reference '%s' (rule:proto:lo-hi)", tok ? tok : "");
		refs->r[i].rule = rule;
		refs->r[i].proto = proto;
		refs->r[i].port_lo = lo;
		refs->r[i].port_hi = hi;
	}
}

/* The format, one record per line, fields separated by single spaces:
 *   osprey-enforce-policy 1                       (first line)
 *   grace <ns>                                     learned addresses live TTL + this
 *   meta <flags>
 *   rule <slot> <kind> <mode> <scope> <flags> <allow_idx> <window_ns> <calls> <conns> <bytes> <name>
 *   allow <idx> <rule> <scope>
 *   scope <cgroup_id> <mask>
 *   dst <addr> <prefixlen> <refs>                  refs: n rule:proto:lo-hi ...
 *   href <host_slot> <refs>
 *   xino <dev> <ino> <refs>
 *   xpath <refs> <path>                             path: the rest of the line
 *   name <hash> <wildcard> <host_slot>
 *   reset <rule_slot>                               fresh slot: zero its counters and budgets
 *   drop <host_slot>                                host slot no longer used: forget its addresses
 *   learn <host_slot> <addr> <ttl>
 *   end
 * Anything malformed rejects the whole file before a single map is touched. */
static void parse_policy(FILE *in, struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->rules = calloc(OSP_ENF_MAX_RULES, sizeof(*p->rules));
	p->rule_used = calloc(OSP_ENF_MAX_RULES, sizeof(*p->rule_used));
	p->hrefs = calloc(OSP_ENF_MAX_HOSTS, sizeof(*p->hrefs));
	p->host_used = calloc(OSP_ENF_MAX_HOSTS, sizeof(*p->host_used));
	if (!p->rules || !p->rule_used || !p->hrefs || !p->host_used)
		die(1, "out of memory");
	p->dns_grace_ns = 300ull * 1000000000ull;
	char *line = NULL;
	size_t cap = 0;
	bool ended = false;
	line_no = 0;
	while (getline(&line, &cap, in) > 0) {
		line_no++;
		line[strcspn(line, "\n")] = 0;
		if (line_no == 1) {
			if (strcmp(line, "osprey-enforce-policy 1") != 0)
				parse_fail("not a compiled policy (expected 'osprey-enforce-policy 1')");
			continue;
		}
		if (ended)
			parse_fail("text after 'end'");
		char *save = NULL, *kw = strtok_r(line, " ", &save);
		if (!kw)
			continue;
		if (strcmp(kw, "end") == 0) {
			ended = true;
		} else if (strcmp(kw, "grace") == 0) {
			p->dns_grace_ns = parse_u64(strtok_r(NULL, " ", &save), "grace");
		} else if (strcmp(kw, "meta") == 0) {
			p->meta.flags = parse_u64(strtok_r(NULL, " ", &save), "flags");
		} else if (strcmp(kw, "rule") == 0) {
			__u64 slot = parse_u64(strtok_r(NULL, " ", &save), "slot");
			if (slot >= OSP_ENF_MAX_RULES)
				parse_fail("rule slot %llu out of range", (unsigned long long)slot);
			struct osp_enf_rule *r = &p->rules[slot];
			r->kind = parse_u64(strtok_r(NULL, " ", &save), "kind");
			r->mode = parse_u64(strtok_r(NULL, " ", &save), "mode");
			r->scope = parse_u64(strtok_r(NULL, " ", &save), "scope");
			r->flags = parse_u64(strtok_r(NULL, " ", &save), "flags");
			r->allow_idx = parse_u64(strtok_r(NULL, " ", &save), "allow index");
			r->window_ns = parse_u64(strtok_r(NULL, " ", &save), "window");
			r->max_calls = parse_u64(strtok_r(NULL, " ", &save), "calls");
			r->max_conns = parse_u64(strtok_r(NULL, " ", &save), "connections");
			r->max_bytes = parse_u64(strtok_r(NULL, " ", &save), "bytes");
			const char *name = save && *save ? save : NULL;
			if (!name)
				parse_fail("rule %llu has no name", (unsigned long long)slot);
			if (r->kind < OSP_ENF_RULE_DENY || r->kind > OSP_ENF_RULE_EXEC || r->mode < OSP_ENF_OBSERVE || r->mode > OSP_ENF_ENFORCE || r->scope >= OSP_ENF_MAX_SCOPES)
				parse_fail("rule %llu: kind, mode or scope out of range", (unsigned long long)slot);
			snprintf(r->name, sizeof(r->name), "%s", name);
			if (!p->rule_used[slot])
				p->n_rules++;
			p->rule_used[slot] = true;
		} else if (strcmp(kw, "allow") == 0) {
			__u64 idx = parse_u64(strtok_r(NULL, " ", &save), "allow index");
			if (idx >= OSP_ENF_MAX_ALLOWLISTS)
				parse_fail("allow index %llu out of range", (unsigned long long)idx);
			p->meta.allow[idx].rule = parse_u64(strtok_r(NULL, " ", &save), "rule");
			p->meta.allow[idx].scope = parse_u64(strtok_r(NULL, " ", &save), "scope");
			if (idx + 1 > p->meta.n_allow)
				p->meta.n_allow = idx + 1;
		} else if (strcmp(kw, "scope") == 0) {
			struct scope_entry *s = PUSH(p, scopes, n_scopes, cap_scopes);
			s->cgroup_id = parse_u64(strtok_r(NULL, " ", &save), "cgroup id");
			s->mask = parse_u64(strtok_r(NULL, " ", &save), "scope mask");
		} else if (strcmp(kw, "dst") == 0) {
			struct dst_entry *d = PUSH(p, dsts, n_dsts, cap_dsts);
			d->family = parse_addr(strtok_r(NULL, " ", &save), d->addr);
			d->prefixlen = parse_u64(strtok_r(NULL, " ", &save), "prefix length");
			if (d->prefixlen > (d->family == 4 ? 32u : 128u))
				parse_fail("prefix length %u too long", d->prefixlen);
			parse_refs(&save, &d->refs);
		} else if (strcmp(kw, "href") == 0) {
			__u64 host = parse_u64(strtok_r(NULL, " ", &save), "host slot");
			if (host >= OSP_ENF_MAX_HOSTS)
				parse_fail("host slot %llu out of range", (unsigned long long)host);
			parse_refs(&save, &p->hrefs[host]);
			p->host_used[host] = true;
		} else if (strcmp(kw, "xino") == 0) {
			struct ino_entry *x = PUSH(p, inos, n_inos, cap_inos);
			x->key.dev = parse_u64(strtok_r(NULL, " ", &save), "dev");
			x->key.ino = parse_u64(strtok_r(NULL, " ", &save), "inode");
			parse_refs(&save, &x->refs);
		} else if (strcmp(kw, "xpath") == 0) {
			struct path_entry *x = PUSH(p, paths, n_paths, cap_paths);
			parse_refs(&save, &x->refs);
			if (!save || !*save)
				parse_fail("xpath without a path");
			if (strlen(save) >= OSP_ENF_PATH_LEN)
				parse_fail("path longer than %d bytes", OSP_ENF_PATH_LEN - 1);
			memcpy(x->key.path, save, strlen(save));
		} else if (strcmp(kw, "name") == 0) {
			struct name_entry *n = PUSH(p, names, n_names, cap_names);
			n->key.hash = parse_u64(strtok_r(NULL, " ", &save), "name hash");
			n->key.wildcard = parse_u64(strtok_r(NULL, " ", &save), "wildcard");
			n->host = parse_u64(strtok_r(NULL, " ", &save), "host slot");
			if (n->host >= OSP_ENF_MAX_HOSTS)
				parse_fail("host slot %u out of range", n->host);
		} else if (strcmp(kw, "reset") == 0) {
			__u32 *r = PUSH(p, resets, n_resets, cap_resets);
			*r = parse_u64(strtok_r(NULL, " ", &save), "rule slot");
			if (*r >= OSP_ENF_MAX_RULES)
				parse_fail("rule slot %u out of range", *r);
		} else if (strcmp(kw, "drop") == 0) {
			__u32 *h = PUSH(p, drop_hosts, n_drop_hosts, cap_drop_hosts);
			*h = parse_u64(strtok_r(NULL, " ", &save), "host slot");
			if (*h >= OSP_ENF_MAX_HOSTS)
				parse_fail("host slot %u out of range", *h);
		} else if (strcmp(kw, "learn") == 0) {
			struct learn_entry *l = PUSH(p, learns, n_learns, cap_learns);
			l->host = parse_u64(strtok_r(NULL, " ", &save), "host slot");
			if (l->host >= OSP_ENF_MAX_HOSTS)
				parse_fail("host slot %u out of range", l->host);
			l->family = parse_addr(strtok_r(NULL, " ", &save), l->addr);
			l->ttl = parse_u64(strtok_r(NULL, " ", &save), "ttl");
		} else {
			parse_fail("unknown record '%s'", kw);
		}
	}
	free(line);
	if (line_no == 0)
		parse_fail("empty input");
	if (!ended)
		parse_fail("truncated (no 'end' line): nothing was applied");
	for (__u32 i = 0; i < p->meta.n_allow; i++)
		if (!p->rule_used[p->meta.allow[i].rule] || p->rules[p->meta.allow[i].rule].kind != OSP_ENF_RULE_ALLOW)
			parse_fail("allow list %u names rule slot %u, which is not an allow rule", i, p->meta.allow[i].rule);
}

static void clear_keys(int fd, size_t key_size)
{
	char key[512];
	if (key_size > sizeof(key))
		die(1, "key too large");
	/* Deleting the first key each time works for hash and LPM maps alike. */
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key) != 0)
			die(1, "cannot clear a policy map: %s", strerror(errno));
}

static void zero_array(int fd, __u32 entries, size_t value_size)
{
	__u32 *keys = malloc(entries * sizeof(__u32));
	void *values = calloc(entries, value_size);
	if (!keys || !values)
		die(1, "out of memory");
	for (__u32 i = 0; i < entries; i++)
		keys[i] = i;
	__u32 count = entries;
	if (bpf_map_update_batch(fd, keys, values, &count, NULL) != 0) {
		for (__u32 i = 0; i < entries; i++)
			if (bpf_map_update_elem(fd, &keys[i], (char *)values + i * value_size, BPF_ANY) != 0)
				die(1, "cannot clear a policy map: %s", strerror(errno));
	}
	free(keys);
	free(values);
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();
	if (n <= 0)
		die(1, "cannot count CPUs: %s", strerror(-n));
	return n;
}

static void clear_learned_host(int fd, size_t key_size, __u32 host)
{
	char key[16], next[16];
	struct osp_enf_learned v;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &v) != 0)
			continue;
		v.hosts[host / 64] &= ~(1ull << (host % 64));
		bool empty = true;
		for (int w = 0; w < OSP_ENF_HOST_WORDS; w++)
			empty &= v.hosts[w] == 0;
		if (empty)
			bpf_map_delete_elem(fd, key);
		else
			bpf_map_update_elem(fd, key, &v, BPF_EXIST);
	}
}

static int learn_address(int fd4, int fd6, __u32 host, int family, const __u8 *addr, __u32 ttl, __u64 grace_ns)
{
	int fd = family == 4 ? fd4 : fd6;
	struct osp_enf_learned v = {};
	__u64 expires = mono_ns() + (__u64)ttl * 1000000000ull + grace_ns;
	if (bpf_map_lookup_elem(fd, addr, &v) != 0)
		memset(&v, 0, sizeof(v));
	v.hosts[host / 64] |= 1ull << (host % 64);
	if (v.expires_ns < expires)
		v.expires_ns = expires;
	return bpf_map_update_elem(fd, addr, &v, BPF_ANY);
}

static void cmd_apply(const char *file)
{
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (!in)
		die(1, "cannot read %s: %s", file, strerror(errno));
	struct policy p;
	parse_policy(in, &p);
	if (in != stdin)
		fclose(in);

	/* Programs first: the maps they pin are the ones we fill. */
	FILE *devnull = fopen("/dev/null", "w");
	cmd_load(devnull ? devnull : stderr);
	if (devnull)
		fclose(devnull);

	int sfd = open_pinned("enf_state", true);
	struct osp_enf_state st = {};
	if (read_state(sfd, &st) != 0)
		die(1, "cannot read the enforcement state: %s", strerror(errno));
	/* Programs that started before the last flip may still read the copy we are about to clear;
	 * they finish within microseconds. */
	__u64 since = mono_ns() - st.applied_ns;
	if (st.applies && since < 20000000ull)
		usleep((20000000ull - since) / 1000);
	int idle = !(st.gen & 1);

	int fds[N_POLICY_MAPS];
	for (size_t i = 0; i < N_POLICY_MAPS; i++)
		fds[i] = open_policy_map(POLICY_MAP_NAMES[i], idle);
	enum { RULES, DST4, DST6, SCOPES, HREFS, META, XINO, XPATH };

	/* 1. Empty the idle copy. */
	zero_array(fds[RULES], OSP_ENF_MAX_RULES, sizeof(struct osp_enf_rule));
	zero_array(fds[HREFS], OSP_ENF_MAX_HOSTS, sizeof(struct osp_enf_refs));
	zero_array(fds[META], 1, sizeof(struct osp_enf_meta));
	clear_keys(fds[DST4], sizeof(struct osp_enf_lpm4));
	clear_keys(fds[DST6], sizeof(struct osp_enf_lpm6));
	clear_keys(fds[SCOPES], sizeof(__u64));
	clear_keys(fds[XINO], sizeof(struct osp_enf_inode_key));
	clear_keys(fds[XPATH], sizeof(struct osp_enf_path_key));

	/* 2. Fresh slots start from zero: their counters and budgets belonged to a removed rule. */
	int cnt_fd = open_pinned("enf_counters", true), bkt_fd = open_pinned("enf_buckets", true);
	int nc = ncpus();
	if (p.n_resets) {
		bool *reset = calloc(OSP_ENF_MAX_RULES, sizeof(bool));
		struct osp_enf_counter *zeros = calloc((size_t)nc * p.n_resets, sizeof(*zeros));
		__u32 *keys = calloc(p.n_resets, sizeof(__u32));
		if (!reset || !zeros || !keys)
			die(1, "out of memory");
		for (size_t i = 0; i < p.n_resets; i++) {
			keys[i] = p.resets[i];
			reset[p.resets[i]] = true;
		}
		__u32 count = p.n_resets;
		if (bpf_map_update_batch(cnt_fd, keys, zeros, &count, NULL) != 0)
			for (size_t i = 0; i < p.n_resets; i++)
				if (bpf_map_update_elem(cnt_fd, &keys[i], zeros, BPF_ANY) != 0)
					die(1, "cannot reset counters of slot %u: %s", keys[i], strerror(errno));
		struct osp_enf_bucket_key k, next, *prev = NULL;
		while (bpf_map_get_next_key(bkt_fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (k.rule < OSP_ENF_MAX_RULES && reset[k.rule] && bpf_map_delete_elem(bkt_fd, &k) == 0)
				prev = NULL; /* restart: the deleted key cannot lead the walk */
		}
		free(reset);
		free(zeros);
		free(keys);
	}

	/* 3. Fill the idle copy. Watched names are not double-buffered: new ones go in now (the active
	 *    policy has no rule on their slots, so learning early is harmless). */
	int names_fd = open_pinned("enf_names", true);
	for (size_t i = 0; i < p.n_names; i++)
		if (bpf_map_update_elem(names_fd, &p.names[i].key, &p.names[i].host, BPF_ANY) != 0)
			die(1, "cannot add a watched host name: %s", strerror(errno));
	for (__u32 slot = 0; slot < OSP_ENF_MAX_RULES; slot++)
		if (p.rule_used[slot] && bpf_map_update_elem(fds[RULES], &slot, &p.rules[slot], BPF_ANY) != 0)
			die(1, "cannot write rule %u: %s", slot, strerror(errno));
	for (size_t i = 0; i < p.n_dsts; i++) {
		struct dst_entry *d = &p.dsts[i];
		int err;
		if (d->family == 4) {
			struct osp_enf_lpm4 k = { .prefixlen = d->prefixlen };
			memcpy(k.addr, d->addr, 4);
			err = bpf_map_update_elem(fds[DST4], &k, &d->refs, BPF_ANY);
		} else {
			struct osp_enf_lpm6 k = { .prefixlen = d->prefixlen };
			memcpy(k.addr, d->addr, 16);
			err = bpf_map_update_elem(fds[DST6], &k, &d->refs, BPF_ANY);
		}
		if (err)
			die(1, "cannot write destination %zu of %zu: %s (at most %d IPv4 / %d IPv6 prefixes)", i + 1, p.n_dsts, strerror(errno), OSP_ENF_MAX_DST4, OSP_ENF_MAX_DST6);
	}
	for (size_t i = 0; i < p.n_scopes; i++)
		if (bpf_map_update_elem(fds[SCOPES], &p.scopes[i].cgroup_id, &p.scopes[i].mask, BPF_ANY) != 0)
			die(1, "cannot write scoped cgroup %llu: %s", (unsigned long long)p.scopes[i].cgroup_id, strerror(errno));
	for (__u32 h = 0; h < OSP_ENF_MAX_HOSTS; h++)
		if (p.host_used[h] && bpf_map_update_elem(fds[HREFS], &h, &p.hrefs[h], BPF_ANY) != 0)
			die(1, "cannot write host slot %u: %s", h, strerror(errno));
	for (size_t i = 0; i < p.n_inos; i++)
		if (bpf_map_update_elem(fds[XINO], &p.inos[i].key, &p.inos[i].refs, BPF_ANY) != 0)
			die(1, "cannot write a denied binary: %s", strerror(errno));
	for (size_t i = 0; i < p.n_paths; i++)
		if (bpf_map_update_elem(fds[XPATH], &p.paths[i].key, &p.paths[i].refs, BPF_ANY) != 0)
			die(1, "cannot write a denied path: %s", strerror(errno));
	__u32 zero = 0;
	if (bpf_map_update_elem(fds[META], &zero, &p.meta, BPF_ANY) != 0)
		die(1, "cannot write policy flags: %s", strerror(errno));

	/* 4. Flip: one write of the state entry; programs read gen once per decision. */
	st.gen = idle;
	st.abi = OSP_ENF_ABI;
	st.applied_ns = mono_ns();
	st.applies++;
	st.dns_grace_ns = p.dns_grace_ns;
	if (bpf_map_update_elem(sfd, &zero, &st, BPF_ANY) != 0)
		die(1, "cannot switch to the new policy: %s (the previous policy is still in force)", strerror(errno));

	/* 5. After the flip: forget names and addresses of host slots no policy uses any more, then
	 *    seed addresses user space resolved. */
	struct osp_enf_name_key nk, nnext, *nprev = NULL;
	while (bpf_map_get_next_key(names_fd, nprev, &nnext) == 0) {
		nk = nnext;
		nprev = &nk;
		bool keep = false;
		for (size_t i = 0; i < p.n_names && !keep; i++)
			keep = p.names[i].key.hash == nk.hash && p.names[i].key.wildcard == nk.wildcard;
		if (!keep)
			bpf_map_delete_elem(names_fd, &nk);
	}
	int l4 = open_pinned("enf_learn4", true), l6 = open_pinned("enf_learn6", true);
	for (size_t i = 0; i < p.n_drop_hosts; i++) {
		clear_learned_host(l4, 4, p.drop_hosts[i]);
		clear_learned_host(l6, 16, p.drop_hosts[i]);
	}
	size_t learned = 0;
	for (size_t i = 0; i < p.n_learns; i++)
		learned += learn_address(l4, l6, p.learns[i].host, p.learns[i].family, p.learns[i].addr, p.learns[i].ttl, p.dns_grace_ns) == 0;

	printf("{\"applied\":true,\"gen\":%u,\"applies\":%llu,\"rules\":%zu,\"destinations\":%zu,\"scoped_cgroups\":%zu,\"binaries\":%zu,\"paths\":%zu,\"names\":%zu,\"learned\":%zu}\n",
	       st.gen, (unsigned long long)st.applies, p.n_rules, p.n_dsts, p.n_scopes, p.n_inos, p.n_paths, p.n_names, learned);
}

/* ---- status ---- */

static const char *kind_name(__u8 k)
{
	switch (k) {
	case OSP_ENF_RULE_DENY: return "deny";
	case OSP_ENF_RULE_ALLOW: return "allow";
	case OSP_ENF_RULE_RATE: return "rate";
	case OSP_ENF_RULE_EXEC: return "exec";
	}
	return "none";
}

static const char *mode_name(__u8 m)
{
	switch (m) {
	case OSP_ENF_OBSERVE: return "observe";
	case OSP_ENF_ALERT: return "alert";
	case OSP_ENF_ENFORCE: return "enforce";
	}
	return "unknown";
}

static void print_learned(FILE *out, int fd, int family, bool *first, __u64 now)
{
	__u8 key[16], next[16];
	void *prev = NULL;
	struct osp_enf_learned v;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, 16);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &v) != 0)
			continue;
		char a[INET6_ADDRSTRLEN];
		format_addr(a, sizeof(a), family, key);
		fprintf(out, "%s{\"addr\":\"%s\",\"expires_in_s\":%lld,\"hosts\":[", *first ? "" : ",", a,
			(long long)((__s64)(v.expires_ns - now) / 1000000000ll));
		*first = false;
		bool f2 = true;
		for (int h = 0; h < OSP_ENF_MAX_HOSTS; h++)
			if (v.hosts[h / 64] & (1ull << (h % 64))) {
				fprintf(out, "%s%d", f2 ? "" : ",", h);
				f2 = false;
			}
		fprintf(out, "]}");
	}
}

static void cmd_status(void)
{
	int sfd = open_pinned("enf_state", false);
	if (sfd < 0) {
		printf("{\"loaded\":false,\"pin_dir\":");
		json_str(stdout, pin_dir, PATH_MAX);
		printf("}\n");
		return;
	}
	struct osp_enf_state st = {};
	read_state(sfd, &st);
	__u64 now = mono_ns();
	printf("{\"loaded\":true,\"pin_dir\":");
	json_str(stdout, pin_dir, PATH_MAX);
	printf(",\"abi\":%u,\"gen\":%u,\"applies\":%llu,\"applied_ago_s\":%.3f,\"dns_grace_s\":%llu,\"now_ns\":%llu",
	       st.abi, st.gen, (unsigned long long)st.applies, st.applies ? (double)(now - st.applied_ns) / 1e9 : -1.0,
	       (unsigned long long)(st.dns_grace_ns / 1000000000ull), (unsigned long long)now);

	printf(",\"hooks\":[");
	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook_spec *h = &HOOKS[i];
		char name[64];
		snprintf(name, sizeof(name), h->kind == ATTACH_NONE ? "prog_%s" : "link_%s", h->name);
		int fd = open_pinned(name, false);
		printf("%s{\"hook\":\"%s\"", i ? "," : "", h->name);
		if (fd < 0) {
			printf(",\"attached\":false}");
			continue;
		}
		if (h->kind == ATTACH_NONE) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			bpf_obj_get_info_by_fd(fd, &info, &len);
			printf(",\"pinned\":true,\"prog_id\":%u}", info.id);
		} else {
			struct bpf_link_info info = {};
			__u32 len = sizeof(info);
			bpf_obj_get_info_by_fd(fd, &info, &len);
			printf(",\"attached\":true,\"link_id\":%u,\"prog_id\":%u", info.id, info.prog_id);
			if (h->kind == ATTACH_CGROUP)
				printf(",\"cgroup_id\":%llu", (unsigned long long)info.cgroup.cgroup_id);
			printf("}");
		}
		close(fd);
	}
	printf("]");

	int gen = st.gen & 1;
	int rules_fd = open_policy_map("enf_rules", gen), cnt_fd = open_pinned("enf_counters", true), meta_fd = open_policy_map("enf_meta", gen);
	struct osp_enf_meta meta = {};
	__u32 zero = 0;
	bpf_map_lookup_elem(meta_fd, &zero, &meta);
	printf(",\"policy_flags\":%u,\"rules\":[", meta.flags);
	int nc = ncpus();
	struct osp_enf_counter *per_cpu = calloc(nc, sizeof(*per_cpu));
	bool first = true;
	for (__u32 slot = 0; slot < OSP_ENF_MAX_RULES; slot++) {
		struct osp_enf_rule r;
		if (bpf_map_lookup_elem(rules_fd, &slot, &r) != 0 || r.kind == OSP_ENF_RULE_NONE)
			continue;
		struct osp_enf_counter sum = {};
		if (bpf_map_lookup_elem(cnt_fd, &slot, per_cpu) == 0)
			for (int c = 0; c < nc; c++) {
				sum.hits += per_cpu[c].hits;
				sum.blocked += per_cpu[c].blocked;
				sum.audit_lost += per_cpu[c].audit_lost;
			}
		printf("%s{\"slot\":%u,\"name\":", first ? "" : ",", slot);
		json_str(stdout, r.name, sizeof(r.name));
		printf(",\"kind\":\"%s\",\"mode\":\"%s\",\"scope\":%u,\"hits\":%llu,\"blocked\":%llu,\"audit_lost\":%llu", kind_name(r.kind), mode_name(r.mode), r.scope,
		       (unsigned long long)sum.hits, (unsigned long long)sum.blocked, (unsigned long long)sum.audit_lost);
		if (r.kind == OSP_ENF_RULE_RATE)
			printf(",\"window_ns\":%llu,\"max_calls\":%llu,\"max_conns\":%llu,\"max_bytes\":%llu", (unsigned long long)r.window_ns,
			       (unsigned long long)r.max_calls, (unsigned long long)r.max_conns, (unsigned long long)r.max_bytes);
		printf("}");
		first = false;
	}
	free(per_cpu);
	printf("]");

	int bkt_fd = open_pinned("enf_buckets", true);
	printf(",\"buckets\":[");
	struct osp_enf_bucket_key k, next, *prev = NULL;
	first = true;
	while (bpf_map_get_next_key(bkt_fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		struct osp_enf_bucket b;
		if (bpf_map_lookup_elem(bkt_fd, &k, &b) != 0)
			continue;
		printf("%s{\"rule\":%u,\"cgroup_id\":%llu,\"window_age_s\":%.3f,\"calls\":%llu,\"conns\":%llu,\"bytes\":%llu,\"refused\":%llu}", first ? "" : ",", k.rule,
		       (unsigned long long)k.cgroup_id, (double)(now - b.window_start_ns) / 1e9, (unsigned long long)b.calls, (unsigned long long)b.conns,
		       (unsigned long long)b.bytes, (unsigned long long)b.refused);
		first = false;
	}
	printf("]");

	static const char *STAT_NAMES[OSP_ENF_STAT_MAX] = { "events_lost", "learn_full", "dns_answers", "dns_malformed", "refs_truncated" };
	int stats_fd = open_pinned("enf_stats", true);
	__u64 *vals = calloc(nc, sizeof(__u64));
	printf(",\"stats\":{");
	for (__u32 i = 0; i < OSP_ENF_STAT_MAX; i++) {
		__u64 sum = 0;
		if (bpf_map_lookup_elem(stats_fd, &i, vals) == 0)
			for (int c = 0; c < nc; c++)
				sum += vals[c];
		printf("%s\"%s\":%llu", i ? "," : "", STAT_NAMES[i], (unsigned long long)sum);
	}
	free(vals);
	printf("}");

	int names_fd = open_pinned("enf_names", true);
	printf(",\"names\":[");
	struct osp_enf_name_key nk, nnext, *nprev = NULL;
	first = true;
	while (bpf_map_get_next_key(names_fd, nprev, &nnext) == 0) {
		nk = nnext;
		nprev = &nk;
		__u32 host;
		if (bpf_map_lookup_elem(names_fd, &nk, &host) != 0)
			continue;
		printf("%s{\"hash\":\"0x%016llx\",\"wildcard\":%u,\"host\":%u}", first ? "" : ",", (unsigned long long)nk.hash, nk.wildcard, host);
		first = false;
	}
	printf("],\"learned\":[");
	first = true;
	print_learned(stdout, open_pinned("enf_learn4", true), 4, &first, now);
	print_learned(stdout, open_pinned("enf_learn6", true), 6, &first, now);
	printf("]}\n");
}

/* ---- connection kill: inet_diag SOCK_DESTROY ---- */

struct dst_filter {
	int family; /* 4 or 6 */
	__u8 addr[16];
	__u32 prefixlen;
	__u32 port; /* 0: any */
};

static bool prefix_match(const __u8 *a, const __u8 *b, __u32 bits)
{
	__u32 bytes = bits / 8, rem = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rem == 0)
		return true;
	__u8 mask = (__u8)(0xff << (8 - rem));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

static void parse_dst_filter(const char *spec, struct dst_filter *f)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", spec);
	memset(f, 0, sizeof(*f));
	char *addr = buf, *port = NULL;
	if (buf[0] == '[') { /* [v6]:port */
		char *close_br = strchr(buf, ']');
		if (!close_br)
			die(2, "bad destination %s", spec);
		*close_br = 0;
		addr = buf + 1;
		if (close_br[1] == ':')
			port = close_br + 2;
	} else if (strchr(buf, '.') && strchr(buf, ':')) { /* v4:port */
		port = strrchr(buf, ':');
		*port++ = 0;
	}
	char *slash = strchr(addr, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, addr, f->addr) == 1)
		f->family = 4;
	else if (inet_pton(AF_INET6, addr, f->addr) == 1)
		f->family = 6;
	else
		die(2, "bad destination %s (expected ADDR[/LEN][:PORT] or [V6ADDR][/LEN]:PORT)", spec);
	f->prefixlen = slash ? (__u32)atoi(slash) : (f->family == 4 ? 32 : 128);
	if (f->prefixlen > (f->family == 4 ? 32u : 128u))
		die(2, "bad prefix length in %s", spec);
	f->port = port ? (__u32)atoi(port) : 0;
}

static bool dst_matches(const struct inet_diag_msg *m, const struct dst_filter *filters, int n)
{
	if (n == 0)
		return true;
	__u8 addr[16];
	int family = m->idiag_family == AF_INET ? 4 : 6;
	memcpy(addr, m->id.idiag_dst, 16);
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (family == 6 && memcmp(addr, mapped, 12) == 0) {
		memmove(addr, addr + 12, 4);
		family = 4;
	}
	__u16 dport = ntohs(m->id.idiag_dport);
	for (int i = 0; i < n; i++) {
		if (filters[i].family != family || (filters[i].port && filters[i].port != dport))
			continue;
		if (prefix_match(addr, filters[i].addr, filters[i].prefixlen))
			return true;
	}
	return false;
}

static int collect_socket_inodes(pid_t pid, unsigned long **inodes)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char link[PATH_MAX], target[64];
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) != 1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*inodes = realloc(*inodes, cap * sizeof(**inodes));
			if (!*inodes)
				die(1, "out of memory");
		}
		(*inodes)[n++] = ino;
	}
	closedir(d);
	return n;
}

struct diag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
};

#define TCP_LISTEN_STATE 10
#define ALL_TCP_STATES 0xfff

/* The netlink socket must live in the process's network namespace: sockets are looked up there. */
static int sock_diag_socket_for(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct stat a, b;
	bool same = self >= 0 && fstat(target, &a) == 0 && fstat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
	if (!same && setns(target, CLONE_NEWNET) != 0) {
		int err = -errno;
		close(target);
		if (self >= 0)
			close(self);
		return err;
	}
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int err = nl < 0 ? -errno : 0;
	if (!same && self >= 0 && setns(self, CLONE_NEWNET) != 0)
		die(1, "cannot return to our own network namespace: %s", strerror(errno));
	close(target);
	if (self >= 0)
		close(self);
	return nl < 0 ? err : nl;
}

/* Destroys the TCP sockets of `pid` whose destination matches a filter (all of them when there is
 * none). Each socket is destroyed by its exact identity (addresses, ports, cookie): the kernel
 * aborts it (tcp_abort): the peer gets a RST, the process's next call on it fails with
 * ECONNABORTED. Prints one JSON object. */
static int kill_connections(FILE *out, pid_t pid, const struct dst_filter *filters, int n_filters)
{
	unsigned long *inodes = NULL;
	int n_inodes = collect_socket_inodes(pid, &inodes);
	if (n_inodes < 0) {
		fprintf(out, "{\"type\":\"kill\",\"pid\":%d,\"error\":\"%s\"}\n", pid, strerror(-n_inodes));
		return -1;
	}
	int nl = sock_diag_socket_for(pid);
	if (nl < 0) {
		fprintf(out, "{\"type\":\"kill\",\"pid\":%d,\"error\":\"netlink: %s\"}\n", pid, strerror(-nl));
		free(inodes);
		return -1;
	}
	struct victim {
		__u8 family;
		struct inet_diag_sockid id;
	} *victims = NULL;
	int n_victims = 0, cap = 0;
	static const int FAMILIES[] = { AF_INET, AF_INET6 };
	for (int fi = 0; fi < 2; fi++) {
		struct diag_req req = {};
		req.nlh.nlmsg_len = sizeof(req);
		req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
		req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req.r.sdiag_family = FAMILIES[fi];
		req.r.sdiag_protocol = IPPROTO_TCP;
		req.r.idiag_states = ALL_TCP_STATES & ~(1u << TCP_LISTEN_STATE);
		if (send(nl, &req, sizeof(req), 0) < 0)
			break;
		static char buf[65536];
		bool done = false;
		while (!done) {
			ssize_t len = recv(nl, buf, sizeof(buf), 0);
			if (len <= 0)
				break;
			for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
				if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
					done = true;
					break;
				}
				struct inet_diag_msg *m = NLMSG_DATA(h);
				bool ours = false;
				for (int i = 0; i < n_inodes && !ours; i++)
					ours = inodes[i] == m->idiag_inode && m->idiag_inode != 0;
				if (!ours || !dst_matches(m, filters, n_filters))
					continue;
				if (n_victims == cap) {
					cap = cap ? cap * 2 : 16;
					victims = realloc(victims, cap * sizeof(*victims));
					if (!victims)
						die(1, "out of memory");
				}
				victims[n_victims].family = m->idiag_family;
				victims[n_victims].id = m->id;
				n_victims++;
			}
		}
	}
	int destroyed = 0, last_err = 0;
	fprintf(out, "{\"type\":\"kill\",\"pid\":%d,\"connections\":[", pid);
	for (int i = 0; i < n_victims; i++) {
		struct diag_req req = {};
		req.nlh.nlmsg_len = sizeof(req);
		req.nlh.nlmsg_type = SOCK_DESTROY;
		req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.r.sdiag_family = victims[i].family;
		req.r.sdiag_protocol = IPPROTO_TCP;
		req.r.idiag_states = ALL_TCP_STATES;
		req.r.id = victims[i].id;
		int err = 0;
		if (send(nl, &req, sizeof(req), 0) < 0) {
			err = errno;
		} else {
			char ack[512];
			ssize_t len = recv(nl, ack, sizeof(ack), 0);
			struct nlmsghdr *h = (struct nlmsghdr *)ack;
			if (len > 0 && NLMSG_OK(h, (size_t)len) && h->nlmsg_type == NLMSG_ERROR)
				err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
			else if (len <= 0)
				err = errno;
		}
		char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
		int fam = victims[i].family == AF_INET ? 4 : 6;
		format_addr(src, sizeof(src), fam, (const __u8 *)victims[i].id.idiag_src);
		format_addr(dst, sizeof(dst), fam, (const __u8 *)victims[i].id.idiag_dst);
		fprintf(out, "%s{\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,\"destroyed\":%s", i ? "," : "", src, ntohs(victims[i].id.idiag_sport), dst,
			ntohs(victims[i].id.idiag_dport), err ? "false" : "true");
		if (err)
			fprintf(out, ",\"error\":\"%s\"", strerror(err));
		fprintf(out, "}");
		if (!err)
			destroyed++;
		else
			last_err = err;
	}
	fprintf(out, "],\"destroyed\":%d", destroyed);
	if (last_err == EOPNOTSUPP)
		fprintf(out, ",\"error\":\"this kernel cannot destroy sockets (CONFIG_INET_DIAG_DESTROY is off)\"");
	fprintf(out, "}\n");
	free(victims);
	free(inodes);
	close(nl);
	return destroyed;
}

static unsigned long long proc_start_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* Fields after the command: state is field 3; starttime is field 22. */
	unsigned long long v = 0;
	int field = 2;
	for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
		if (++field == 22) {
			v = strtoull(tok, NULL, 10);
			break;
		}
	}
	return v;
}

/* Signals a process through a pidfd after checking its start time, so a recycled pid is never hit. */
static void signal_process(FILE *out, pid_t pid, unsigned long long start_ticks, int sig)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	const char *error = NULL;
	if (pfd < 0)
		error = strerror(errno);
	else if (start_ticks && proc_start_ticks(pid) != start_ticks)
		error = "the process exited and its pid was reused";
	else if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) != 0)
		error = strerror(errno);
	if (pfd >= 0)
		close(pfd);
	fprintf(out, "{\"type\":\"signal\",\"pid\":%d,\"signal\":%d,\"sent\":%s", pid, sig, error ? "false" : "true");
	if (error)
		fprintf(out, ",\"error\":\"%s\"", error);
	fprintf(out, "}\n");
}

/* ---- rate budgets fed from user space ---- */

static int usage_fd = -1;

static void note_usage(FILE *out, __u32 rule, __u64 cgroup_id, __u64 calls, __u64 bytes)
{
	if (usage_fd < 0)
		usage_fd = open_pinned("prog_note_usage", true);
	struct osp_enf_usage u = { .key = { .rule = rule, .cgroup_id = cgroup_id }, .calls = calls, .bytes = bytes };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &u, .ctx_size_in = sizeof(u));
	int err = bpf_prog_test_run_opts(usage_fd, &opts);
	if (err || u.err) {
		fprintf(out, "{\"type\":\"usage\",\"rule_slot\":%u,\"error\":\"%s\"}\n", rule, strerror(err ? -err : -u.err));
		return;
	}
	fprintf(out, "{\"type\":\"usage\",\"rule_slot\":%u,\"cgroup_id\":%llu,\"calls_in_window\":%llu,\"over\":%s}\n", rule, (unsigned long long)cgroup_id,
		(unsigned long long)u.calls_in_window, u.over ? "true" : "false");
}

/* ---- run: audit records out, commands in ---- */

struct run_ctx {
	int state_fd;
	int rules_fd[2];
	int learn4, learn6;
	__u64 mono_to_real; /* realtime - monotonic, ns */
};

static struct run_ctx R;

static void print_time(__u64 ktime)
{
	__u64 real = ktime + R.mono_to_real;
	time_t secs = real / 1000000000ull;
	struct tm tm;
	gmtime_r(&secs, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("\"ts\":\"%s.%03lluZ\",\"ktime_ns\":%llu", buf, (unsigned long long)(real % 1000000000ull) / 1000000ull, (unsigned long long)ktime);
}

static void print_rule(__u16 slot)
{
	struct osp_enf_state st = {};
	read_state(R.state_fd, &st);
	struct osp_enf_rule r = {};
	__u32 key = slot;
	bpf_map_lookup_elem(R.rules_fd[st.gen & 1], &key, &r);
	printf(",\"rule_slot\":%u,\"rule\":", slot);
	json_str(stdout, r.name, sizeof(r.name));
}

static void print_proc(const struct osp_enf_proc *p)
{
	printf(",\"pid\":%u,\"tid\":%u,\"uid\":%u,\"cgroup_id\":%llu,\"comm\":", p->tgid, p->tid, p->uid, (unsigned long long)p->cgroup_id);
	json_str(stdout, p->comm, sizeof(p->comm));
}

static const char *HOOK_NAMES[] = { "?", "connect4", "connect6", "sendmsg4", "sendmsg6", "exec" };
static const char *VERDICTS[] = { "?", "observed", "alerted", "blocked" };
static const char *REASONS[] = { "?", "denied", "not_allowed", "rate_limited" };

static const char *proto_name(__u8 p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "other";
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const struct osprey_hdr *h = data;
	if (size < sizeof(*h))
		return 0;
	if (h->kind == OSP_ENF_KIND_NET && size >= sizeof(struct osp_enf_net_event)) {
		const struct osp_enf_net_event *e = data;
		printf("{\"type\":\"decision\",");
		print_time(h->ktime_ns);
		print_rule(e->rule);
		printf(",\"hook\":\"%s\",\"verdict\":\"%s\",\"reason\":\"%s\",\"mode\":\"%s\"", HOOK_NAMES[e->hook < 6 ? e->hook : 0], VERDICTS[e->verdict < 4 ? e->verdict : 0],
		       REASONS[e->reason < 4 ? e->reason : 0], mode_name(e->mode));
		print_proc(&e->proc);
		char a[INET6_ADDRSTRLEN];
		format_addr(a, sizeof(a), e->family, e->daddr);
		printf(",\"family\":%u,\"proto\":\"%s\",\"daddr\":\"%s\",\"dport\":%u}\n", e->family, proto_name(e->proto), a, e->dport);
	} else if (h->kind == OSP_ENF_KIND_EXEC && size >= sizeof(struct osp_enf_exec_event)) {
		const struct osp_enf_exec_event *e = data;
		printf("{\"type\":\"decision\",");
		print_time(h->ktime_ns);
		print_rule(e->rule);
		printf(",\"hook\":\"exec\",\"verdict\":\"%s\",\"reason\":\"%s\",\"mode\":\"%s\"", VERDICTS[e->verdict < 4 ? e->verdict : 0], REASONS[e->reason < 4 ? e->reason : 0],
		       mode_name(e->mode));
		print_proc(&e->proc);
		printf(",\"filename\":");
		json_str(stdout, e->filename, sizeof(e->filename));
		printf(",\"dev\":%u,\"ino\":%llu}\n", e->dev, (unsigned long long)e->ino);
	} else if (h->kind == OSP_ENF_KIND_LEARNED && size >= sizeof(struct osp_enf_learned_event)) {
		const struct osp_enf_learned_event *e = data;
		char a[INET6_ADDRSTRLEN];
		format_addr(a, sizeof(a), e->family, e->addr);
		printf("{\"type\":\"learned\",");
		print_time(h->ktime_ns);
		printf(",\"addr\":\"%s\",\"ttl\":%u,\"hosts\":[", a, e->ttl);
		bool first = true;
		for (int i = 0; i < OSP_ENF_MAX_HOSTS; i++)
			if (e->hosts[i / 64] & (1ull << (i % 64))) {
				printf("%s%d", first ? "" : ",", i);
				first = false;
			}
		printf("]}\n");
	}
	return 0;
}

/* Removes learned addresses past their TTL + grace. Returns how many. */
static int sweep_learned(int fd, size_t key_size)
{
	__u8 key[16], next[16];
	void *prev = NULL;
	__u64 now = mono_ns();
	int removed = 0;
	struct osp_enf_learned v;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &v) == 0 && v.expires_ns < now && bpf_map_delete_elem(fd, key) == 0) {
			removed++;
			prev = NULL; /* the iteration restarts: deleting the previous key invalidates it */
		}
	}
	return removed;
}

/* Commands on stdin, one per line; each answers with one JSON line:
 *   usage <rule_slot> <cgroup_id> <calls> [bytes]   add LLM calls to a rate budget
 *   learn <host_slot> <addr> <ttl>                  an address of a watched host (resolver, SNI)
 *   kill <pid> [CIDR[:PORT]...]                     destroy a process's TCP connections
 *   signal <pid> <start_ticks> <signo>
 *   sweep                                           expire learned addresses now
 *   ping */
static void run_command(char *line)
{
	char *save = NULL, *kw = strtok_r(line, " ", &save);
	if (!kw)
		return;
	if (strcmp(kw, "usage") == 0) {
		char *a = strtok_r(NULL, " ", &save), *b = strtok_r(NULL, " ", &save), *c = strtok_r(NULL, " ", &save), *d = strtok_r(NULL, " ", &save);
		if (!a || !b || !c) {
			printf("{\"type\":\"error\",\"error\":\"usage <rule_slot> <cgroup_id> <calls> [bytes]\"}\n");
			return;
		}
		note_usage(stdout, strtoul(a, NULL, 10), strtoull(b, NULL, 10), strtoull(c, NULL, 10), d ? strtoull(d, NULL, 10) : 0);
	} else if (strcmp(kw, "learn") == 0) {
		char *h = strtok_r(NULL, " ", &save), *a = strtok_r(NULL, " ", &save), *t = strtok_r(NULL, " ", &save);
		__u8 addr[16] = {};
		int family = 0;
		if (a && inet_pton(AF_INET, a, addr) == 1)
			family = 4;
		else if (a && inet_pton(AF_INET6, a, addr) == 1)
			family = 6;
		unsigned long host = h ? strtoul(h, NULL, 10) : OSP_ENF_MAX_HOSTS;
		if (!family || !t || host >= OSP_ENF_MAX_HOSTS) {
			printf("{\"type\":\"error\",\"error\":\"learn <host_slot> <addr> <ttl>\"}\n");
			return;
		}
		struct osp_enf_state st = {};
		read_state(R.state_fd, &st);
		int err = learn_address(R.learn4, R.learn6, host, family, addr, strtoul(t, NULL, 10), st.dns_grace_ns);
		printf("{\"type\":\"learn\",\"host\":%lu,\"addr\":\"%s\",\"ok\":%s}\n", host, a, err ? "false" : "true");
	} else if (strcmp(kw, "kill") == 0) {
		char *p = strtok_r(NULL, " ", &save);
		struct dst_filter filters[32];
		int n = 0;
		for (char *tok; n < 32 && (tok = strtok_r(NULL, " ", &save));)
			parse_dst_filter(tok, &filters[n++]);
		if (!p) {
			printf("{\"type\":\"error\",\"error\":\"kill <pid> [CIDR[:PORT]...]\"}\n");
			return;
		}
		kill_connections(stdout, (pid_t)atoi(p), filters, n);
	} else if (strcmp(kw, "signal") == 0) {
		char *p = strtok_r(NULL, " ", &save), *s = strtok_r(NULL, " ", &save), *g = strtok_r(NULL, " ", &save);
		if (!p || !s || !g) {
			printf("{\"type\":\"error\",\"error\":\"signal <pid> <start_ticks> <signo>\"}\n");
			return;
		}
		signal_process(stdout, atoi(p), strtoull(s, NULL, 10), atoi(g));
	} else if (strcmp(kw, "sweep") == 0) {
		int n = sweep_learned(R.learn4, 4) + sweep_learned(R.learn6, 16);
		printf("{\"type\":\"sweep\",\"removed\":%d}\n", n);
	} else if (strcmp(kw, "ping") == 0) {
		printf("{\"type\":\"pong\"}\n");
	} else {
		printf("{\"type\":\"error\",\"error\":\"unknown command\"}\n");
	}
}

static volatile sig_atomic_t stopping;
static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}


static void cmd_run(void)
{
	/* One reader: two would split the audit stream between them. */
	int lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd < 0)
		die(1, "%s does not exist: apply a policy first", pin_dir);
	if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
		die(3, "another osprey-enforcer is already reading %s", pin_dir);

	R.state_fd = open_pinned("enf_state", true);
	R.rules_fd[0] = open_pinned("enf_rules_a", true);
	R.rules_fd[1] = open_pinned("enf_rules_b", true);
	R.learn4 = open_pinned("enf_learn4", true);
	R.learn6 = open_pinned("enf_learn6", true);
	R.mono_to_real = clock_ns(CLOCK_REALTIME) - mono_ns();
	int events_fd = open_pinned("enf_events", true);
	struct ring_buffer *rb = ring_buffer__new(events_fd, on_event, NULL, NULL);
	if (!rb)
		die(1, "cannot open the audit ring buffer: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	printf("{\"type\":\"ready\",\"pid\":%d}\n", getpid());
	fflush(stdout);

	struct pollfd fds[2] = {
		{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	__u64 next_tick = mono_ns() + 1000000000ull;
	int exit_code = 0;
	while (!stopping) {
		int n = poll(fds, 2, 200);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN)
			ring_buffer__consume(rb);
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ring_buffer__consume(rb); /* records first: a command's answer follows what preceded it */
			if (!read_command_lines(run_command))
				break;
		}
		__u64 now = mono_ns();
		if (now >= next_tick) {
			next_tick = now + 1000000000ull;
			struct stat sb;
			if (stat(pin_path("enf_state"), &sb) != 0) {
				printf("{\"type\":\"gone\",\"reason\":\"enforcement was turned off\"}\n");
				break;
			}
			int removed = sweep_learned(R.learn4, 4) + sweep_learned(R.learn6, 16);
			if (removed)
				printf("{\"type\":\"expired\",\"removed\":%d}\n", removed);
		}
		if (fflush(stdout) != 0) {
			exit_code = 1;
			break;
		}
	}
	ring_buffer__consume(rb);
	fflush(stdout);
	ring_buffer__free(rb);
	exit(exit_code);
}

/* ---- main ---- */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !getenv("OSPREY_ENFORCER_VERBOSE")))
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: osprey-enforcer [-P pin_dir] [-C cgroup] [--replace] COMMAND\n"
		"  load | apply FILE | status | off | run | kill PID [CIDR[:PORT]...]\n"
		"  signal PID START_TICKS SIGNO | usage RULE_SLOT CGROUP_ID CALLS [BYTES]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option LONG[] = {
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "cgroup", required_argument, NULL, 'C' },
		{ "replace", no_argument, NULL, 'R' },
		{ 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "+P:C:", LONG, NULL)) != -1) {
		if (opt == 'P')
			pin_dir = optarg;
		else if (opt == 'C')
			cgroup_root = optarg;
		else if (opt == 'R')
			replace_abi = true;
		else
			usage();
	}
	if (optind >= argc)
		usage();
	libbpf_set_print(libbpf_print);
	const char *cmd = argv[optind++];
	int rest = argc - optind;
	char **args = argv + optind;
	if (strcmp(cmd, "load") == 0 && rest == 0) {
		cmd_load(stdout);
	} else if (strcmp(cmd, "apply") == 0 && rest == 1) {
		cmd_apply(args[0]);
	} else if (strcmp(cmd, "status") == 0 && rest == 0) {
		cmd_status();
	} else if (strcmp(cmd, "off") == 0 && rest == 0) {
		cmd_off();
	} else if (strcmp(cmd, "run") == 0 && rest == 0) {
		cmd_run();
	} else if (strcmp(cmd, "kill") == 0 && rest >= 1) {
		struct dst_filter filters[32];
		int n = 0;
		for (int i = 1; i < rest && n < 32; i++)
			parse_dst_filter(args[i], &filters[n++]);
		return kill_connections(stdout, (pid_t)atoi(args[0]), filters, n) < 0 ? 1 : 0;
	} else if (strcmp(cmd, "signal") == 0 && rest == 3) {
		signal_process(stdout, atoi(args[0]), strtoull(args[1], NULL, 10), atoi(args[2]));
	} else if (strcmp(cmd, "usage") == 0 && (rest == 3 || rest == 4)) {
		note_usage(stdout, strtoul(args[0], NULL, 10), strtoull(args[1], NULL, 10), strtoull(args[2], NULL, 10), rest == 4 ? strtoull(args[3], NULL, 10) : 0);
	} else {
		usage();
	}
	return 0;
}
