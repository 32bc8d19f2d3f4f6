/**
 * The user-space half of enforcement while Osprey runs (`osprey enforce run`, or embedded in the
 * agent). The kernel enforces without it; this adds what only user space can do:
 *
 *  - writes every kernel decision to the audit log, with the cgroup path and the host names the
 *    destination was learned for, and hands each to `onEvent` (the agent forwards alerts);
 *  - counts LLM calls (noteLlmCall, fed from the capture pipeline) into the kernel's rate budgets,
 *    and acts when a budget runs out (on_exceed: kill_connections, stop_process);
 *  - keeps host-name rules current: re-resolves names, takes addresses seen in captured traffic
 *    (noteHostAddress: SNI, Host), and lets learned addresses expire;
 *  - re-resolves agent and wildcard cgroup scopes and re-applies the policy when they change.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lookup } from 'node:dns/promises';
import { type AuditEvent, type DecisionEvent } from './audit.js';
import type { CompiledRule } from './compile.js';
import { hostMatches, parseHostPattern } from './dns-name.js';
import type { DaemonRecord, EnforcerDaemon, KillReport, SignalReport } from './enforcer.js';
import { parseIp, parsePrefix, prefixContains, unmapV4 } from './net.js';
import { parsePolicy } from './policy.js';
import { ancestorIds, cgroupPathOfPid, cgroup2Root, resolveScopes } from './scopes.js';
import { applyPolicy, readState, type EnforceContext, type EnforceState } from './service.js';

/** Addresses remembered for labelling audit records (the kernel keeps up to 65536 per family). */
const MAX_LEARNED_TRACKED = 131072;

export interface RuntimeOptions {
  ctx: EnforceContext;
  /** Every audit event, after it is written. */
  onEvent?: (e: AuditEvent) => void;
  /** Something went wrong in the background (resolution, re-apply); default: stderr. */
  onWarning?: (message: string) => void;
  /** Override the policy's resolve_interval (tests). */
  refreshMs?: number;
}

/** The part of an LlmCall the budgets need. */
export interface CallInfo {
  pid: number;
  serverAddress?: string | null;
  /** The address actually connected to (network.peer.address), for rules written as addresses. */
  peerAddress?: string | null;
  serverPort?: number | null;
  bytes?: number;
}

export class EnforceRuntime {
  private daemon!: EnforcerDaemon;
  private state: EnforceState | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly cgroupPaths = new Map<number, string>();
  private cgroupScanAt = 0;
  /** address → host slots, from learned events and our own learn commands. */
  private readonly learnedHosts = new Map<string, Set<number>>();
  private readonly overBuckets = new Set<string>();
  private stopped = false;
  private refreshing = false;

  private constructor(private readonly opts: RuntimeOptions) {}

  static async start(opts: RuntimeOptions): Promise<EnforceRuntime> {
    const rt = new EnforceRuntime(opts);
    const { enforcer } = opts.ctx;
    const kernel = await enforcer.status();
    if (!kernel.loaded) await enforcer.load();
    rt.reloadState();
    for (const l of (await enforcer.status()).learned ?? []) rt.learnedHosts.set(l.addr, new Set(l.hosts));
    rt.daemon = enforcer.startDaemon((rec) => rt.onRecord(rec));
    await rt.daemon.ready;
    const every = opts.refreshMs ?? rt.state?.resolveIntervalMs ?? 60_000;
    rt.timer = setInterval(() => void rt.refresh(), every);
    rt.timer.unref();
    return rt;
  }

  get daemonPid(): number | undefined {
    return this.daemon.pid;
  }

  private warn(message: string): void {
    if (this.opts.onWarning) this.opts.onWarning(message);
    else process.stderr.write(`osprey enforce: ${message}\n`);
  }

  private reloadState(): void {
    const s = readState(this.opts.ctx.statePath);
    this.state = s && s.pinDir === this.opts.ctx.enforcer.pinDir ? s : null;
  }

  private emit(e: AuditEvent): void {
    try {
      this.opts.ctx.audit?.append(e);
    } catch (err) {
      this.warn(`cannot write the audit log: ${(err as Error).message}`);
    }
    this.opts.onEvent?.(e);
  }

  private hostName(slot: number): string {
    return this.state?.hosts.find((h) => h.slot === slot)?.pattern ?? `#${slot}`;
  }

