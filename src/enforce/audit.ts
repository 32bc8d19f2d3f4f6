/**
 * The audit trail: every enforcement decision (the kernel's, streamed by the enforcer) and every
 * action taken from user space (connection kills, signals), one JSON object per line in
 * /var/lib/osprey/enforce-audit.jsonl. The dry-run report reads it back: what enforce mode would
 * have blocked, per rule, over the last N hours.
 */
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

export const DEFAULT_AUDIT_LOG = '/var/lib/osprey/enforce-audit.jsonl';

export function defaultAuditLog(): string {
  return process.env.OSPREY_ENFORCE_AUDIT ?? DEFAULT_AUDIT_LOG;
}

export type Verdict = 'observed' | 'alerted' | 'blocked';
export type Hook = 'connect4' | 'connect6' | 'sendmsg4' | 'sendmsg6' | 'exec';

/** A decision made in the kernel: a rule acted on a connect, a datagram or an exec. */
export interface DecisionEvent {
  type: 'decision';
  ts: string;
  ktime_ns?: number;
  rule: string;
  rule_slot: number;
  hook: Hook;
  verdict: Verdict;
  reason: 'denied' | 'not_allowed' | 'rate_limited';
  mode: 'observe' | 'alert' | 'enforce';
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  cgroup_id: number;
  cgroup_path?: string;
  // network decisions
  family?: 4 | 6;
  proto?: 'tcp' | 'udp' | 'other';
  daddr?: string;
  dport?: number;
  /** Watched host names the destination address was learned for. */
  hosts?: string[];
  // exec decisions
  filename?: string;
  dev?: number;
  ino?: number;
}

/** Connections destroyed from user space. */
export interface KillEvent {
  type: 'kill';
  ts: string;
  pid: number;
  trigger: 'manual' | 'rate_limit';
  rule?: string;
  destinations: string[];
  connections: { src: string; sport: number; dst: string; dport: number; destroyed: boolean; error?: string }[];
  destroyed: number;
  error?: string;
}

export interface SignalEvent {
  type: 'signal';
  ts: string;
  pid: number;
  signal: number;
  trigger: 'manual' | 'rate_limit';
  rule?: string;
  sent: boolean;
  error?: string;
}

/** An address learned for a watched host name (from a DNS answer in the kernel). */
export interface LearnedEvent {
  type: 'learned';
  ts: string;
  addr: string;
  ttl: number;
  hosts: string[];
}

/** A policy was applied (or refused). */
export interface PolicyEvent {
  type: 'policy';
  ts: string;
  action: 'applied' | 'rejected' | 'off';
  source: string | null;
  rules?: number;
  error?: string;
}

export type AuditEvent = DecisionEvent | KillEvent | SignalEvent | LearnedEvent | PolicyEvent;

/** Appends audit events; each line is written whole with one write(2) on an O_APPEND fd. */
export class AuditLog {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  append(event: AuditEvent): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
      this.fd = openSync(this.path, 'a', 0o640);
    }
    writeSync(this.fd, JSON.stringify(event) + '\n');
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export interface ReadResult {
  events: AuditEvent[];
  malformed: number;
}

/** Events at or after `sinceMs` (epoch ms). Malformed lines are counted, not fatal. */
export async function readAudit(path: string, sinceMs: number): Promise<ReadResult> {
  const events: AuditEvent[] = [];
  let malformed = 0;
  if (!existsSync(path)) return { events, malformed };
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as AuditEvent;
      const t = Date.parse(e.ts);
      if (typeof e.type !== 'string' || Number.isNaN(t)) {
        malformed++;
        continue;
      }
      if (t >= sinceMs) events.push(e);
    } catch {
      malformed++;
    }
  }
  return { events, malformed };
}

export interface RuleReport {
  rule: string;
  /** Mode of the latest decision seen. */
  mode: string;
  /** Decisions in observe or alert mode: what enforce mode would have blocked. */
  wouldBlock: number;
  alerts: number;
  blocked: number;
  first: string;
  last: string;
  processes: { comm: string; count: number; pids: number[] }[];
  targets: { target: string; count: number }[];
}

