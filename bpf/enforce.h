/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Map layouts and audit records shared by the enforcement programs (enforce.bpf.c) and the
 * enforcer (enforcer.c). User space never decodes these in TypeScript: the enforcer prints audit
 * records as JSON lines and takes compiled policies as text (src/enforce/compile.ts writes them).
 *
 * Policy content lives twice, in an "a" and a "b" copy of every policy map, and state.gen says
 * which copy the programs read. `apply` fills the idle copy and then flips gen with one map
 * update, so a policy is replaced all at once or not at all. What must survive a re-apply —
 * counters, rate buckets, watched host names and the addresses learned for them — lives once,
 * indexed by slots that stay with a rule's (or host's) name across applies.
 */
#ifndef OSPREY_ENFORCE_H
#define OSPREY_ENFORCE_H

#include "events.h" /* struct osprey_hdr: every ring-buffer record starts with it */

/* Bumped whenever a map layout below changes: pinned maps of another ABI cannot be reused. */
#define OSP_ENF_ABI 1

#define OSP_ENF_MAX_RULES 16384   /* rule slots (rules_a/rules_b, counters) */
#define OSP_ENF_MAX_REFS 16       /* rules that can apply to one destination prefix or binary */
#define OSP_ENF_MAX_SCOPES 64     /* scope bits; bit 0 is the host */
#define OSP_ENF_MAX_HOSTS 256     /* watched host names (slots) */
#define OSP_ENF_HOST_WORDS (OSP_ENF_MAX_HOSTS / 64)
#define OSP_ENF_MAX_ALLOWLISTS 32 /* allow-only rules in one policy */
#define OSP_ENF_MAX_DEPTH 16      /* cgroup levels examined (root = level 0) */
#define OSP_ENF_MAX_RATE_HITS 4   /* rate rules one connection is counted against */
#define OSP_ENF_MAX_DST4 65536
#define OSP_ENF_MAX_DST6 16384
#define OSP_ENF_MAX_LEARNED 65536 /* addresses learned per family for watched host names */
#define OSP_ENF_MAX_EXEC 16384
#define OSP_ENF_MAX_CGROUPS 16384 /* scoped cgroups */
#define OSP_ENF_NAME_LEN 64
#define OSP_ENF_PATH_LEN 256
#define OSP_ENF_DNS_NAME_LEN 256

enum osp_enf_rule_kind {
	OSP_ENF_RULE_NONE = 0,
	OSP_ENF_RULE_DENY = 1,  /* deny egress to these destinations */
	OSP_ENF_RULE_ALLOW = 2, /* allow egress only to these destinations */
	OSP_ENF_RULE_RATE = 3,  /* budget for connections/calls/bytes to these destinations */
	OSP_ENF_RULE_EXEC = 4,  /* deny these executables */
};

enum osp_enf_mode { OSP_ENF_OBSERVE = 1, OSP_ENF_ALERT = 2, OSP_ENF_ENFORCE = 3 };

/* Protocol of a destination reference: IPPROTO_TCP, IPPROTO_UDP, or any. */
#define OSP_ENF_PROTO_ANY 0

/* Per-rule flags. */
#define OSP_ENF_RULE_PER_CGROUP 0x1 /* rate budget per leaf cgroup instead of one per scope */

struct osp_enf_rule {
	__u8 kind;  /* enum osp_enf_rule_kind; NONE marks a free slot */
	__u8 mode;  /* enum osp_enf_mode */
	__u8 scope; /* scope bit, 0..OSP_ENF_MAX_SCOPES-1 */
	__u8 flags;
	__u8 allow_idx; /* allow rules: index in osp_enf_meta.allow[] */
	__u8 pad[3];
	__u64 window_ns; /* rate rules: window length */
	__u64 max_calls; /* rate rules: 0 = no limit on this dimension */
	__u64 max_conns;
	__u64 max_bytes;
	char name[OSP_ENF_NAME_LEN];
};

