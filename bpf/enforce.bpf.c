// SPDX-License-Identifier: GPL-2.0-only
/*
 * Osprey enforcement: egress rules on connect()/sendmsg(), rate budgets, exec blocking, and the
 * DNS answers that keep host-name rules current. Decisions are made here, in the kernel, from maps
 * the enforcer fills (bpf/enforcer.c); every decision leaves an audit record in a ring buffer.
 *
 * Hook points, and why these:
 *   cgroup/connect4|6      every TCP connect and connected-UDP setup of a process in the
 *                          attached cgroup subtree, before a packet leaves: returning 0 makes
 *                          connect() fail with EPERM. Covers TCP fast open too.
 *   cgroup/sendmsg4|6      unconnected UDP datagrams (sendto/sendmsg with an address), which
 *                          never pass connect().
 *   cgroup_skb/ingress     DNS answers, parsed before the resolver's socket can read them, so an
 *                          address is in the maps before the process can connect to it; and
 *                          byte counts of sockets under a byte budget.
 *   cgroup_skb/egress      byte counts of sockets under a byte budget.
 *   raw_tp/sched_process_exec  fires once the new image is in place and before the process
 *                          returns to user space; SIGKILL sent here is delivered on that return,
 *                          so a denied binary never executes an instruction of its own. (BPF LSM,
 *                          which could fail the exec itself, is not available on our kernels.)
 *   syscall note_usage     run by the enforcer (BPF_PROG_TEST_RUN) to add LLM calls counted in
 *                          user space to a budget with the same atomic window arithmetic.
 *
 * No kprobes, fentry or LSM: see DESIGN.md, "Kernel facts of these machines".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "enforce.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGKILL 9
#define AF_INET 2
#define AF_INET6 10
#define MAX_EVENTS_PER_CALL 4

/* ---- maps ---- */

#define PINNED __uint(pinning, LIBBPF_PIN_BY_NAME)

/* Policy content, twice (a/b): state.gen picks the copy the programs read. */
#define POLICY_MAPS(sfx)                                                                  \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                         \
		__uint(max_entries, OSP_ENF_MAX_RULES);                                   \
		__type(key, __u32);                                                       \
		__type(value, struct osp_enf_rule);                                       \
		PINNED;                                                                   \
	} enf_rules_##sfx SEC(".maps");                                                   \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                                      \
		__uint(max_entries, OSP_ENF_MAX_DST4);                                    \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                     \
		__type(key, struct osp_enf_lpm4);                                         \
		__type(value, struct osp_enf_refs);                                       \
		PINNED;                                                                   \
	} enf_dst4_##sfx SEC(".maps");                                                    \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                                      \
		__uint(max_entries, OSP_ENF_MAX_DST6);                                    \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                     \
		__type(key, struct osp_enf_lpm6);                                         \
		__type(value, struct osp_enf_refs);                                       \
		PINNED;                                                                   \
	} enf_dst6_##sfx SEC(".maps");                                                    \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_HASH);                                          \
		__uint(max_entries, OSP_ENF_MAX_CGROUPS);                                 \
		__type(key, __u64);   /* cgroup id */                                     \
		__type(value, __u64); /* scope bits */                                    \
		PINNED;                                                                   \
	} enf_scopes_##sfx SEC(".maps");                                                  \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                         \
		__uint(max_entries, OSP_ENF_MAX_HOSTS);                                   \
		__type(key, __u32); /* host slot */                                       \
		__type(value, struct osp_enf_refs);                                       \
		PINNED;                                                                   \
	} enf_hrefs_##sfx SEC(".maps");                                                   \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                         \
		__uint(max_entries, 1);                                                   \
		__type(key, __u32);                                                       \
		__type(value, struct osp_enf_meta);                                       \
		PINNED;                                                                   \
	} enf_meta_##sfx SEC(".maps");                                                    \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_HASH);                                          \
		__uint(max_entries, OSP_ENF_MAX_EXEC);                                    \
		__type(key, struct osp_enf_inode_key);                                    \
		__type(value, struct osp_enf_refs);                                       \
		PINNED;                                                                   \
	} enf_xino_##sfx SEC(".maps");                                                    \
	struct {                                                                          \
		__uint(type, BPF_MAP_TYPE_HASH);                                          \
		__uint(max_entries, OSP_ENF_MAX_EXEC);                                    \
		__type(key, struct osp_enf_path_key);                                     \
		__type(value, struct osp_enf_refs);                                       \
		PINNED;                                                                   \
	} enf_xpath_##sfx SEC(".maps");

POLICY_MAPS(a)
POLICY_MAPS(b)

/* Picks the a or b copy of a policy map. Written out as two lookups (not a map pointer chosen
 * at run time) so each call site refers to exactly one map. */
#define POLICY_LOOKUP(gen, name, key) \
	((gen) ? bpf_map_lookup_elem(&name##_b, (key)) : bpf_map_lookup_elem(&name##_a, (key)))

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct osp_enf_state);
	PINNED;
} enf_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OSP_ENF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct osp_enf_counter);
	PINNED;
} enf_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OSP_ENF_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	PINNED;
} enf_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct osp_enf_bucket_key);
	__type(value, struct osp_enf_bucket);
	PINNED;
} enf_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct osp_enf_sk_rate);
	PINNED;
} enf_sk_rate SEC(".maps");

