/**
 * Enforcement policy: the YAML a user writes (`osprey enforce apply --policy FILE`, or the
 * `enforce:` section of the agent config), parsed into typed rules. Every error names the rule
 * (position and name) and the field, and says what would be accepted.
 *
 * ```yaml
 * version: 1                        # optional
 * defaults:                         # optional
 *   mode: enforce                   # observe | alert | enforce (default enforce)
 *   dns_grace: 5m                   # a learned address outlives its DNS TTL by this much
 *   resolve_interval: 60s           # how often host names are re-resolved in user space
 * scopes:                           # optional named scopes
 *   bots: { cgroup: /osprey/bots }
 * rules:
 *   - name: no-example-ai           # unique; letters, digits, . _ : -, at most 63
 *     deny: [api.example.ai, "*.example.ai", 203.0.113.0/24, "10.0.0.5:443"]
 *     scope: host                   # host (default) | NAME | {cgroup: PATH | [PATH...]} | {agent: NAME}
 *     mode: observe
 *   - name: bots-only-openai
 *     allow_only: [api.openai.com, 127.0.0.0/8]
 *     allow_dns: true               # default true: port 53 stays reachable
 *     scope: bots
 *   - name: openai-budget
 *     rate_limit:
 *       to: ["api.openai.com:443"]
 *       calls: 500                  # LLM calls counted from captured traffic
 *       connections: 100            # counted in the kernel at connect()
 *       bytes: 50MB                 # counted in the kernel per packet, both directions
 *       window: 10m
 *       per: scope                  # scope (one budget) | cgroup (one per cgroup)
 *       on_exceed: refuse           # refuse | kill_connections | stop_process
 *     scope: { agent: support-bot }
 *   - name: no-netcat
 *     deny_exec: [/usr/bin/nc.openbsd, { sha256: "<64 hex>", search: [/opt/tools] }]
 *     scope: { cgroup: /osprey/bots }
 * ```
 *
 * A destination is `ADDR`, `ADDR/LEN`, a host name, `*.suffix`, each optionally with `:PORT` or
 * `:LO-HI` (IPv6 in brackets when a port follows: `[2001:db8::1]:443`), or a table
 * `{ to: ..., ports: [443, "8000-8100"], protocol: tcp | udp | any }`.
 */
import { UserFacingError } from '../util/errors.js';
import { parseHostPattern, type HostPattern } from './dns-name.js';
import { parsePrefix, type Prefix } from './net.js';

export const MODES = ['observe', 'alert', 'enforce'] as const;
export type Mode = (typeof MODES)[number];

export const ACTIONS = ['deny', 'allow_only', 'rate_limit', 'deny_exec'] as const;
export type Action = (typeof ACTIONS)[number];

export const PROTOCOLS = ['tcp', 'udp', 'any'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const ON_EXCEED = ['refuse', 'kill_connections', 'stop_process'] as const;
export type OnExceed = (typeof ON_EXCEED)[number];

export type ScopeSpec =
  | { readonly kind: 'host' }
  | { readonly kind: 'cgroup'; readonly paths: readonly string[] }
  | { readonly kind: 'agent'; readonly agent: string };

export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

export type Target = { readonly kind: 'prefix'; readonly prefix: Prefix } | { readonly kind: 'host'; readonly host: HostPattern };

export interface Destination {
  /** As written, for messages. */
  readonly text: string;
  readonly target: Target;
  /** Empty: every port. */
  readonly ports: readonly PortRange[];
  readonly protocol: Protocol;
}

export type ExecSpec = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'sha256'; readonly sha256: string; readonly search: readonly string[] };

interface RuleBase {
  /** 0-based position in `rules:`. */
  readonly index: number;
  readonly name: string;
  readonly mode: Mode;
  readonly scope: ScopeSpec;
  /** Scope as the user wrote it (a named scope's name, `host`, …), for status. */
  readonly scopeLabel: string;
  /** Where the scope is spelled out, for messages: `scopes.NAME` or `rules[i] (name).scope`. */
  readonly scopeField: string;
}

export interface DenyRule extends RuleBase {
  readonly action: 'deny';
  readonly to: readonly Destination[];
}

export interface AllowOnlyRule extends RuleBase {
  readonly action: 'allow_only';
  readonly to: readonly Destination[];
  readonly allowDns: boolean;
}

