/**
 * apply / status / off, the way the CLI and the agent use them.
 *
 * apply: parse → resolve scopes and binaries → compile against the slots of the policy in force →
 * the enforcer fills the idle copy of the maps and flips → the state file records what is in
 * force. Any failure before the flip leaves the previous policy in force, untouched.
 */
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UserFacingError } from '../util/errors.js';
import { AuditLog, defaultAuditLog } from './audit.js';
import { compilePolicy, KERNEL_KIND, type CompiledRule, type LearnedAddress, type PreviousAssignment } from './compile.js';
import { dnsNameHash } from './dns-name.js';
import { Enforcer, type ApplyReport, type KernelStatus } from './enforcer.js';
import { loadHashCache, resolveExecSpecs, saveHashCache, type ResolvedExec } from './exec-targets.js';
import { parsePolicy, PolicyError, type Policy } from './policy.js';
import { resolveScopes, type AgentProcessLister } from './scopes.js';

export const DEFAULT_STATE_PATH = '/var/lib/osprey/enforce-state.json';

export function defaultStatePath(): string {
  return process.env.OSPREY_ENFORCE_STATE ?? DEFAULT_STATE_PATH;
}

/** What is in force, as user space needs it later (status, runtime, report): written after a flip. */
export interface EnforceState {
  version: 1;
  appliedAt: string;
  /** Policy file, or `agent-config`, or null. */
  source: string | null;
  /** The policy document as parsed from YAML: the runtime re-resolves scopes from it. */
  document: unknown;
  pinDir: string;
  rules: CompiledRule[];
  hosts: { slot: number; pattern: string }[];
  scopes: { bit: number; label: string; cgroups: { id: string; path: string }[] }[];
  warnings: string[];
  resolveIntervalMs: number;
}

export function readState(path: string): EnforceState | null {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as EnforceState;
    return s.version === 1 ? s : null;
  } catch {
    return null;
  }
}

function writeState(path: string, state: EnforceState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o640 });
  renameSync(tmp, path);
}

export interface EnforceContext {
  enforcer: Enforcer;
  statePath: string;
  /** Where apply/off are recorded (null: nowhere). */
  audit: AuditLog | null;
  /** Resolves agent scopes; null: agent scopes are an error. */
  listAgent: AgentProcessLister | null;
  /** Resolve exact host names in user space at apply (default true). */
  resolveHosts?: boolean;
}

export function defaultContext(opts: { pinDir?: string; cgroup?: string; statePath?: string; auditLog?: string; listAgent?: AgentProcessLister | null } = {}): EnforceContext {
  return {
    enforcer: new Enforcer({ pinDir: opts.pinDir, cgroup: opts.cgroup }),
    statePath: opts.statePath ?? defaultStatePath(),
    audit: new AuditLog(opts.auditLog ?? defaultAuditLog()),
    listAgent: opts.listAgent ?? null,
  };
}

/** Reads and YAML-decodes a policy file, with errors that name the file and line. */
export function readPolicyFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserFacingError(`${path}: cannot read it: ${(e as Error).message}`, 'OSP_ERR_POLICY');
  }
  try {
    return parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}` : '(syntax)';
    throw new UserFacingError(`${path}: ${where}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, 'OSP_ERR_POLICY');
  }
}

const KIND_NUMBER: Record<string, number> = { deny: KERNEL_KIND.deny, allow: KERNEL_KIND.allow_only, rate: KERNEL_KIND.rate_limit, exec: KERNEL_KIND.deny_exec };

/** Slots of the policy in force: rules from the kernel (authoritative), host names from the state
 * file, kept only where the kernel still watches that name on that slot. Kernel host slots we
 * cannot name are reserved under a placeholder so they are neither reused nor kept. */
export function previousAssignment(kernel: KernelStatus, state: EnforceState | null): PreviousAssignment {
  const rules = new Map<string, { slot: number; kind: number }>();
  for (const r of kernel.rules ?? []) rules.set(r.name, { slot: r.slot, kind: KIND_NUMBER[r.kind] ?? 0 });
  const hosts = new Map<string, number>();
  const kernelNames = kernel.names ?? [];
  for (const h of state?.hosts ?? []) {
    const wildcard = h.pattern.startsWith('*.');
    const hash = `0x${dnsNameHash(wildcard ? h.pattern.slice(2) : h.pattern).toString(16).padStart(16, '0')}`;
    if (kernelNames.some((n) => n.hash === hash && n.wildcard === (wildcard ? 1 : 0) && n.host === h.slot)) hosts.set(h.pattern, h.slot);
  }
  const named = new Set(hosts.values());
  for (const n of kernelNames) if (!named.has(n.host)) hosts.set(`#${n.host}`, n.host);
  return { rules, hosts };
}

