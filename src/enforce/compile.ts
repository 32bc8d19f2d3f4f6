/**
 * Policy → map contents, as the text osprey-enforcer's `apply` reads (see parse_policy() in
 * bpf/enforcer.c). All decisions that need the whole policy are made here, so the kernel does one
 * bounded amount of work per connect():
 *
 *  - Prefix rules are flattened: each prefix in the LPM trie carries its own rule references and
 *    those of every shorter prefix containing it, so the longest match alone says which rules
 *    apply. A prefix with more than 16 references is rejected (the kernel's bound).
 *  - Rules keep their slot (and so their counters and rate budgets) across applies while their name
 *    and kind stay; new rules take slots the active policy does not use, so the active policy
 *    never sees a slot change under it. Host names keep their slot the same way, which keeps the
 *    addresses already learned for them.
 */
import { dnsNameHash } from './dns-name.js';
import type { ResolvedExec } from './exec-targets.js';
import { formatIp, formatPrefix, maskBytes, parsePrefix, prefixKey, type Prefix } from './net.js';
import { LIMITS, PolicyError, type Destination, type Mode, type Policy, type Rule } from './policy.js';
import type { ResolvedScope, ScopeResolution } from './scopes.js';

/** enum osp_enf_rule_kind / osp_enf_mode / meta flags in bpf/enforce.h. */
export const KERNEL_KIND = { deny: 1, allow_only: 2, rate_limit: 3, deny_exec: 4 } as const;
export const KERNEL_KIND_NAME: Record<number, string> = { 1: 'deny', 2: 'allow', 3: 'rate', 4: 'exec' };
export const KERNEL_MODE: Record<Mode, number> = { observe: 1, alert: 2, enforce: 3 };
export const META_FLAGS = { net: 0x1, exec: 0x2, bytes: 0x4, cgroups: 0x8, hosts: 0x10 } as const;
const RULE_PER_CGROUP = 0x1;
const PROTO: Record<Destination['protocol'], number> = { tcp: 6, udp: 17, any: 0 };

export interface PreviousAssignment {
  /** Rule name → slot and kernel kind, from the policy in force. */
  readonly rules: ReadonlyMap<string, { slot: number; kind: number }>;
  /** Host pattern → slot. */
  readonly hosts: ReadonlyMap<string, number>;
}

export const NO_PREVIOUS: PreviousAssignment = { rules: new Map(), hosts: new Map() };

export interface LearnedAddress {
  readonly host: string;
  readonly address: string;
  readonly ttlSeconds: number;
}

export interface CompileInput {
  readonly policy: Policy;
  readonly scopes: ScopeResolution;
  /** deny_exec rules' binaries, by rule index. */
  readonly exec: ReadonlyMap<number, ResolvedExec>;
  readonly previous: PreviousAssignment;
  /** Addresses user space resolved for exact host names (seeded after the flip). */
  readonly learned?: readonly LearnedAddress[];
}

export interface CompiledRule {
  readonly slot: number;
  readonly name: string;
  readonly action: Rule['action'];
  readonly mode: Mode;
  readonly scopeBit: number;
  readonly scopeLabel: string;
  readonly destinations: readonly string[];
  /** Host patterns among the destinations. */
  readonly hosts: readonly string[];
  readonly limits?: { calls: number | null; connections: number | null; bytes: number | null; windowMs: number; per: 'scope' | 'cgroup'; onExceed: string };
  readonly executables?: readonly string[];
}

export interface CompiledPolicy {
  readonly text: string;
  readonly rules: readonly CompiledRule[];
  readonly hosts: readonly { slot: number; pattern: string }[];
  readonly scopes: readonly { bit: number; label: string; cgroups: readonly { id: string; path: string }[] }[];
  readonly resets: readonly number[];
  readonly drops: readonly number[];
  readonly counts: { readonly prefixes4: number; readonly prefixes6: number; readonly hosts: number; readonly binaries: number; readonly paths: number };
}

interface Ref {
  readonly rule: number;
  readonly proto: number;
  readonly lo: number;
  readonly hi: number;
}

const refText = (r: Ref): string => `${r.rule}:${r.proto}:${r.lo}-${r.hi}`;