export interface RateLimitRule extends RuleBase {
  readonly action: 'rate_limit';
  readonly to: readonly Destination[];
  readonly calls: number | null;
  readonly connections: number | null;
  readonly bytes: number | null;
  readonly windowMs: number;
  readonly per: 'scope' | 'cgroup';
  readonly onExceed: OnExceed;
}

export interface DenyExecRule extends RuleBase {
  readonly action: 'deny_exec';
  readonly executables: readonly ExecSpec[];
}

export type Rule = DenyRule | AllowOnlyRule | RateLimitRule | DenyExecRule;

export interface PolicyDefaults {
  readonly mode: Mode;
  readonly dnsGraceMs: number;
  readonly resolveIntervalMs: number;
}

export interface Policy {
  readonly version: 1;
  readonly defaults: PolicyDefaults;
  readonly rules: readonly Rule[];
}

export const DEFAULT_POLICY_DEFAULTS: PolicyDefaults = { mode: 'enforce', dnsGraceMs: 5 * 60_000, resolveIntervalMs: 60_000 };

export const EMPTY_POLICY: Policy = { version: 1, defaults: DEFAULT_POLICY_DEFAULTS, rules: [] };

/** Limits the kernel maps impose (bpf/enforce.h). */
export const LIMITS = {
  rules: 16384,
  scopes: 63, // bit 0 is the host
  hosts: 256,
  allowLists: 32,
  refsPerEntry: 16,
  nameLength: 63,
  pathLength: 255,
} as const;

export class PolicyError extends UserFacingError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`, 'OSP_ERR_POLICY');
  }
}

type Raw = Record<string, unknown>;

function isTable(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function closest(got: string, options: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(got, o);
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return bestD <= 3 ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

function checkKeys(table: Raw, known: readonly string[], field: string): void {
  for (const k of Object.keys(table)) {
    if (!known.includes(k)) throw new PolicyError(`${field}.${k}`, `unknown field${closest(k, known)}; known fields are ${known.join(', ')}`);
  }
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `24h`, `7d`, `250ms`; a bare number is seconds. Null when it is none of those. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v * 1000 : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) return null;
  const ms = Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] as number);
  return ms > 0 ? Math.round(ms) : null;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `50MB`, `1GiB`, `4096`. */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(v);
  if (!m) return null;
  const n = Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] as number));
  return n > 0 ? n : null;
}

function parsePorts(text: string): PortRange | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text.trim());
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) return null;
  return { lo, hi };
}

const DEST_HELP = 'expected ADDR, ADDR/LEN, a host name or *.suffix, optionally with :PORT or :LO-HI ([v6]:PORT for IPv6)';

/** Splits `x:443` / `[v6]:443` / `v6` into target text and port text. */
function splitPort(text: string): { target: string; port: string | null } {
  const t = text.trim();
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return { target: t, port: null };
    const rest = t.slice(close + 1);
    return { target: t.slice(1, close), port: rest.startsWith(':') ? rest.slice(1) : rest === '' ? null : rest };
  }
  const colons = t.split(':').length - 1;
  if (colons === 1) {
    const i = t.indexOf(':');
    return { target: t.slice(0, i), port: t.slice(i + 1) };
  }
  return { target: t, port: null }; // no port, or a bare IPv6 address
}

function parseTarget(text: string): Target | null {
  const prefix = parsePrefix(text);
  if (prefix) return { kind: 'prefix', prefix };
  const host = parseHostPattern(text);
  return host ? { kind: 'host', host } : null;
}

function parseDestination(raw: unknown, field: string, defaultProtocol: Protocol): Destination {
  if (typeof raw === 'string') {
    const { target, port } = splitPort(raw);
    const t = parseTarget(target);
    if (!t) throw new PolicyError(field, `${show(raw)} is not a destination: ${DEST_HELP}`);
    let ports: PortRange[] = [];
    if (port !== null) {
      const p = parsePorts(port);
      if (!p) throw new PolicyError(field, `${show(raw)}: ${show(port)} is not a port or port range 1-65535`);
      ports = [p];
    }
    return { text: raw, target: t, ports, protocol: defaultProtocol };
  }
  if (isTable(raw)) {
    checkKeys(raw, ['to', 'ports', 'protocol'], field);
    if (typeof raw.to !== 'string') throw new PolicyError(`${field}.to`, `must be a string: ${DEST_HELP.replace(', optionally with :PORT or :LO-HI ([v6]:PORT for IPv6)', '')}`);
    const t = parseTarget(raw.to);
    if (!t) throw new PolicyError(`${field}.to`, `${show(raw.to)} is not an address, prefix or host name`);
    const ports: PortRange[] = [];
    if (raw.ports !== undefined) {
      const list = Array.isArray(raw.ports) ? raw.ports : [raw.ports];
      list.forEach((p, i) => {
        const r = parsePorts(String(p));
        if (!r || (typeof p !== 'number' && typeof p !== 'string')) throw new PolicyError(`${field}.ports[${i}]`, `${show(p)} is not a port or range like 443 or "8000-8100"`);
        ports.push(r);
      });
    }
    const protocol = raw.protocol ?? defaultProtocol;
    if (!PROTOCOLS.includes(protocol as Protocol)) throw new PolicyError(`${field}.protocol`, `must be one of ${PROTOCOLS.join(', ')} (got ${show(protocol)})`);
    return { text: raw.to + (ports.length ? `:${ports.map((p) => (p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`)).join(',')}` : ''), target: t, ports, protocol: protocol as Protocol };
  }
  throw new PolicyError(field, `${show(raw)} is not a destination: ${DEST_HELP}`);
}