/* Watched DNS names → host slot. Stable across applies (slots stay with names). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OSP_ENF_MAX_HOSTS * 2);
	__type(key, struct osp_enf_name_key);
	__type(value, __u32);
	PINNED;
} enf_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OSP_ENF_MAX_LEARNED);
	__type(key, __u32); /* network order */
	__type(value, struct osp_enf_learned);
	PINNED;
} enf_learn4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OSP_ENF_MAX_LEARNED);
	__type(key, struct in6_addr);
	__type(value, struct osp_enf_learned);
	PINNED;
} enf_learn6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
	PINNED;
} enf_events SEC(".maps");

/* Scratch for DNS names and exec paths: too big for the 512-byte stack. */
struct dns_scratch {
	__u8 name[OSP_ENF_DNS_NAME_LEN];
	__u64 starts[OSP_ENF_DNS_NAME_LEN / 64]; /* bit i: a label starts at name[i] */
	__u64 hash;
	__u32 end; /* offset of the terminating zero label */
	__u32 avail; /* name bytes loaded */
	__u32 ok;    /* the name ended with a zero label */
	__u32 n_hosts;
	__u32 hosts[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} enf_dns_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct osp_enf_path_key);
} enf_path_scratch SEC(".maps");

/* ---- shared helpers ---- */

/* x & mask, computed in a register the compiler cannot see through: the verifier must see the
 * mask to accept a variable index into a stack array, and clang drops it when it can prove the
 * index is already in range. */
static __always_inline __u32 bounded(__u32 x, __u32 mask)
{
	asm volatile("%0 &= %1" : "+r"(x) : "i"(mask));
	return x;
}

static __always_inline struct osp_enf_state *get_state(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&enf_state, &zero);
}

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&enf_stats, &which);
	if (v)
		*v += 1;
}

static __always_inline __u8 verdict_of(__u8 mode)
{
	if (mode == OSP_ENF_ENFORCE)
		return OSP_ENF_VERDICT_BLOCKED;
	if (mode == OSP_ENF_ALERT)
		return OSP_ENF_VERDICT_ALERTED;
	return OSP_ENF_VERDICT_OBSERVED;
}

struct scope_walk {
	__u64 mask;
	__u32 gen;
};

static long scope_step(__u32 level, void *arg)
{
	struct scope_walk *w = arg;
	__u64 id = bpf_get_current_ancestor_cgroup_id(level);
	if (!id)
		return 1;
	__u64 *bits = POLICY_LOOKUP(w->gen, enf_scopes, &id);
	if (bits)
		w->mask |= *bits;
	return 0;
}

/* Scope bits of the current process: bit 0 (the host) plus the bits of every scoped cgroup
 * it is in, at any level. The walk is bounded: a scope more than OSP_ENF_MAX_DEPTH levels deep
 * is not seen. */
static __always_inline __u64 current_scopes(__u32 gen, __u32 flags)
{
	struct scope_walk w = { .mask = 1, .gen = gen };
	if (flags & OSP_ENF_HAS_CGROUPS)
		bpf_loop(OSP_ENF_MAX_DEPTH, scope_step, &w, 0);
	return w.mask;
}

static __always_inline void fill_proc(struct osp_enf_proc *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	p->tgid = pid_tgid >> 32;
	p->tid = (__u32)pid_tgid;
	p->uid = (__u32)bpf_get_current_uid_gid();
	p->pad = 0;
	p->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(p->comm, sizeof(p->comm));
}

static __always_inline void fill_hdr(struct osprey_hdr *h, __u16 kind, __u32 size)
{
	h->kind = kind;
	h->flags = 0;
	h->size = size;
	h->ktime_ns = bpf_ktime_get_ns();
}

/* Counts one decision of a rule; returns the counter so the caller can count a lost record. */
static __always_inline struct osp_enf_counter *count_rule(__u32 slot, __u8 mode)
{
	struct osp_enf_counter *c = bpf_map_lookup_elem(&enf_counters, &slot);
	if (!c)
		return NULL;
	c->hits++;
	if (mode == OSP_ENF_ENFORCE)
		c->blocked++;
	return c;
}

/* A rate bucket, created on first use, its window restarted when it has run out. The reset is
 * not atomic with concurrent increments: an increment racing the reset may land in either
 * window. Within a window, counting and the limit check are exact. */
static __always_inline struct osp_enf_bucket *bucket_get(struct osp_enf_bucket_key *key, const struct osp_enf_rule *r, __u64 now)
{
	struct osp_enf_bucket *b = bpf_map_lookup_elem(&enf_buckets, key);
	if (!b) {
		struct osp_enf_bucket fresh = { .window_start_ns = now };
		bpf_map_update_elem(&enf_buckets, key, &fresh, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&enf_buckets, key);
		if (!b)
			return NULL;
	}
	__u64 start = b->window_start_ns;
	if (r->window_ns && now - start >= r->window_ns) {
		if (__sync_val_compare_and_swap(&b->window_start_ns, start, now) == start) {
			b->calls = 0;
			b->conns = 0;
			b->bytes = 0;
		}
	}
	return b;
}

/* ---- egress decisions (connect / sendmsg) ---- */