async function resolveHostNames(policy: Policy): Promise<{ learned: LearnedAddress[]; warnings: string[] }> {
  const names = new Set<string>();
  for (const r of policy.rules) {
    if (r.action === 'deny_exec') continue;
    for (const d of r.to) if (d.target.kind === 'host' && !d.target.host.wildcard) names.add(d.target.host.pattern);
  }
  const ttl = Math.ceil((policy.defaults.resolveIntervalMs * 2) / 1000);
  const learned: LearnedAddress[] = [];
  const warnings: string[] = [];
  await Promise.all(
    [...names].map(async (host) => {
      try {
        const addrs = await withTimeout(lookup(host, { all: true, verbatim: true }), 3000);
        for (const a of addrs) learned.push({ host, address: a.address, ttlSeconds: ttl });
      } catch (e) {
        warnings.push(`host ${host} does not resolve now (${(e as Error).message}); its addresses are learned from DNS answers as processes look it up`);
      }
    }),
  );
  return { learned, warnings };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms / 1000}s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Policies that are valid but probably not what was meant, or that lean on a host setting. */
export function safetyWarnings(policy: Policy): string[] {
  const out: string[] = [];
  for (const r of policy.rules) {
    if (r.action === 'allow_only' && r.scope.kind === 'host' && r.mode === 'enforce') {
      out.push(`rules[${r.index}] (${r.name}): allow_only on the whole host also confines Osprey itself, sshd and every other service: scope it to the agents' cgroups unless that is what you mean`);
    }
  }
  const hosts = policy.rules.some((r) => r.action !== 'deny_exec' && r.to.some((d) => d.target.kind === 'host'));
  if (hosts) {
    try {
      const start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
      if (start <= 53) {
        out.push(`net.ipv4.ip_unprivileged_port_start is ${start}: unprivileged processes can answer DNS from port 53, and host-name rules learn addresses from such answers; raise it above 53`);
      }
    } catch {
      // not Linux, or no such sysctl: nothing to say
    }
  }
  return out;
}

export interface ApplyResult {
  report: ApplyReport;
  state: EnforceState;
  warnings: string[];
}

/**
 * Applies a policy document. Throws PolicyError (invalid policy: names the rule and field),
 * EnforcerError (the kernel refused something), or UserFacingError; in every case the policy in
 * force before the call is still in force.
 */