/* One rule that applies to a destination prefix, a host name or a binary, with its port range. */
struct osp_enf_ref {
	__u16 rule;  /* slot */
	__u8 proto;  /* IPPROTO_TCP / IPPROTO_UDP / OSP_ENF_PROTO_ANY */
	__u8 pad;
	__u16 port_lo; /* host order; 0..65535 for any port */
	__u16 port_hi;
};

/* Every rule that applies to one LPM prefix, including the rules of all shorter prefixes that
 * contain it: user space flattens, so one longest-prefix lookup finds them all. */
struct osp_enf_refs {
	__u32 n;
	__u32 pad;
	struct osp_enf_ref r[OSP_ENF_MAX_REFS];
};

struct osp_enf_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct osp_enf_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

struct osp_enf_allowlist {
	__u16 rule;
	__u8 scope;
	__u8 pad;
};

/* Per-generation policy facts the programs read first (fast paths). */
struct osp_enf_meta {
	__u32 n_allow;
	__u32 flags; /* OSP_ENF_HAS_* */
	struct osp_enf_allowlist allow[OSP_ENF_MAX_ALLOWLISTS];
};

#define OSP_ENF_HAS_NET 0x1     /* deny/allow/rate rules on connect/sendmsg */
#define OSP_ENF_HAS_EXEC 0x2    /* exec rules */
#define OSP_ENF_HAS_BYTES 0x4   /* a rate rule counts bytes */
#define OSP_ENF_HAS_CGROUPS 0x8 /* some scope names cgroups (else every process is only in the host scope) */
#define OSP_ENF_HAS_HOSTS 0x10  /* watched host names: parse DNS answers */

/* Global state, one entry, not double-buffered. Written only by load and apply, which hold the
 * enforcer's mutation lock, so a flip is never undone by a stale read-modify-write. */
struct osp_enf_state {
	__u32 gen; /* which copy (0 = a, 1 = b) the programs read */
	__u32 abi;
	__u64 applied_ns; /* CLOCK_MONOTONIC of the last flip */
	__u64 applies;    /* number of flips */
	__u64 dns_grace_ns; /* learned addresses live TTL + this */
	__u64 build;        /* hash of the BPF object the pinned programs came from */
};

/* Per-rule counters (per CPU), indexed by slot. */
struct osp_enf_counter {
	__u64 hits;       /* decisions this rule made (would block, or blocked) */
	__u64 blocked;    /* of which enforced */
	__u64 audit_lost; /* audit records that did not fit in the ring buffer */
};

struct osp_enf_bucket_key {
	__u32 rule;
	__u32 pad;
	__u64 cgroup_id; /* 0: one budget for the whole scope */
};

struct osp_enf_bucket {
	__u64 window_start_ns;
	__u64 calls;
	__u64 conns;
	__u64 bytes;
	__u64 refused; /* connections refused (or, below enforce mode, that would have been) */
};

/* Sockets counted against byte budgets (socket-local storage, set at connect): bucket keys, as
 * rule slots plus the one cgroup id that per-cgroup budgets use. */
struct osp_enf_sk_rate {
	__u16 rule[OSP_ENF_MAX_RATE_HITS];
	__u8 n;
	__u8 per_cgroup; /* bit i: rule[i] is a per-cgroup budget */
	__u8 pad[6];
	__u64 cgroup_id;
};

/* Watched DNS names, keyed by a hash of the lower-cased wire-format name (see dns_name_hash()). */
struct osp_enf_name_key {
	__u64 hash;
	__u32 wildcard; /* 1: "*.suffix" — matches names strictly below suffix */
	__u32 pad;
};

/* Addresses learned for watched names: which host slots, until when. */
struct osp_enf_learned {
	__u64 hosts[OSP_ENF_HOST_WORDS];
	__u64 expires_ns; /* CLOCK_MONOTONIC; the enforcer removes expired entries */
};