function parseDestinations(raw: unknown, field: string, defaultProtocol: Protocol): Destination[] {
  const list = typeof raw === 'string' || isTable(raw) ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) throw new PolicyError(field, 'must list at least one destination');
  return list.map((d, i) => parseDestination(d, `${field}[${i}]`, defaultProtocol));
}

function parseCgroupPath(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v.startsWith('/')) throw new PolicyError(field, `must be a cgroup path as /proc/PID/cgroup shows it, starting with / (got ${show(v)})`);
  if (v.split('/').some((seg) => seg === '..' || seg === '.')) throw new PolicyError(field, `must not contain . or .. (got ${show(v)})`);
  return v.length > 1 && v.endsWith('/') ? v.slice(0, -1) : v;
}

function parseScope(raw: unknown, field: string, named: ReadonlyMap<string, ScopeSpec>): { scope: ScopeSpec; label: string; where: string } {
  if (raw === undefined || raw === 'host') return { scope: { kind: 'host' }, label: 'host', where: field };
  if (typeof raw === 'string') {
    const s = named.get(raw);
    if (!s) {
      const names = [...named.keys()];
      throw new PolicyError(field, `unknown scope ${show(raw)}${closest(raw, names)}; use host, a name under scopes: (${names.join(', ') || 'none defined'}), {cgroup: PATH} or {agent: NAME}`);
    }
    return { scope: s, label: raw, where: `scopes.${raw}` };
  }
  const scope = parseScopeTable(raw, field);
  return { scope, label: scope.kind === 'agent' ? `agent ${scope.agent}` : scope.kind === 'cgroup' ? `cgroup ${scope.paths.join(',')}` : 'host', where: field };
}

function parseScopeTable(raw: unknown, field: string): ScopeSpec {
  if (!isTable(raw)) throw new PolicyError(field, `must be host, a named scope, {cgroup: PATH} or {agent: NAME} (got ${show(raw)})`);
  checkKeys(raw, ['cgroup', 'agent'], field);
  if ((raw.cgroup === undefined) === (raw.agent === undefined)) throw new PolicyError(field, 'needs exactly one of cgroup or agent');
  if (raw.agent !== undefined) {
    if (typeof raw.agent !== 'string' || raw.agent.trim() === '') throw new PolicyError(`${field}.agent`, 'must be an agent name (osprey.agent.name)');
    return { kind: 'agent', agent: raw.agent };
  }
  const list = Array.isArray(raw.cgroup) ? raw.cgroup : [raw.cgroup];
  if (list.length === 0) throw new PolicyError(`${field}.cgroup`, 'must name at least one cgroup');
  return { kind: 'cgroup', paths: list.map((p, i) => parseCgroupPath(p, Array.isArray(raw.cgroup) ? `${field}.cgroup[${i}]` : `${field}.cgroup`)) };
}

function parseMode(v: unknown, field: string, fallback: Mode): Mode {
  if (v === undefined) return fallback;
  if (!MODES.includes(v as Mode)) throw new PolicyError(field, `must be one of ${MODES.join(', ')} (got ${show(v)})`);
  return v as Mode;
}

function positiveCount(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new PolicyError(field, `must be a whole number of at least 1 (got ${show(v)})`);
  return v as number;
}