struct net_ctx {
	struct osp_enf_lpm6 key; /* the destination as an LPM key (IPv4: first 4 address bytes) */
	__u8 daddr[16];
	__u64 scopes;
	__u64 allowed; /* bit i: a destination of meta.allow[i] matched */
	__u64 hostbits[OSP_ENF_HOST_WORDS]; /* host slots the destination was learned for */
	struct osp_enf_sk_rate track;       /* byte budgets the socket is counted against */
	__u32 gen;
	__u32 n_hosts;
	__u32 hosts[8]; /* the same, as a list */
	__u8 src_n[9];  /* references per source, once its first item has looked */
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u8 hook;
	__u8 worst; /* strongest mode among acting rules (0: none) */
	__u8 events;
	__u8 n_rate;
	__u16 rate[OSP_ENF_MAX_RATE_HITS];
	__u16 acted[MAX_EVENTS_PER_CALL]; /* rules that acted already: a rule acts once per decision */
	__u8 n_acted;
};

/* True (and remembered) the first time `slot` acts in this decision; false after. Past
 * MAX_EVENTS_PER_CALL distinct rules, later ones count again rather than be missed. */
static __always_inline bool first_act(__u16 *acted, __u8 *n, __u32 slot)
{
	for (int i = 0; i < MAX_EVENTS_PER_CALL; i++) {
		if (i >= *n)
			break;
		if (acted[i] == slot)
			return false;
	}
	if (*n < MAX_EVENTS_PER_CALL) {
		acted[bounded(*n, MAX_EVENTS_PER_CALL - 1)] = slot;
		(*n)++;
	}
	return true;
}

/* A rule acted on this connect/sendmsg: count it, remember the strongest mode, audit it. A global
 * function, so the verifier checks it once instead of at each of its call sites. */