  private cgroupPath(id: number): string | undefined {
    const hit = this.cgroupPaths.get(id);
    if (hit !== undefined || Date.now() - this.cgroupScanAt < 5000) return hit;
    this.cgroupScanAt = Date.now();
    try {
      const root = cgroup2Root();
      const walk = (rel: string, depth: number): void => {
        if (depth > 12) return;
        const dir = join(root, rel);
        this.cgroupPaths.set(Number(statSync(dir, { bigint: true }).ino), rel === '' ? '/' : rel);
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(`${rel}/${e.name}`, depth + 1);
      };
      walk('', 0);
    } catch {
      // no v2 hierarchy, or it changed under us
    }
    return this.cgroupPaths.get(id);
  }

  private onRecord(rec: DaemonRecord): void {
    if (rec.type === 'decision') {
      const d = rec as unknown as DecisionEvent;
      const path = this.cgroupPath(d.cgroup_id);
      if (path) d.cgroup_path = path;
      if (d.daddr) {
        const hosts = this.learnedHosts.get(d.daddr);
        if (hosts && hosts.size) d.hosts = [...hosts].map((h) => this.hostName(h));
      }
      delete d.ktime_ns;
      this.emit(d);
    } else if (rec.type === 'learned') {
      const slots = rec.hosts as number[];
      const addr = rec.addr as string;
      const set = this.learnedHosts.get(addr) ?? new Set<number>();
      for (const s of slots) set.add(s);
      this.learnedHosts.delete(addr); // re-insert: the map stays in least-recently-learned order
      this.learnedHosts.set(addr, set);
      // Bounded like the kernel's map; the oldest entries go first.
      while (this.learnedHosts.size > MAX_LEARNED_TRACKED) this.learnedHosts.delete(this.learnedHosts.keys().next().value as string);
      this.emit({ type: 'learned', ts: rec.ts as string, addr, ttl: rec.ttl as number, hosts: slots.map((s) => this.hostName(s)) });
    } else if (rec.type === 'gone') {
      this.warn('enforcement was turned off; the runtime stops');
      void this.stop();
    }
  }

  /** An address a watched host name was seen to have (TLS SNI or Host header of captured traffic). */
  async noteHostAddress(host: string, ip: string, ttlSeconds = 300): Promise<number> {
    const parsed = parseIp(ip);
    if (!parsed || !this.state) return 0;
    let n = 0;
    for (const h of this.state.hosts) {
      const p = parseHostPattern(h.pattern);
      if (!p || !hostMatches(p, host)) continue;
      const r = await this.daemon.command(`learn ${h.slot} ${ip} ${ttlSeconds}`);
      if (r.ok === true) {
        n++;
        const set = this.learnedHosts.get(ip) ?? new Set<number>();
        set.add(h.slot);
        this.learnedHosts.set(ip, set);
      }
    }
    return n;
  }