function parseExec(raw: unknown, field: string): ExecSpec[] {
  const list = typeof raw === 'string' || isTable(raw) ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) throw new PolicyError(field, 'must list at least one executable (a path, or {sha256: HEX})');
  return list.map((e, i): ExecSpec => {
    const f = `${field}[${i}]`;
    if (typeof e === 'string') {
      if (!e.startsWith('/')) throw new PolicyError(f, `must be an absolute path (got ${show(e)})`);
      if (Buffer.byteLength(e) > LIMITS.pathLength) throw new PolicyError(f, `path longer than ${LIMITS.pathLength} bytes`);
      return { kind: 'path', path: e };
    }
    if (isTable(e)) {
      checkKeys(e, ['path', 'sha256', 'search'], f);
      if (e.path !== undefined) {
        if (e.sha256 !== undefined || e.search !== undefined) throw new PolicyError(f, 'has path and sha256/search: use one entry per executable');
        return parseExec([e.path], field)[0] as ExecSpec;
      }
      if (typeof e.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e.sha256)) throw new PolicyError(`${f}.sha256`, `must be 64 hex digits (got ${show(e.sha256)})`);
      const search = e.search === undefined ? [] : Array.isArray(e.search) ? e.search : [e.search];
      search.forEach((s, j) => {
        if (typeof s !== 'string' || !s.startsWith('/')) throw new PolicyError(`${f}.search[${j}]`, `must be an absolute directory (got ${show(s)})`);
      });
      return { kind: 'sha256', sha256: e.sha256.toLowerCase(), search: search as string[] };
    }
    throw new PolicyError(f, `must be a path or {sha256: HEX, search: [DIR...]} (got ${show(e)})`);
  });
}

const RULE_FIELDS = ['name', 'mode', 'scope', 'description', 'deny', 'allow_only', 'allow_dns', 'rate_limit', 'deny_exec'] as const;
const RATE_FIELDS = ['to', 'calls', 'connections', 'bytes', 'window', 'per', 'on_exceed'] as const;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;

function parseRule(raw: unknown, index: number, defaults: PolicyDefaults, named: ReadonlyMap<string, ScopeSpec>): Rule {
  let field = `rules[${index}]`;
  if (!isTable(raw)) throw new PolicyError(field, `must be a table with name and one of ${ACTIONS.join(', ')} (got ${show(raw)})`);
  if (typeof raw.name !== 'string' || !NAME_RE.test(raw.name)) {
    throw new PolicyError(`${field}.name`, `must be 1-63 letters, digits, . _ : - starting with a letter or digit (got ${show(raw.name)})`);
  }
  field = `rules[${index}] (${raw.name})`;
  checkKeys(raw, RULE_FIELDS, field);
  const actions = ACTIONS.filter((a) => raw[a] !== undefined);
  if (actions.length !== 1) throw new PolicyError(field, actions.length === 0 ? `needs one of ${ACTIONS.join(', ')}` : `has ${actions.join(' and ')}: a rule does one thing`);
  const action = actions[0] as Action;
  if (raw.allow_dns !== undefined && action !== 'allow_only') throw new PolicyError(`${field}.allow_dns`, 'only applies to allow_only rules');
  const { scope, label, where } = parseScope(raw.scope, `${field}.scope`, named);
  const base = { index, name: raw.name, mode: parseMode(raw.mode, `${field}.mode`, defaults.mode), scope, scopeLabel: label, scopeField: where };
  switch (action) {
    case 'deny':
      return { ...base, action, to: parseDestinations(raw.deny, `${field}.deny`, 'any') };
    case 'allow_only': {
      if (raw.allow_dns !== undefined && typeof raw.allow_dns !== 'boolean') throw new PolicyError(`${field}.allow_dns`, 'must be true or false');
      return { ...base, action, to: parseDestinations(raw.allow_only, `${field}.allow_only`, 'any'), allowDns: raw.allow_dns !== false };
    }
    case 'rate_limit': {
      const r = raw.rate_limit;
      const f = `${field}.rate_limit`;
      if (!isTable(r)) throw new PolicyError(f, 'must be a table with to, window and at least one of calls, connections, bytes');
      checkKeys(r, RATE_FIELDS, f);
      const calls = positiveCount(r.calls, `${f}.calls`);
      const connections = positiveCount(r.connections, `${f}.connections`);
      let bytes: number | null = null;
      if (r.bytes !== undefined) {
        bytes = parseSize(r.bytes);
        if (bytes === null) throw new PolicyError(`${f}.bytes`, `must be a size like 50MB, 1GiB or 4096 (got ${show(r.bytes)})`);
      }
      if (calls === null && connections === null && bytes === null) throw new PolicyError(f, 'needs at least one of calls, connections, bytes');
      const windowMs = parseDuration(r.window);
      if (windowMs === null) throw new PolicyError(`${f}.window`, `must be a duration like 10m, 1h, 30s (got ${show(r.window)})`);
      const per = r.per ?? 'scope';
      if (per !== 'scope' && per !== 'cgroup') throw new PolicyError(`${f}.per`, `must be scope or cgroup (got ${show(per)})`);
      const onExceed = r.on_exceed ?? 'refuse';
      if (!ON_EXCEED.includes(onExceed as OnExceed)) throw new PolicyError(`${f}.on_exceed`, `must be one of ${ON_EXCEED.join(', ')} (got ${show(onExceed)})`);
      if (r.to === undefined) throw new PolicyError(`${f}.to`, 'must list the provider endpoints the budget covers, e.g. ["api.openai.com:443"]');
      return { ...base, action, to: parseDestinations(r.to, `${f}.to`, 'tcp'), calls, connections, bytes, windowMs, per, onExceed: onExceed as OnExceed };
    }
    case 'deny_exec':
      return { ...base, action, executables: parseExec(raw.deny_exec, `${field}.deny_exec`) };
  }
}