__noinline int net_act(struct net_ctx *c, __u32 slot, __u32 mode, __u32 reason)
{
	if (!c || !first_act(c->acted, &c->n_acted, slot))
		return 0;
	struct osp_enf_counter *cnt = count_rule(slot, mode);
	if (mode > c->worst)
		c->worst = mode;
	if (c->events >= MAX_EVENTS_PER_CALL)
		return 0;
	c->events++;
	struct osp_enf_net_event *ev = bpf_ringbuf_reserve(&enf_events, sizeof(*ev), 0);
	if (!ev) {
		if (cnt)
			cnt->audit_lost++;
		stat_inc(OSP_ENF_STAT_EVENTS_LOST);
		return 0;
	}
	fill_hdr(&ev->hdr, OSP_ENF_KIND_NET, sizeof(*ev));
	fill_proc(&ev->proc);
	ev->rule = slot;
	ev->hook = c->hook;
	ev->verdict = verdict_of(mode);
	ev->reason = reason;
	ev->mode = mode;
	ev->proto = c->proto;
	ev->family = c->family;
	ev->dport = c->dport;
	ev->pad = 0;
	ev->pad2 = 0;
	__builtin_memcpy(ev->daddr, c->daddr, sizeof(ev->daddr));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

static __always_inline void apply_ref(struct net_ctx *c, const struct osp_enf_ref *ref)
{
	if (ref->proto != OSP_ENF_PROTO_ANY && ref->proto != c->proto)
		return;
	if (c->dport < ref->port_lo || c->dport > ref->port_hi)
		return;
	__u32 slot = ref->rule;
	struct osp_enf_rule *r = POLICY_LOOKUP(c->gen, enf_rules, &slot);
	if (!r || r->scope >= OSP_ENF_MAX_SCOPES || !(c->scopes & (1ull << r->scope)))
		return;
	switch (r->kind) {
	case OSP_ENF_RULE_DENY:
		net_act(c, slot, r->mode, OSP_ENF_REASON_DENIED);
		break;
	case OSP_ENF_RULE_ALLOW:
		if (r->allow_idx < OSP_ENF_MAX_ALLOWLISTS)
			c->allowed |= 1ull << r->allow_idx;
		break;
	case OSP_ENF_RULE_RATE:
		for (int i = 0; i < OSP_ENF_MAX_RATE_HITS; i++) {
			if (i == c->n_rate) {
				c->rate[bounded(i, OSP_ENF_MAX_RATE_HITS - 1)] = slot;
				c->n_rate++;
				break;
			}
			if (c->rate[i] == slot)
				break;
		}
		break;
	}
}

static __always_inline struct osp_enf_refs *source_refs(struct net_ctx *c, __u32 source)
{
	if (source == 0) {
		if (c->family == 4) {
			struct osp_enf_lpm4 k4 = { .prefixlen = 32 };
			__builtin_memcpy(k4.addr, c->key.addr, 4);
			return POLICY_LOOKUP(c->gen, enf_dst4, &k4);
		}
		return POLICY_LOOKUP(c->gen, enf_dst6, &c->key);
	}
	__u32 h = source - 1;
	if (h >= c->n_hosts || h >= 8)
		return NULL;
	__u32 host = c->hosts[h];
	return POLICY_LOOKUP(c->gen, enf_hrefs, &host);
}

/* One work item per possible reference: item i is reference i % 16 of source i / 16, where
 * source 0 is the longest-prefix match of the destination and sources 1.. are the host names the
 * address was learned for. The first item of a source remembers how many references it has, so
 * the items past that end return at once. */
static long ref_item(__u32 i, void *arg)
{
	struct net_ctx *c = arg;
	__u32 source = i / OSP_ENF_MAX_REFS, j = i % OSP_ENF_MAX_REFS;
	if (source > 8)
		return 1;
	if (j > 0 && j >= c->src_n[source])
		return 0;
	struct osp_enf_refs *refs = source_refs(c, source);
	if (!refs)
		return 0;
	if (j == 0)
		c->src_n[source] = refs->n;
	if (j >= refs->n || j >= OSP_ENF_MAX_REFS)
		return 0;
	apply_ref(c, &refs->r[j]);
	return 0;
}

static long allow_item(__u32 i, void *arg)
{
	struct net_ctx *c = arg;
	__u32 zero = 0;
	struct osp_enf_meta *meta = POLICY_LOOKUP(c->gen, enf_meta, &zero);
	if (!meta || i >= OSP_ENF_MAX_ALLOWLISTS)
		return 1;
	struct osp_enf_allowlist a = meta->allow[i];
	if (a.scope >= OSP_ENF_MAX_SCOPES || !(c->scopes & (1ull << a.scope)))
		return 0;
	if (c->allowed & (1ull << i))
		return 0;
	__u32 slot = a.rule;
	struct osp_enf_rule *r = POLICY_LOOKUP(c->gen, enf_rules, &slot);
	if (r && r->kind == OSP_ENF_RULE_ALLOW)
		net_act(c, slot, r->mode, OSP_ENF_REASON_NOT_ALLOWED);
	return 0;
}

/* log2 of a value with exactly one bit set. */
static __always_inline __u32 bit_index(__u64 b)
{
	__u32 n = 0;
	if (b >> 32) { n += 32; b >>= 32; }
	if (b >> 16) { n += 16; b >>= 16; }
	if (b >> 8) { n += 8; b >>= 8; }
	if (b >> 4) { n += 4; b >>= 4; }
	if (b >> 2) { n += 2; b >>= 2; }
	if (b >> 1) { n += 1; }
	return n;
}

static long host_word(__u32 w, void *arg)
{
	struct net_ctx *c = arg;
	if (w >= OSP_ENF_HOST_WORDS)
		return 1;
	__u64 bits = c->hostbits[w];
	for (int k = 0; k < 8 && bits; k++) {
		__u64 low = bits & -bits;
		bits &= bits - 1;
		if (c->n_hosts >= 8) {
			stat_inc(OSP_ENF_STAT_REFS_TRUNCATED);
			return 1;
		}
		c->hosts[bounded(c->n_hosts, 7)] = w * 64 + bit_index(low);
		c->n_hosts++;
	}
	return 0;
}

/* One rate budget of a rule that matched: refuse when it is spent. Connections are counted here,
 * atomically, so the connection that finds `max_conns` already used is the first one refused. */
static long rate_item(__u32 i, void *arg)
{
	struct net_ctx *c = arg;
	if (i >= OSP_ENF_MAX_RATE_HITS || i >= c->n_rate)
		return 1;
	__u32 slot = c->rate[i];
	struct osp_enf_rule *r = POLICY_LOOKUP(c->gen, enf_rules, &slot);
	if (!r)
		return 0;
	struct osp_enf_bucket_key key = { .rule = slot };
	bool per_cgroup = r->flags & OSP_ENF_RULE_PER_CGROUP;
	if (per_cgroup)
		key.cgroup_id = bpf_get_current_cgroup_id();
	struct osp_enf_bucket *b = bucket_get(&key, r, bpf_ktime_get_ns());
	if (!b)
		return 0;
	bool over = (r->max_calls && b->calls >= r->max_calls) || (r->max_bytes && b->bytes >= r->max_bytes);
	if (!over && r->max_conns && __sync_fetch_and_add(&b->conns, 1) >= r->max_conns)
		over = true;
	if (over) {
		__sync_fetch_and_add(&b->refused, 1);
		net_act(c, slot, r->mode, OSP_ENF_REASON_RATE);
	}
	if (r->max_bytes && c->track.n < OSP_ENF_MAX_RATE_HITS) {
		__u32 t = bounded(c->track.n, OSP_ENF_MAX_RATE_HITS - 1);
		c->track.rule[t] = slot;
		if (per_cgroup) {
			c->track.per_cgroup |= 1 << t;
			c->track.cgroup_id = key.cgroup_id;
		}
		c->track.n++;
	}
	return 0;
}

/* Returns 1 to let the connect/sendmsg proceed, 0 to fail it with EPERM. */
static __always_inline int decide(struct bpf_sock_addr *ctx, __u8 hook, __u8 family, const __u8 *addr, __u16 dport, bool counts_rate)
{
	struct osp_enf_state *st = get_state();
	if (!st)
		return 1;
	__u32 gen = st->gen & 1, zero = 0;
	struct osp_enf_meta *meta = POLICY_LOOKUP(gen, enf_meta, &zero);
	if (!meta || !(meta->flags & OSP_ENF_HAS_NET))
		return 1;

	struct net_ctx c = {};
	c.gen = gen;
	c.hook = hook;
	c.family = family;
	c.dport = dport;
	c.proto = (__u8)ctx->protocol;
	c.scopes = current_scopes(gen, meta->flags);
	__u32 n_allow = meta->n_allow;

	struct osp_enf_learned *learned;
	if (family == 4) {
		__builtin_memcpy(c.key.addr, addr, 4);
		__builtin_memcpy(c.daddr, addr, 4);
		__u32 a4;
		__builtin_memcpy(&a4, addr, 4);
		learned = bpf_map_lookup_elem(&enf_learn4, &a4);
	} else {
		c.key.prefixlen = 128;
		__builtin_memcpy(c.key.addr, addr, 16);
		__builtin_memcpy(c.daddr, addr, 16);
		learned = bpf_map_lookup_elem(&enf_learn6, addr);
	}
	if (learned) {
		__builtin_memcpy(c.hostbits, learned->hosts, sizeof(c.hostbits));
		bpf_loop(OSP_ENF_HOST_WORDS, host_word, &c, 0);
	}
	bpf_loop(OSP_ENF_MAX_REFS * (1 + c.n_hosts), ref_item, &c, 0);
	if (n_allow)
		bpf_loop(n_allow < OSP_ENF_MAX_ALLOWLISTS ? n_allow : OSP_ENF_MAX_ALLOWLISTS, allow_item, &c, 0);
	if (c.worst == OSP_ENF_ENFORCE)
		return 0;
	if (!counts_rate || !c.n_rate)
		return 1;
	bpf_loop(OSP_ENF_MAX_RATE_HITS, rate_item, &c, 0);
	if (c.worst == OSP_ENF_ENFORCE)
		return 0;
	/* Sockets under a byte budget carry their bucket keys; cgroup_skb counts their packets. */
	if (c.track.n) {
		struct osp_enf_sk_rate *st = bpf_sk_storage_get(&enf_sk_rate, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (st)
			__builtin_memcpy(st, &c.track, sizeof(c.track));
	}
	return 1;
}

static __always_inline int decide6(struct bpf_sock_addr *ctx, __u8 hook6, __u8 hook4, bool counts_rate)
{
	__u32 a[4];
	a[0] = ctx->user_ip6[0];
	a[1] = ctx->user_ip6[1];
	a[2] = ctx->user_ip6[2];
	a[3] = ctx->user_ip6[3];
	__u16 dport = bpf_ntohs((__u16)ctx->user_port);
	/* ::ffff:a.b.c.d on a dual-stack socket is an IPv4 connection: IPv4 rules apply. */
	if (a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff))
		return decide(ctx, hook4, 4, (const __u8 *)&a[3], dport, counts_rate);
	return decide(ctx, hook6, 6, (const __u8 *)a, dport, counts_rate);
}

SEC("cgroup/connect4")
int enforce_connect4(struct bpf_sock_addr *ctx)
{
	__u32 a = ctx->user_ip4;
	return decide(ctx, OSP_ENF_HOOK_CONNECT4, 4, (const __u8 *)&a, bpf_ntohs((__u16)ctx->user_port), true);
}

SEC("cgroup/connect6")
int enforce_connect6(struct bpf_sock_addr *ctx)
{
	return decide6(ctx, OSP_ENF_HOOK_CONNECT6, OSP_ENF_HOOK_CONNECT4, true);
}

/* Rate budgets count connections; a datagram is not one, so sendmsg only checks deny/allow. */
SEC("cgroup/sendmsg4")
int enforce_sendmsg4(struct bpf_sock_addr *ctx)
{
	__u32 a = ctx->user_ip4;
	return decide(ctx, OSP_ENF_HOOK_SENDMSG4, 4, (const __u8 *)&a, bpf_ntohs((__u16)ctx->user_port), false);
}

SEC("cgroup/sendmsg6")
int enforce_sendmsg6(struct bpf_sock_addr *ctx)
{
	return decide6(ctx, OSP_ENF_HOOK_SENDMSG6, OSP_ENF_HOOK_SENDMSG4, false);
}

/* ---- byte budgets ---- */

static __always_inline void count_bytes(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	struct osp_enf_sk_rate *st = bpf_sk_storage_get(&enf_sk_rate, sk, 0, 0);
	if (!st)
		return;
	__u64 len = skb->len;
	for (int i = 0; i < OSP_ENF_MAX_RATE_HITS; i++) {
		if (i >= st->n)
			break;
		struct osp_enf_bucket_key key = { .rule = st->rule[i], .cgroup_id = (st->per_cgroup >> i) & 1 ? st->cgroup_id : 0 };
		struct osp_enf_bucket *b = bpf_map_lookup_elem(&enf_buckets, &key);
		if (b)
			__sync_fetch_and_add(&b->bytes, len);
	}
}

/* ---- DNS answers for watched host names ---- */

#define DNS_PORT 53
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_MAX_ANSWERS 16
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

struct dns_walk {
	struct __sk_buff *skb;
	__u32 off;     /* next answer record */
	__u32 limit;   /* end of the UDP payload */
	__u64 expires_add; /* grace, ns */
	__u64 now;
};

/* Backward pass over the name: after byte i, `hash` is the FNV-1a-style hash of name[i..end),
 * which at a label start is the hash of that suffix. (src/enforce/dns-name.ts computes the same.) */
static long hash_step(__u32 k, void *arg)
{
	__u32 zero = 0;
	struct dns_scratch *s = bpf_map_lookup_elem(&enf_dns_scratch, &zero);
	if (!s || k >= s->end)
		return 1;
	__u32 i = s->end - 1 - k;
	if (i >= OSP_ENF_DNS_NAME_LEN)
		return 1;
	__u8 ch = s->name[i];
	/* Lower-case: length bytes are ≤ 63, below 'A', so they are left alone. */
	if (ch >= 'A' && ch <= 'Z')
		ch += 32;
	s->hash = (s->hash ^ ch) * FNV_PRIME;
	if (!((s->starts[i / 64] >> (i % 64)) & 1))
		return 0;
	struct osp_enf_name_key key = { .hash = s->hash, .wildcard = i != 0 };
	__u32 *host = bpf_map_lookup_elem(&enf_names, &key);
	if (host && s->n_hosts < 8) {
		s->hosts[s->n_hosts & 7] = *host;
		s->n_hosts++;
	}
	return 0;
}

/* Forward pass over the labels: mark where each starts (s->starts), find the end (s->end). */
static long label_step(__u32 k, void *arg)
{
	__u32 zero = 0;
	struct dns_scratch *s = bpf_map_lookup_elem(&enf_dns_scratch, &zero);
	if (!s)
		return 1;
	__u32 pos = s->end;
	if (pos >= s->avail || pos >= OSP_ENF_DNS_NAME_LEN)
		return 1;
	__u8 len = s->name[pos];
	if (len == 0) {
		s->ok = 1;
		return 1;
	}
	if (len > 63)
		return 1; /* compression in a question, or garbage */
	s->starts[(pos / 64) & 3] |= 1ull << (pos % 64);
	s->end = pos + 1 + len;
	return 0;
}

static __always_inline void learn(void *map, const void *addr, __u8 family, __u32 ttl, struct dns_walk *w)
{
	__u32 zero = 0;
	struct dns_scratch *s = bpf_map_lookup_elem(&enf_dns_scratch, &zero);
	if (!s)
		return;
	__u64 expires = w->now + (__u64)ttl * 1000000000ull + w->expires_add;
	struct osp_enf_learned *l = bpf_map_lookup_elem(map, addr);
	if (!l) {
		struct osp_enf_learned fresh = { .expires_ns = expires };
		if (bpf_map_update_elem(map, addr, &fresh, BPF_NOEXIST) != 0 && bpf_map_lookup_elem(map, addr) == NULL) {
			stat_inc(OSP_ENF_STAT_LEARN_FULL);
			return;
		}
		l = bpf_map_lookup_elem(map, addr);
		if (!l)
			return;
	}
	for (int i = 0; i < 8; i++) {
		if (i >= s->n_hosts)
			break;
		__u32 h = s->hosts[i];
		if (h < OSP_ENF_MAX_HOSTS)
			__sync_fetch_and_or(&l->hosts[(h / 64) & (OSP_ENF_HOST_WORDS - 1)], 1ull << (h % 64));
	}
	if (l->expires_ns < expires)
		l->expires_ns = expires;

	struct osp_enf_learned_event *ev = bpf_ringbuf_reserve(&enf_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(OSP_ENF_STAT_EVENTS_LOST);
		return;
	}
	fill_hdr(&ev->hdr, OSP_ENF_KIND_LEARNED, sizeof(*ev));
	ev->ttl = ttl;
	ev->family = family;
	ev->pad[0] = ev->pad[1] = ev->pad[2] = 0;
	for (int i = 0; i < OSP_ENF_HOST_WORDS; i++)
		ev->hosts[i] = 0;
	for (int i = 0; i < 8; i++) {
		if (i >= s->n_hosts)
			break;
		__u32 h = s->hosts[i];
		if (h < OSP_ENF_MAX_HOSTS)
			ev->hosts[(h / 64) & (OSP_ENF_HOST_WORDS - 1)] |= 1ull << (h % 64);
	}
	__builtin_memset(ev->addr, 0, sizeof(ev->addr));
	if (family == 4)
		__builtin_memcpy(ev->addr, addr, 4);
	else
		__builtin_memcpy(ev->addr, addr, 16);
	bpf_ringbuf_submit(ev, 0);
}

/* One answer record: skip its (usually compressed) owner name, learn A/AAAA data. */
static long answer_item(__u32 k, void *arg)
{
	struct dns_walk *w = arg;
	struct __sk_buff *skb = w->skb;
	__u32 off = w->off;
	for (int labels = 0; labels < 64; labels++) {
		__u8 len;
		if (off >= w->limit || bpf_skb_load_bytes(skb, off, &len, 1) != 0)
			return 1;
		if ((len & 0xc0) == 0xc0) {
			off += 2;
			break;
		}
		off += 1 + len;
		if (len == 0)
			break;
	}
	struct {
		__be16 type;
		__be16 class;
		__be32 ttl;
		__be16 rdlen;
	} __attribute__((packed)) rr;
	if (off + sizeof(rr) > w->limit || bpf_skb_load_bytes(skb, off, &rr, sizeof(rr)) != 0)
		return 1;
	off += sizeof(rr);
	__u16 type = bpf_ntohs(rr.type), rdlen = bpf_ntohs(rr.rdlen);
	__u32 ttl = bpf_ntohl(rr.ttl);
	if (ttl > 7 * 86400)
		ttl = 7 * 86400;
	if (bpf_ntohs(rr.class) == DNS_CLASS_IN && off + rdlen <= w->limit) {
		if (type == DNS_TYPE_A && rdlen == 4) {
			__u32 a4;
			if (bpf_skb_load_bytes(skb, off, &a4, 4) == 0)
				learn(&enf_learn4, &a4, 4, ttl, w);
		} else if (type == DNS_TYPE_AAAA && rdlen == 16) {
			struct in6_addr a6;
			if (bpf_skb_load_bytes(skb, off, &a6, 16) == 0)
				learn(&enf_learn6, &a6, 6, ttl, w);
		}
	}
	w->off = off + rdlen;
	return 0;
}

/* A DNS answer (UDP from port 53) whose question is a watched name, or below a watched
 * "*.suffix": every A/AAAA record in it — the name's own, or its CNAME target's — is learned
 * for that host, before the resolver's socket receives the packet. DNS over TCP, DoT and DoH
 * are not parsed; user-space resolution and captured SNI cover those. */
static __always_inline void snoop_dns(struct __sk_buff *skb, struct osp_enf_state *st)
{
	__u32 udp_off;
	__u8 first;
	if (bpf_skb_load_bytes(skb, 0, &first, 1) != 0)
		return;
	if ((first >> 4) == 4) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) != 0)
			return;
		if (ip.protocol != IPPROTO_UDP || (bpf_ntohs(ip.frag_off) & 0x3fff))
			return;
		udp_off = ip.ihl * 4;
	} else if ((first >> 4) == 6) {
		struct ipv6hdr ip6;
		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) != 0)
			return;
		if (ip6.nexthdr != IPPROTO_UDP)
			return;
		udp_off = sizeof(ip6);
	} else {
		return;
	}
	struct udphdr udp;
	if (bpf_skb_load_bytes(skb, udp_off, &udp, sizeof(udp)) != 0 || udp.source != bpf_htons(DNS_PORT))
		return;
	__u32 dns = udp_off + sizeof(udp);
	struct {
		__be16 id, flags, qd, an, ns, ar;
	} h;
	if (bpf_skb_load_bytes(skb, dns, &h, sizeof(h)) != 0)
		return;
	__u16 flags = bpf_ntohs(h.flags);
	/* A response (QR), standard query, no error, one question, some answers. */
	if (!(flags & 0x8000) || (flags & 0x7800) || (flags & 0xf) || bpf_ntohs(h.qd) != 1 || h.an == 0)
		return;

	__u32 zero = 0;
	struct dns_scratch *s = bpf_map_lookup_elem(&enf_dns_scratch, &zero);
	if (!s)
		return;
	__u32 qname = dns + sizeof(h);
	__u32 limit = skb->len;
	if (qname >= limit)
		return;
	__u32 avail = limit - qname;
	if (avail > OSP_ENF_DNS_NAME_LEN - 1)
		avail = OSP_ENF_DNS_NAME_LEN - 1;
	if (avail < 1)
		return;
	__builtin_memset(s->name, 0, sizeof(s->name));
	if (bpf_skb_load_bytes(skb, qname, s->name, avail) != 0)
		return;
	for (int i = 0; i < OSP_ENF_DNS_NAME_LEN / 64; i++)
		s->starts[i] = 0;
	s->avail = avail;
	s->end = 0;
	s->ok = 0;
	bpf_loop(128, label_step, NULL, 0);
	__u32 pos = s->end;
	if (!s->ok || pos == 0) {
		stat_inc(OSP_ENF_STAT_DNS_MALFORMED);
		return;
	}
	s->hash = FNV_OFFSET;
	s->n_hosts = 0;
	bpf_loop(OSP_ENF_DNS_NAME_LEN, hash_step, NULL, 0);
	if (s->n_hosts == 0)
		return;
	stat_inc(OSP_ENF_STAT_DNS_ANSWERS);

	struct dns_walk w = {
		.skb = skb,
		.off = qname + pos + 1 + 4, /* past the zero label, QTYPE and QCLASS */
		.limit = limit,
		.expires_add = st->dns_grace_ns,
		.now = bpf_ktime_get_ns(),
	};
	__u16 an = bpf_ntohs(h.an);
	bpf_loop(an < DNS_MAX_ANSWERS ? an : DNS_MAX_ANSWERS, answer_item, &w, 0);
}