export interface AuditReport {
  since: string;
  until: string;
  rules: RuleReport[];
  kills: number;
  signals: number;
  malformed: number;
}

const TOP = 5;

function targetOf(e: DecisionEvent): string {
  if (e.hook === 'exec') return e.filename ?? '?';
  const addr = e.family === 6 ? `[${e.daddr}]` : e.daddr;
  const host = e.hosts && e.hosts.length > 0 ? ` (${e.hosts.join(', ')})` : '';
  return `${e.proto ?? ''} ${addr}:${e.dport}${host}`.trim();
}

export function buildReport(events: readonly AuditEvent[], sinceMs: number, untilMs: number, malformed = 0): AuditReport {
  const byRule = new Map<string, { r: RuleReport; procs: Map<string, { count: number; pids: Set<number> }>; targets: Map<string, number> }>();
  let kills = 0;
  let signals = 0;
  for (const e of events) {
    if (e.type === 'kill') kills++;
    if (e.type === 'signal') signals++;
    if (e.type !== 'decision') continue;
    let entry = byRule.get(e.rule);
    if (!entry) {
      entry = {
        r: { rule: e.rule, mode: e.mode, wouldBlock: 0, alerts: 0, blocked: 0, first: e.ts, last: e.ts, processes: [], targets: [] },
        procs: new Map(),
        targets: new Map(),
      };
      byRule.set(e.rule, entry);
    }
    const r = entry.r;
    if (e.verdict === 'blocked') r.blocked++;
    else r.wouldBlock++;
    if (e.verdict === 'alerted') r.alerts++;
    if (e.ts < r.first) r.first = e.ts;
    if (e.ts >= r.last) {
      r.last = e.ts;
      r.mode = e.mode;
    }
    const p = entry.procs.get(e.comm) ?? { count: 0, pids: new Set<number>() };
    p.count++;
    p.pids.add(e.pid);
    entry.procs.set(e.comm, p);
    const t = targetOf(e);
    entry.targets.set(t, (entry.targets.get(t) ?? 0) + 1);
  }
  const rules = [...byRule.values()].map(({ r, procs, targets }) => ({
    ...r,
    processes: [...procs]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, TOP)
      .map(([comm, v]) => ({ comm, count: v.count, pids: [...v.pids].slice(0, TOP) })),
    targets: [...targets]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([target, count]) => ({ target, count })),
  }));
  rules.sort((a, b) => b.wouldBlock - a.wouldBlock || b.blocked - a.blocked || a.rule.localeCompare(b.rule));
  return { since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString(), rules, kills, signals, malformed };
}

export function formatReport(rep: AuditReport): string {
  const out: string[] = [`Enforcement audit ${rep.since} .. ${rep.until}`];
  if (rep.rules.length === 0) {
    out.push('No rule acted in this period: enforce mode would have blocked nothing.');
  } else {
    out.push('', 'RULE                             MODE      WOULD BLOCK  (ALERTS)  BLOCKED  LAST');
    for (const r of rep.rules) {
      out.push(`${r.rule.padEnd(32)} ${r.mode.padEnd(9)} ${String(r.wouldBlock).padStart(11)}  ${`(${r.alerts})`.padStart(8)}  ${String(r.blocked).padStart(7)}  ${r.last}`);
      for (const p of r.processes) out.push(`    process ${p.comm} ×${p.count} (pid ${p.pids.join(', ')})`);
      for (const t of r.targets) out.push(`    target  ${t.target} ×${t.count}`);
    }
    const would = rep.rules.reduce((n, r) => n + r.wouldBlock, 0);
    out.push('', `In enforce mode, ${would} more action(s) would have been blocked.`);
  }
  if (rep.kills || rep.signals) out.push(`User-space actions: ${rep.kills} connection kill(s), ${rep.signals} signal(s).`);
  if (rep.malformed) out.push(`(${rep.malformed} malformed line(s) skipped)`);
  return out.join('\n');
}