/** Parses a decoded YAML document. Throws PolicyError naming the rule and field. */
export function parsePolicy(doc: unknown): Policy {
  if (doc === undefined || doc === null) return EMPTY_POLICY;
  if (!isTable(doc)) throw new PolicyError('(top level)', 'must be a table with rules: (and optionally version, defaults, scopes)');
  checkKeys(doc, ['version', 'defaults', 'scopes', 'rules'], '(top level)');
  if (doc.version !== undefined && doc.version !== 1) throw new PolicyError('version', `must be 1 (got ${show(doc.version)})`);

  let defaults = DEFAULT_POLICY_DEFAULTS;
  if (doc.defaults !== undefined) {
    if (!isTable(doc.defaults)) throw new PolicyError('defaults', 'must be a table');
    checkKeys(doc.defaults, ['mode', 'dns_grace', 'resolve_interval'], 'defaults');
    const d = doc.defaults;
    const dnsGraceMs = d.dns_grace === undefined ? defaults.dnsGraceMs : parseDuration(d.dns_grace);
    if (dnsGraceMs === null) throw new PolicyError('defaults.dns_grace', `must be a duration like 5m (got ${show(d.dns_grace)})`);
    const resolveIntervalMs = d.resolve_interval === undefined ? defaults.resolveIntervalMs : parseDuration(d.resolve_interval);
    if (resolveIntervalMs === null || resolveIntervalMs < 1000) throw new PolicyError('defaults.resolve_interval', `must be a duration of at least 1s (got ${show(d.resolve_interval)})`);
    defaults = { mode: parseMode(d.mode, 'defaults.mode', defaults.mode), dnsGraceMs, resolveIntervalMs };
  }

  const named = new Map<string, ScopeSpec>();
  if (doc.scopes !== undefined) {
    if (!isTable(doc.scopes)) throw new PolicyError('scopes', 'must be a table of NAME: {cgroup: PATH} or {agent: NAME}');
    for (const [name, spec] of Object.entries(doc.scopes)) {
      if (name === 'host') throw new PolicyError(`scopes.${name}`, 'host is built in: it means every process');
      if (!NAME_RE.test(name)) throw new PolicyError(`scopes.${name}`, 'scope names are letters, digits, . _ : -');
      named.set(name, parseScopeTable(spec, `scopes.${name}`));
    }
  }

  if (doc.rules === undefined || doc.rules === null) return { version: 1, defaults, rules: [] };
  if (!Array.isArray(doc.rules)) throw new PolicyError('rules', 'must be a list of rules');
  if (doc.rules.length > LIMITS.rules) throw new PolicyError('rules', `${doc.rules.length} rules; at most ${LIMITS.rules}`);
  const rules = doc.rules.map((r, i) => parseRule(r, i, defaults, named));
  const seen = new Map<string, number>();
  for (const r of rules) {
    const prev = seen.get(r.name);
    if (prev !== undefined) throw new PolicyError(`rules[${r.index}] (${r.name}).name`, `the same name as rules[${prev}]: names identify a rule's counters and must be unique`);
    seen.set(r.name, r.index);
  }
  return { version: 1, defaults, rules };
}