SEC("cgroup_skb/ingress")
int enforce_skb_ingress(struct __sk_buff *skb)
{
	struct osp_enf_state *st = get_state();
	if (!st)
		return 1;
	__u32 zero = 0;
	struct osp_enf_meta *meta = POLICY_LOOKUP(st->gen & 1, enf_meta, &zero);
	if (!meta)
		return 1;
	if (meta->flags & OSP_ENF_HAS_BYTES)
		count_bytes(skb);
	if (meta->flags & OSP_ENF_HAS_HOSTS)
		snoop_dns(skb, st);
	return 1;
}

SEC("cgroup_skb/egress")
int enforce_skb_egress(struct __sk_buff *skb)
{
	struct osp_enf_state *st = get_state();
	if (!st)
		return 1;
	__u32 zero = 0;
	struct osp_enf_meta *meta = POLICY_LOOKUP(st->gen & 1, enf_meta, &zero);
	if (meta && (meta->flags & OSP_ENF_HAS_BYTES))
		count_bytes(skb);
	return 1;
}

/* ---- exec ---- */

struct exec_ctx {
	struct osp_enf_refs ino_refs;
	__u64 scopes;
	__u64 ino;
	__u32 dev;
	__u32 gen;
	__u8 have_path;
	__u8 worst;
	__u8 events;
	__u8 n_acted;
	__u16 acted[MAX_EVENTS_PER_CALL];
};