struct osp_enf_inode_key {
	__u64 ino;
	__u32 dev; /* kernel encoding: major << 20 | minor */
	__u32 pad;
};

struct osp_enf_path_key {
	char path[OSP_ENF_PATH_LEN];
};

/* Global counters (per CPU), indexes of enf_stats. */
enum osp_enf_stat {
	OSP_ENF_STAT_EVENTS_LOST = 0,  /* audit records dropped: ring buffer full */
	OSP_ENF_STAT_LEARN_FULL = 1,   /* learned-address map full: an answer was not learned */
	OSP_ENF_STAT_DNS_ANSWERS = 2,  /* DNS answers parsed for watched names */
	OSP_ENF_STAT_DNS_MALFORMED = 3,
	OSP_ENF_STAT_REFS_TRUNCATED = 4, /* more host rules on one address than OSP_ENF_MAX_REFS */
	OSP_ENF_STAT_MAX = 5,
};

/* ---- audit records (ring buffer → enforcer → JSON lines) ---- */

enum osp_enf_kind {
	OSP_ENF_KIND_NET = 32,     /* a connect/sendmsg decision */
	OSP_ENF_KIND_EXEC = 33,    /* an exec decision */
	OSP_ENF_KIND_LEARNED = 34, /* an address learned from a DNS answer */
};

enum osp_enf_hook {
	OSP_ENF_HOOK_CONNECT4 = 1,
	OSP_ENF_HOOK_CONNECT6 = 2,
	OSP_ENF_HOOK_SENDMSG4 = 3,
	OSP_ENF_HOOK_SENDMSG6 = 4,
	OSP_ENF_HOOK_EXEC = 5,
};

enum osp_enf_verdict {
	OSP_ENF_VERDICT_OBSERVED = 1, /* observe mode: would have been blocked */
	OSP_ENF_VERDICT_ALERTED = 2,  /* alert mode: would have been blocked, raise an alert */
	OSP_ENF_VERDICT_BLOCKED = 3,  /* enforce mode: refused / killed */
};

/* Why a rule acted. */
enum osp_enf_reason {
	OSP_ENF_REASON_DENIED = 1,      /* destination or binary on a deny rule */
	OSP_ENF_REASON_NOT_ALLOWED = 2, /* destination outside an allow-only rule */
	OSP_ENF_REASON_RATE = 3,        /* over a rate budget */
};

struct osp_enf_proc {
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 pad;
	__u64 cgroup_id;
	char comm[OSP_COMM_LEN];
};

struct osp_enf_net_event {
	struct osprey_hdr hdr;
	struct osp_enf_proc proc;
	__u16 rule;
	__u8 hook;
	__u8 verdict;
	__u8 reason;
	__u8 mode;
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 dport; /* host order */
	__u16 pad;
	__u32 pad2;
	__u8 daddr[16]; /* IPv4 in the first 4 bytes */
};

struct osp_enf_exec_event {
	struct osprey_hdr hdr;
	struct osp_enf_proc proc;
	__u16 rule;
	__u8 hook;
	__u8 verdict;
	__u8 reason;
	__u8 mode;
	__u16 pad;
	__u32 dev;
	__u32 pad2;
	__u64 ino;
	char filename[OSP_ENF_PATH_LEN];
};

struct osp_enf_learned_event {
	struct osprey_hdr hdr;
	__u32 ttl;
	__u8 family;
	__u8 pad[3];
	__u64 hosts[OSP_ENF_HOST_WORDS];
	__u8 addr[16];
};

/* Context of the note_usage syscall program: user space adds LLM calls (and bytes) to a budget
 * with the same window arithmetic the connect hooks use, atomically. */
struct osp_enf_usage {
	struct osp_enf_bucket_key key;
	__u64 calls;
	__u64 bytes;
	/* out */
	__u64 calls_in_window;
	__u32 over; /* the budget is now exhausted */
	__s32 err;
};

#endif