  private destinationMatches(rule: CompiledRule, call: CallInfo): boolean {
    const addr = call.serverAddress ?? null;
    const ip = (addr ? parseIp(addr) : null) ?? (call.peerAddress ? parseIp(call.peerAddress) : null);
    for (const text of rule.destinations) {
      const port = /:(\d+)(?:-(\d+))?$/.exec(text.replace(/^\[[^\]]*\]/, ''));
      if (port && call.serverPort != null) {
        const lo = Number(port[1]);
        const hi = port[2] ? Number(port[2]) : lo;
        if (call.serverPort < lo || call.serverPort > hi) continue;
      }
      const target = text.replace(/^\[([^\]]*)\].*$/, '$1').replace(/:\d+(?:-\d+)?$/, '');
      const host = parseHostPattern(target);
      if (host && addr && hostMatches(host, addr)) return true;
      const prefix = parsePrefix(target);
      if (prefix && ip) {
        const u = unmapV4(ip);
        if (prefixContains(prefix, { family: u.family, bytes: u.bytes, length: u.family === 4 ? 32 : 128 })) return true;
      }
    }
    return false;
  }

  private inScope(rule: CompiledRule, ancestors: readonly bigint[]): boolean {
    if (rule.scopeBit === 0) return true;
    const scope = this.state?.scopes.find((s) => s.bit === rule.scopeBit);
    return !!scope && scope.cgroups.some((c) => ancestors.includes(BigInt(c.id)));
  }

  /**
   * One LLM call made by `pid`: counted against every calls/bytes budget whose scope holds the
   * process and whose destinations hold the call's server. The kernel refuses the next connection
   * once a budget is spent; on_exceed adds a kill or a signal. Returns the rules now over budget.
   */
  async noteLlmCall(call: CallInfo): Promise<string[]> {
    const rules = (this.state?.rules ?? []).filter((r) => r.action === 'rate_limit' && r.limits && (r.limits.calls !== null || r.limits.bytes !== null));
    if (rules.length === 0) return [];
    const path = cgroupPathOfPid(call.pid);
    let ancestors: bigint[] = [];
    try {
      ancestors = path ? ancestorIds(cgroup2Root(), path) : [];
    } catch {
      ancestors = [];
    }
    const over: string[] = [];
    for (const rule of rules) {
      if (!this.inScope(rule, ancestors) || !this.destinationMatches(rule, call)) continue;
      const cg = rule.limits?.per === 'cgroup' ? (ancestors[0] ?? 0n) : 0n;
      const r = await this.daemon.command(`usage ${rule.slot} ${cg} ${rule.limits?.calls !== null ? 1 : 0} ${call.bytes ?? 0}`);
      const key = `${rule.slot}:${cg}`;
      if (r.over !== true) {
        this.overBuckets.delete(key);
        continue;
      }
      over.push(rule.name);
      if (this.overBuckets.has(key)) continue;
      this.overBuckets.add(key);
      await this.onExceeded(rule, cg, call.pid);
    }
    return over;
  }

  private processesOf(rule: CompiledRule, cgroupId: bigint, fallbackPid: number): number[] {
    let root: string;
    try {
      root = cgroup2Root();
    } catch {
      return [fallbackPid];
    }
    const paths: string[] = [];
    if (cgroupId !== 0n) {
      const p = cgroupPathOfPid(fallbackPid);
      if (p) paths.push(p);
    } else if (rule.scopeBit !== 0) {
      paths.push(...(this.state?.scopes.find((s) => s.bit === rule.scopeBit)?.cgroups.map((c) => c.path) ?? []));
    } else {
      return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => p !== process.pid);
    }
    const pids = new Set<number>();
    const walk = (rel: string, depth: number): void => {
      if (depth > 16) return;
      try {
        for (const pid of readFileSync(join(root, rel, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
        for (const e of readdirSync(join(root, rel), { withFileTypes: true })) if (e.isDirectory()) walk(`${rel}/${e.name}`, depth + 1);
      } catch {
        // gone
      }
    };
    for (const p of paths) walk(p, 0);
    return [...pids];
  }

  private killFilters(rule: CompiledRule): string[] {
    return ruleKillFilters(rule, this.state?.hosts ?? [], this.learnedHosts);
  }

  private async onExceeded(rule: CompiledRule, cgroupId: bigint, pid: number): Promise<void> {
    const action = rule.limits?.onExceed ?? 'refuse';
    if (action === 'refuse') return;
    const pids = this.processesOf(rule, cgroupId, pid);
    if (action === 'kill_connections') {
      const filters = this.killFilters(rule);
      if (filters.length === 0) return;
      for (const p of pids) {
        const r = (await this.daemon.command(`kill ${p} ${filters.join(' ')}`)) as unknown as KillReport;
        if ((r.connections?.length ?? 0) === 0 && !r.error) continue;
        this.emit({
          type: 'kill',
          ts: new Date().toISOString(),
          pid: p,
          trigger: 'rate_limit',
          rule: rule.name,
          destinations: filters,
          connections: r.connections ?? [],
          destroyed: r.destroyed ?? 0,
          ...(r.error ? { error: r.error } : {}),
        });
      }
      return;
    }
    for (const p of pids) {
      const start = startTicks(p);
      if (start === null) continue;
      const r = (await this.daemon.command(`signal ${p} ${start} 15`)) as unknown as SignalReport;
      this.emit({ type: 'signal', ts: new Date().toISOString(), pid: p, signal: 15, trigger: 'rate_limit', rule: rule.name, sent: r.sent, ...(r.error ? { error: r.error } : {}) });
    }
  }

  /** Destroys a process's TCP connections (to `destinations`, CIDR[:PORT], or all); audited. */
  async killConnections(pid: number, destinations: readonly string[] = [], rule?: string): Promise<KillReport> {
    const r = (await this.daemon.command(`kill ${pid} ${destinations.join(' ')}`.trim())) as unknown as KillReport;
    this.emit({
      type: 'kill',
      ts: new Date().toISOString(),
      pid,
      trigger: 'manual',
      ...(rule ? { rule } : {}),
      destinations: [...destinations],
      connections: r.connections ?? [],
      destroyed: r.destroyed ?? 0,
      ...(r.error ? { error: r.error } : {}),
    });
    return r;
  }

  /** Re-resolves host names and agent/wildcard scopes; re-applies when a scope changed. */
  async refresh(): Promise<void> {
    if (this.refreshing || this.stopped) return;
    this.refreshing = true;
    try {
      this.reloadState();
      const state = this.state;
      if (!state) return;
      const ttl = Math.ceil((state.resolveIntervalMs * 2) / 1000);
      for (const h of state.hosts) {
        if (h.pattern.startsWith('*.')) continue;
        try {
          for (const a of await lookup(h.pattern, { all: true, verbatim: true })) await this.daemon.command(`learn ${h.slot} ${a.address} ${ttl}`);
        } catch {
          // not resolvable now; DNS answers still teach the kernel
        }
      }
      const policy = parsePolicy(state.document);
      const dynamic = policy.rules.some((r) => r.scope.kind === 'agent' || (r.scope.kind === 'cgroup' && r.scope.paths.some((p) => /[*?]/.test(p))));
      if (!dynamic) return;
      const now = await resolveScopes(policy.rules, this.opts.ctx.listAgent);
      const key = (cgs: readonly { id: bigint | string }[]): string => cgs.map((c) => String(c.id)).sort().join(',');
      const changed = now.scopes.some((s) => key(s.cgroups) !== key(state.scopes.find((o) => o.bit === s.bit)?.cgroups ?? []));
      if (changed) {
        const res = await applyPolicy(state.document, state.source, this.opts.ctx);
        this.state = res.state;
      }
    } catch (e) {
      this.warn(`refresh failed: ${(e as Error).message}`);
    } finally {
      this.refreshing = false;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.daemon.stop();
    this.opts.ctx.audit?.close();
  }
}

/** Kill filters (CIDR[:PORT], as osprey-enforcer kill takes them) a rule's destinations stand for
 * now: its prefixes, and the addresses learned for its host names. */
export function ruleKillFilters(
  rule: Pick<CompiledRule, 'destinations' | 'hosts'>,
  hosts: readonly { slot: number; pattern: string }[],
  learned: ReadonlyMap<string, ReadonlySet<number>>,
): string[] {
  const filters = new Set<string>();
  const slots = new Set(hosts.filter((h) => rule.hosts.includes(h.pattern)).map((h) => h.slot));
  const fmt = (addr: string, port: string | undefined): string => (addr.includes(':') ? `[${addr}]` : addr) + (port ? `:${port}` : '');
  for (const text of rule.destinations) {
    const bracketed = /^\[([^\]]*)\](?::(\d+)(?:-\d+)?)?$/.exec(text);
    const plain = /^([^:]*)(?::(\d+)(?:-\d+)?)?$/.exec(text);
    const target = bracketed?.[1] ?? (text.split(':').length > 2 ? text : plain?.[1]) ?? text;
    const port = bracketed ? bracketed[2] : text.split(':').length > 2 ? undefined : plain?.[2];
    if (parsePrefix(target)) {
      filters.add(fmt(target, port));
      continue;
    }
    for (const [addr, hs] of learned) if ([...hs].some((h) => slots.has(h))) filters.add(fmt(addr, port));
  }
  return [...filters];
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or null when the process is gone. */
export function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** CallInfo from an LlmCall record (process.pid, server.address, server.port). */
export function callInfoOf(call: { attributes: Record<string, unknown> }): CallInfo | null {
  const a = call.attributes;
  const pid = a['process.pid'];
  if (typeof pid !== 'number') return null;
  return {
    pid,
    serverAddress: typeof a['server.address'] === 'string' ? a['server.address'] : null,
    serverPort: typeof a['server.port'] === 'number' ? a['server.port'] : null,
    peerAddress: typeof a['network.peer.address'] === 'string' ? a['network.peer.address'] : null,
  };
}