__noinline int exec_act(struct exec_ctx *c, __u32 slot, __u32 mode)
{
	if (!c || !first_act(c->acted, &c->n_acted, slot))
		return 0;
	struct osp_enf_counter *cnt = count_rule(slot, mode);
	if (mode > c->worst)
		c->worst = mode;
	if (c->events >= MAX_EVENTS_PER_CALL)
		return 0;
	c->events++;
	struct osp_enf_exec_event *ev = bpf_ringbuf_reserve(&enf_events, sizeof(*ev), 0);
	if (!ev) {
		if (cnt)
			cnt->audit_lost++;
		stat_inc(OSP_ENF_STAT_EVENTS_LOST);
		return 0;
	}
	fill_hdr(&ev->hdr, OSP_ENF_KIND_EXEC, sizeof(*ev));
	fill_proc(&ev->proc);
	ev->rule = slot;
	ev->hook = OSP_ENF_HOOK_EXEC;
	ev->verdict = verdict_of(mode);
	ev->reason = OSP_ENF_REASON_DENIED;
	ev->mode = mode;
	ev->pad = 0;
	ev->dev = c->dev;
	ev->pad2 = 0;
	ev->ino = c->ino;
	__u32 zero = 0;
	struct osp_enf_path_key *p = bpf_map_lookup_elem(&enf_path_scratch, &zero);
	if (p)
		__builtin_memcpy(ev->filename, p->path, sizeof(ev->filename));
	else
		ev->filename[0] = 0;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

static __always_inline void exec_ref(struct exec_ctx *c, const struct osp_enf_ref *ref)
{
	__u32 slot = ref->rule;
	struct osp_enf_rule *r = POLICY_LOOKUP(c->gen, enf_rules, &slot);
	if (!r || r->kind != OSP_ENF_RULE_EXEC || r->scope >= OSP_ENF_MAX_SCOPES || !(c->scopes & (1ull << r->scope)))
		return;
	exec_act(c, slot, r->mode);
}

/* Items 0..15: references of the binary's inode; 16..31: of the path it was executed by. */
static long exec_item(__u32 i, void *arg)
{
	struct exec_ctx *c = arg;
	__u32 j = i % OSP_ENF_MAX_REFS;
	if (i < OSP_ENF_MAX_REFS) {
		if (j >= c->ino_refs.n)
			return 0;
		struct osp_enf_ref ref = c->ino_refs.r[j];
		exec_ref(c, &ref);
		return 0;
	}
	if (!c->have_path)
		return 1;
	__u32 zero = 0;
	struct osp_enf_path_key *p = bpf_map_lookup_elem(&enf_path_scratch, &zero);
	if (!p)
		return 1;
	struct osp_enf_refs *refs = POLICY_LOOKUP(c->gen, enf_xpath, p);
	if (!refs || j >= refs->n)
		return 1;
	struct osp_enf_ref ref = refs->r[j];
	exec_ref(c, &ref);
	return 0;
}

/* sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm): the new
 * image is mapped and comm is the new program's, but no user instruction has run. A binary is
 * denied by its inode (path rules are resolved to inodes by the enforcer, hash rules too) or by
 * the exact path it was executed by; for a script, bprm->file is the interpreter, so a script
 * is matched by its path. */
SEC("raw_tp/sched_process_exec")
int enforce_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct osp_enf_state *st = get_state();
	if (!st)
		return 0;
	__u32 gen = st->gen & 1, zero = 0;
	struct osp_enf_meta *meta = POLICY_LOOKUP(gen, enf_meta, &zero);
	if (!meta || !(meta->flags & OSP_ENF_HAS_EXEC))
		return 0;
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct exec_ctx c = {};
	c.gen = gen;
	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
	c.ino = BPF_CORE_READ(inode, i_ino);
	c.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	struct osp_enf_inode_key ik = { .ino = c.ino, .dev = c.dev };
	struct osp_enf_refs *ino_refs = POLICY_LOOKUP(gen, enf_xino, &ik);
	if (ino_refs)
		__builtin_memcpy(&c.ino_refs, ino_refs, sizeof(c.ino_refs));

	struct osp_enf_path_key *p = bpf_map_lookup_elem(&enf_path_scratch, &zero);
	if (!p)
		return 0;
	__builtin_memset(p->path, 0, sizeof(p->path));
	const char *filename = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(p->path, sizeof(p->path), filename) > 0)
		c.have_path = POLICY_LOOKUP(gen, enf_xpath, p) != NULL;
	if (!ino_refs && !c.have_path)
		return 0;

	c.scopes = current_scopes(gen, meta->flags);
	bpf_loop(2 * OSP_ENF_MAX_REFS, exec_item, &c, 0);
	if (c.worst == OSP_ENF_ENFORCE)
		bpf_send_signal(SIGKILL);
	return 0;
}

/* ---- LLM calls counted in user space ---- */

SEC("syscall")
int note_usage(struct osp_enf_usage *u)
{
	u->err = 0;
	u->over = 0;
	struct osp_enf_state *st = get_state();
	if (!st) {
		u->err = -2;
		return 0;
	}
	struct osp_enf_bucket_key key = u->key;
	key.pad = 0;
	__u32 slot = key.rule;
	struct osp_enf_rule *r = POLICY_LOOKUP(st->gen & 1, enf_rules, &slot);
	if (!r || r->kind != OSP_ENF_RULE_RATE) {
		u->err = -22;
		return 0;
	}
	struct osp_enf_bucket *b = bucket_get(&key, r, bpf_ktime_get_ns());
	if (!b) {
		u->err = -12;
		return 0;
	}
	__u64 calls = __sync_fetch_and_add(&b->calls, u->calls) + u->calls;
	if (u->bytes)
		__sync_fetch_and_add(&b->bytes, u->bytes);
	u->calls_in_window = calls;
	u->over = (r->max_calls && calls >= r->max_calls) || (r->max_bytes && b->bytes >= r->max_bytes);
	return 0;
}