function refsOf(slot: number, d: Destination): Ref[] {
  const proto = PROTO[d.protocol];
  if (d.ports.length === 0) return [{ rule: slot, proto, lo: 0, hi: 65535 }];
  return d.ports.map((p) => ({ rule: slot, proto, lo: p.lo, hi: p.hi }));
}

function refsLine(refs: readonly Ref[]): string {
  return `${refs.length}${refs.map((r) => ` ${refText(r)}`).join('')}`;
}

function lowestFree(used: ReadonlySet<number>, taken: Set<number>, max: number): number | null {
  for (let s = 0; s < max; s++) if (!used.has(s) && !taken.has(s)) return s;
  return null;
}

function destinationsOf(rule: Rule): readonly Destination[] {
  return rule.action === 'deny_exec' ? [] : rule.to;
}

export function compilePolicy(input: CompileInput): CompiledPolicy {
  const { policy, scopes, previous } = input;
  const lines: string[] = ['osprey-enforce-policy 1', `grace ${BigInt(policy.defaults.dnsGraceMs) * 1_000_000n}`];

  // ---- rule slots ----
  const prevUsed = new Set([...previous.rules.values()].map((r) => r.slot));
  const taken = new Set<number>();
  const slots = new Map<number, number>(); // rule index → slot
  const resets: number[] = [];
  for (const rule of policy.rules) {
    const prev = previous.rules.get(rule.name);
    if (prev && prev.kind === KERNEL_KIND[rule.action] && !taken.has(prev.slot)) {
      slots.set(rule.index, prev.slot);
      taken.add(prev.slot);
    }
  }
  for (const rule of policy.rules) {
    if (slots.has(rule.index)) continue;
    const slot = lowestFree(prevUsed, taken, LIMITS.rules);
    if (slot === null) throw new PolicyError(`rules[${rule.index}] (${rule.name})`, `no free rule slot: the policy in force and this one together use all ${LIMITS.rules}; apply a smaller policy first`);
    slots.set(rule.index, slot);
    taken.add(slot);
    resets.push(slot);
  }

  // ---- host slots ----
  const hostPatterns = new Map<string, { name: string; wildcard: boolean }>();
  for (const rule of policy.rules) for (const d of destinationsOf(rule)) if (d.target.kind === 'host') hostPatterns.set(d.target.host.pattern, d.target.host);
  if (hostPatterns.size > LIMITS.hosts) throw new PolicyError('rules', `${hostPatterns.size} distinct host names; at most ${LIMITS.hosts}`);
  const hostSlot = new Map<string, number>();
  const hostTaken = new Set<number>();
  const prevHostUsed = new Set(previous.hosts.values());
  for (const pattern of hostPatterns.keys()) {
    const prev = previous.hosts.get(pattern);
    if (prev !== undefined && !hostTaken.has(prev)) {
      hostSlot.set(pattern, prev);
      hostTaken.add(prev);
    }
  }
  for (const pattern of hostPatterns.keys()) {
    if (hostSlot.has(pattern)) continue;
    const slot = lowestFree(prevHostUsed, hostTaken, LIMITS.hosts);
    if (slot === null) throw new PolicyError('rules', `no free host slot for ${pattern}: the policy in force and this one together name more than ${LIMITS.hosts} hosts`);
    hostSlot.set(pattern, slot);
    hostTaken.add(slot);
  }
  const drops = [...previous.hosts.entries()].filter(([p, s]) => hostSlot.get(p) !== s).map(([, s]) => s).filter((s) => !hostTaken.has(s));

  // ---- rules, allow lists, destinations ----
  let flags = 0;
  const allowLines: string[] = [];
  const own = new Map<string, { prefix: Prefix; refs: Ref[]; rules: Set<string> }>();
  const hostRefs = new Map<number, Ref[]>();
  const compiled: CompiledRule[] = [];
  const addPrefix = (prefix: Prefix, refs: readonly Ref[], ruleName: string): void => {
    const key = prefixKey(prefix);
    let e = own.get(key);
    if (!e) {
      e = { prefix, refs: [], rules: new Set() };
      own.set(key, e);
    }
    e.refs.push(...refs);
    e.rules.add(ruleName);
  };
  let nAllow = 0;
  for (const rule of policy.rules) {
    const slot = slots.get(rule.index) as number;
    const scope = scopes.ruleScope.get(rule.index) as ResolvedScope;
    const field = `rules[${rule.index}] (${rule.name})`;
    let allowIdx = 0;
    let ruleFlags = 0;
    let limits = { window: 0n, calls: 0, conns: 0, bytes: 0 };
    if (rule.action === 'allow_only') {
      if (nAllow >= LIMITS.allowLists) throw new PolicyError(field, `more than ${LIMITS.allowLists} allow_only rules in one policy`);
      allowIdx = nAllow++;
      allowLines.push(`allow ${allowIdx} ${slot} ${scope.bit}`);
    }
    if (rule.action === 'rate_limit') {
      limits = { window: BigInt(rule.windowMs) * 1_000_000n, calls: rule.calls ?? 0, conns: rule.connections ?? 0, bytes: rule.bytes ?? 0 };
      if (rule.per === 'cgroup') ruleFlags |= RULE_PER_CGROUP;
      if (rule.bytes !== null) flags |= META_FLAGS.bytes;
    }
    lines.push(
      `rule ${slot} ${KERNEL_KIND[rule.action]} ${KERNEL_MODE[rule.mode]} ${scope.bit} ${ruleFlags} ${allowIdx} ${limits.window} ${limits.calls} ${limits.conns} ${limits.bytes} ${rule.name}`,
    );
    const dests = [...destinationsOf(rule)];
    if (rule.action === 'deny_exec') {
      flags |= META_FLAGS.exec;
    } else {
      flags |= META_FLAGS.net;
      if (rule.action === 'allow_only' && rule.allowDns) {
        for (const any of ['0.0.0.0/0', '::/0']) {
          addPrefix(parsePrefix(any) as Prefix, [{ rule: slot, proto: 0, lo: 53, hi: 53 }], rule.name);
        }
      }
    }
    for (const d of dests) {
      const refs = refsOf(slot, d);
      if (d.target.kind === 'prefix') {
        addPrefix(d.target.prefix, refs, rule.name);
      } else {
        const hs = hostSlot.get(d.target.host.pattern) as number;
        const list = hostRefs.get(hs) ?? [];
        list.push(...refs);
        hostRefs.set(hs, list);
      }
    }
    compiled.push({
      slot,
      name: rule.name,
      action: rule.action,
      mode: rule.mode,
      scopeBit: scope.bit,
      scopeLabel: scope.label,
      destinations: dests.map((d) => d.text),
      hosts: dests.filter((d) => d.target.kind === 'host').map((d) => (d.target as { host: { pattern: string } }).host.pattern),
      ...(rule.action === 'rate_limit'
        ? { limits: { calls: rule.calls, connections: rule.connections, bytes: rule.bytes, windowMs: rule.windowMs, per: rule.per, onExceed: rule.onExceed } }
        : {}),
      ...(rule.action === 'deny_exec' ? { executables: rule.executables.map((e) => (e.kind === 'path' ? e.path : `sha256:${e.sha256}`)) } : {}),
    });
  }
  lines.push(...allowLines);

  // Flatten: every prefix carries the references of the prefixes containing it.
  let prefixes4 = 0;
  let prefixes6 = 0;
  // Only lengths some prefix has can hold an ancestor: probe those, not all 0..length.
  const lengthsOf = { 4: new Set<number>(), 6: new Set<number>() };
  for (const e of own.values()) lengthsOf[e.prefix.family].add(e.prefix.length);
  const sortedLengths = { 4: [...lengthsOf[4]].sort((a, b) => a - b), 6: [...lengthsOf[6]].sort((a, b) => a - b) };
  for (const e of own.values()) {
    const refs = new Map<string, Ref>();
    const rules = new Set<string>();
    for (const len of sortedLengths[e.prefix.family]) {
      if (len > e.prefix.length) break;
      const anc = own.get(prefixKey({ family: e.prefix.family, bytes: maskBytes(e.prefix.bytes, len), length: len }));
      if (!anc) continue;
      for (const r of anc.refs) refs.set(refText(r), r);
      for (const n of anc.rules) rules.add(n);
    }
    if (refs.size > LIMITS.refsPerEntry) {
      throw new PolicyError(
        'rules',
        `destination ${formatPrefix(e.prefix)} and the prefixes containing it carry ${refs.size} rule references (from ${[...rules].join(', ')}); the kernel looks at most ${LIMITS.refsPerEntry}: merge port ranges or rules`,
      );
    }
    if (e.prefix.family === 4) prefixes4++;
    else prefixes6++;
    lines.push(`dst ${formatIp(e.prefix.family, e.prefix.bytes)} ${e.prefix.length} ${refsLine([...refs.values()])}`);
  }

  for (const [slot, refs] of hostRefs) {
    const unique = [...new Map(refs.map((r) => [refText(r), r])).values()];
    if (unique.length > LIMITS.refsPerEntry) {
      const pattern = [...hostSlot].find(([, s]) => s === slot)?.[0];
      throw new PolicyError('rules', `host ${pattern} is named by ${unique.length} rule/port combinations; the kernel looks at most ${LIMITS.refsPerEntry}`);
    }
    lines.push(`href ${slot} ${refsLine(unique)}`);
  }
  for (const [pattern, host] of hostPatterns) {
    lines.push(`name 0x${dnsNameHash(host.name).toString(16)} ${host.wildcard ? 1 : 0} ${hostSlot.get(pattern)}`);
  }
  if (hostPatterns.size > 0) flags |= META_FLAGS.hosts;

  // ---- scopes ----
  const masks = new Map<bigint, bigint>();
  for (const s of scopes.scopes) {
    for (const cg of s.cgroups) masks.set(cg.id, (masks.get(cg.id) ?? 0n) | (1n << BigInt(s.bit)));
  }
  for (const [id, mask] of masks) lines.push(`scope ${id} ${mask}`);
  if (masks.size > 0) flags |= META_FLAGS.cgroups;

  // ---- executables ----
  const inoRefs = new Map<string, { dev: number; ino: bigint; refs: Ref[] }>();
  const pathRefs = new Map<string, Ref[]>();
  let binaries = 0;
  for (const rule of policy.rules) {
    if (rule.action !== 'deny_exec') continue;
    const slot = slots.get(rule.index) as number;
    const ref: Ref = { rule: slot, proto: 0, lo: 0, hi: 0 };
    const resolved = input.exec.get(rule.index);
    for (const b of resolved?.binaries ?? []) {
      const key = `${b.dev}:${b.ino}`;
      const e = inoRefs.get(key) ?? { dev: b.dev, ino: b.ino, refs: [] };
      if (!e.refs.some((r) => r.rule === slot)) e.refs.push(ref);
      inoRefs.set(key, e);
    }
    for (const p of resolved?.paths ?? []) {
      const list = pathRefs.get(p) ?? [];
      if (!list.some((r) => r.rule === slot)) list.push(ref);
      pathRefs.set(p, list);
    }
  }
  for (const e of inoRefs.values()) {
    if (e.refs.length > LIMITS.refsPerEntry) throw new PolicyError('rules', `one binary is denied by more than ${LIMITS.refsPerEntry} rules`);
    lines.push(`xino ${e.dev} ${e.ino} ${refsLine(e.refs)}`);
    binaries++;
  }
  for (const [p, refs] of pathRefs) {
    if (refs.length > LIMITS.refsPerEntry) throw new PolicyError('rules', `${p} is denied by more than ${LIMITS.refsPerEntry} rules`);
    lines.push(`xpath ${refsLine(refs)} ${p}`);
  }

  lines.push(`meta ${flags}`);
  for (const r of resets) lines.push(`reset ${r}`);
  for (const h of drops) lines.push(`drop ${h}`);
  for (const l of input.learned ?? []) {
    const slot = hostSlot.get(l.host);
    if (slot !== undefined) lines.push(`learn ${slot} ${l.address} ${Math.max(0, Math.round(l.ttlSeconds))}`);
  }
  lines.push('end');

  return {
    text: lines.join('\n') + '\n',
    rules: compiled,
    hosts: [...hostSlot].map(([pattern, slot]) => ({ slot, pattern })),
    scopes: scopes.scopes.map((s) => ({ bit: s.bit, label: s.label, cgroups: s.cgroups.map((c) => ({ id: c.id.toString(), path: c.path })) })),
    resets,
    drops,
    counts: { prefixes4, prefixes6, hosts: hostPatterns.size, binaries, paths: pathRefs.size },
  };
}