export async function applyPolicy(doc: unknown, source: string | null, ctx: EnforceContext): Promise<ApplyResult> {
  let policy: Policy;
  try {
    policy = parsePolicy(doc);
  } catch (e) {
    ctx.audit?.append({ type: 'policy', ts: new Date().toISOString(), action: 'rejected', source, error: (e as Error).message });
    if (e instanceof PolicyError && source) throw new PolicyError(`${source}: ${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
  try {
    const scopes = await resolveScopes(policy.rules, ctx.listAgent);
    const warnings = [...scopes.warnings];
    const exec = new Map<number, ResolvedExec>();
    const hashCache = join(dirname(ctx.statePath), 'enforce-hash-cache.json');
    if (policy.rules.some((r) => r.action === 'deny_exec' && r.executables.some((x) => x.kind === 'sha256'))) loadHashCache(hashCache);
    for (const r of policy.rules) {
      if (r.action !== 'deny_exec') continue;
      const resolved = resolveExecSpecs(r.executables, `rules[${r.index}] (${r.name}).deny_exec`);
      exec.set(r.index, resolved);
      warnings.push(...resolved.warnings);
    }
    saveHashCache(hashCache);
    const kernel = await ctx.enforcer.status();
    const previous = kernel.loaded ? previousAssignment(kernel, readState(ctx.statePath)) : previousAssignment({ loaded: false, pin_dir: '' }, null);
    warnings.push(...safetyWarnings(policy));
    const hostsResolved = ctx.resolveHosts === false ? { learned: [], warnings: [] } : await resolveHostNames(policy);
    warnings.push(...hostsResolved.warnings);
    const compiled = compilePolicy({ policy, scopes, exec, previous, learned: hostsResolved.learned });
    const report = await ctx.enforcer.apply(compiled.text);
    const state: EnforceState = {
      version: 1,
      appliedAt: new Date().toISOString(),
      source,
      document: doc,
      pinDir: ctx.enforcer.pinDir,
      rules: [...compiled.rules],
      hosts: [...compiled.hosts],
      scopes: compiled.scopes.map((s) => ({ ...s, cgroups: [...s.cgroups] })),
      warnings,
      resolveIntervalMs: policy.defaults.resolveIntervalMs,
    };
    writeState(ctx.statePath, state);
    ctx.audit?.append({ type: 'policy', ts: state.appliedAt, action: 'applied', source, rules: compiled.rules.length });
    return { report, state, warnings };
  } catch (e) {
    ctx.audit?.append({ type: 'policy', ts: new Date().toISOString(), action: 'rejected', source, error: (e as Error).message });
    if (e instanceof PolicyError && source) throw new PolicyError(`${source}: ${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
}

export interface StatusView {
  kernel: KernelStatus;
  state: EnforceState | null;
}

export async function enforceStatus(ctx: EnforceContext): Promise<StatusView> {
  const kernel = await ctx.enforcer.status();
  const state = readState(ctx.statePath);
  return { kernel, state: state && state.pinDir === ctx.enforcer.pinDir ? state : null };
}

/** Detaches and unpins everything, then waits (up to 3 s) for a running daemon to let go. */
export async function enforceOff(ctx: EnforceContext): Promise<{ removed: number }> {
  const res = await ctx.enforcer.off();
  for (let i = 0; i < 30 && existsSync(ctx.enforcer.pinDir); i++) await new Promise((r) => setTimeout(r, 100));
  if (existsSync(ctx.statePath)) {
    const state = readState(ctx.statePath);
    if (!state || state.pinDir === ctx.enforcer.pinDir) writeFileSync(ctx.statePath, JSON.stringify({ version: 0, off: new Date().toISOString() }) + '\n');
  }
  ctx.audit?.append({ type: 'policy', ts: new Date().toISOString(), action: 'off', source: null });
  return { removed: res.removed };
}

function fmtCount(n: number | undefined): string {
  return String(n ?? 0);
}

function fmtDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

export function formatStatus(view: StatusView): string {
  const { kernel, state } = view;
  if (!kernel.loaded) return `Enforcement is off (nothing pinned at ${kernel.pin_dir}).`;
  const out: string[] = [];
  const hooks = kernel.hooks ?? [];
  const attached = hooks.filter((h) => h.attached || h.pinned).map((h) => h.hook);
  const missing = hooks.filter((h) => !h.attached && !h.pinned).map((h) => h.hook);
  out.push(`Enforcement is on: pinned at ${kernel.pin_dir}; policy applied ${kernel.applies ?? 0} time(s)${state ? `, last ${state.appliedAt} from ${state.source ?? 'the API'}` : ''}.`);
  out.push(`Hooks: ${attached.join(' ')}${missing.length ? ` — NOT attached: ${missing.join(' ')}` : ''}`);
  const byslot = new Map((state?.rules ?? []).map((r) => [r.slot, r]));
  const rules = kernel.rules ?? [];
  if (rules.length === 0) {
    out.push('No rules in force.');
  } else {
    out.push('', 'RULE                             KIND   MODE     SCOPE                      HITS   BLOCKED');
    for (const r of rules) {
      const s = byslot.get(r.slot);
      out.push(`${r.name.padEnd(32)} ${r.kind.padEnd(6)} ${r.mode.padEnd(8)} ${(s?.scopeLabel ?? `bit ${r.scope}`).slice(0, 26).padEnd(26)} ${fmtCount(r.hits).padStart(6)} ${fmtCount(r.blocked).padStart(9)}`);
      if (s && s.destinations.length) out.push(`    to ${s.destinations.slice(0, 6).join(', ')}${s.destinations.length > 6 ? `, … (${s.destinations.length})` : ''}`);
      if (s?.executables) out.push(`    executables ${s.executables.join(', ')}`);
      if (r.kind === 'rate') {
        for (const b of (kernel.buckets ?? []).filter((b) => b.rule === r.slot)) {
          const parts: string[] = [];
          if (r.max_calls) parts.push(`calls ${b.calls}/${r.max_calls}`);
          if (r.max_conns) parts.push(`connections ${Math.min(b.conns, r.max_conns)}/${r.max_conns}`);
          if (r.max_bytes) parts.push(`bytes ${b.bytes}/${r.max_bytes}`);
          const win = r.window_ns ? fmtDuration(r.window_ns / 1e6) : '?';
          out.push(`    budget${b.cgroup_id ? ` cgroup ${b.cgroup_id}` : ''}: ${parts.join(', ')} in a ${win} window (${b.window_age_s.toFixed(0)}s old), refused ${b.refused}`);
        }
      }
    }
  }
  const scopes = state?.scopes.filter((s) => s.bit > 0) ?? [];
  if (scopes.length) {
    out.push('', 'Scopes:');
    for (const s of scopes) out.push(`  ${s.label}: ${s.cgroups.length ? s.cgroups.map((c) => c.path).join(', ') : '(no cgroup now)'}`);
  }
  const hostNames = new Map((state?.hosts ?? []).map((h) => [h.slot, h.pattern]));
  const learned = kernel.learned ?? [];
  if (learned.length) {
    out.push('', 'Learned addresses:');
    for (const l of learned.slice(0, 20)) out.push(`  ${l.addr} → ${l.hosts.map((h) => hostNames.get(h) ?? `#${h}`).join(', ')} (expires in ${l.expires_in_s}s)`);
    if (learned.length > 20) out.push(`  … and ${learned.length - 20} more`);
  }
  const stats = kernel.stats ?? {};
  const problems = Object.entries(stats).filter(([k, v]) => v > 0 && k !== 'dns_answers');
  if (problems.length) out.push('', `Kernel counters: ${problems.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (state?.warnings.length) out.push('', 'Warnings from the last apply:', ...state.warnings.map((w) => `  ${w}`));
  return out.join('\n');
}
