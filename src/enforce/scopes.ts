/**
 * Scopes resolved to cgroup v2 ids, the only process identity the kernel checks cheaply: a rule on
 * a cgroup covers every process in it and in its descendants (the programs walk a process's
 * ancestor cgroups). An agent scope is the set of cgroups its processes are in right now; the
 * runtime re-resolves it as agents come and go.
 *
 * A cgroup id is the inode number of the cgroup's directory in the v2 hierarchy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findCgroup2Mount } from '../process/proc-fs.js';
import { PolicyError, type Rule, type ScopeSpec } from './policy.js';

export interface ScopedCgroup {
  readonly id: bigint;
  /** As /proc/PID/cgroup shows it. */
  readonly path: string;
}

export interface ResolvedScope {
  /** Bit in the kernel's scope mask; 0 is the host. */
  readonly bit: number;
  readonly label: string;
  readonly spec: ScopeSpec;
  readonly cgroups: readonly ScopedCgroup[];
}

export interface AgentProcess {
  readonly pid: number;
  readonly comm: string | null;
  /** The process's cgroup v2 path (the `0::` line of /proc/PID/cgroup). */
  readonly cgroupPath: string | null;
}

/** Lists the live processes of an agent (by osprey.agent.name). */
export type AgentProcessLister = (agent: string) => Promise<readonly AgentProcess[]>;

export interface ScopeResolution {
  /** One per distinct scope spec, host first. */
  readonly scopes: readonly ResolvedScope[];
  /** By rule index. */
  readonly ruleScope: ReadonlyMap<number, ResolvedScope>;
  readonly warnings: readonly string[];
}

export function cgroup2Root(): string {
  const mount = findCgroup2Mount();
  if (!mount) throw new PolicyError('scope', 'this host has no cgroup v2 hierarchy mounted, so cgroup and agent scopes cannot work (only scope: host)');
  return mount;
}

export function cgroupIdOf(mount: string, path: string): bigint | null {
  try {
    const st = statSync(join(mount, path), { bigint: true });
    return st.isDirectory() ? st.ino : null;
  } catch {
    return null;
  }
}

/** The v2 cgroup path of a process, or null (gone, or no v2 hierarchy). */
export function cgroupPathOfPid(pid: number): string | null {
  try {
    const m = /^0::(\/.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    return m ? (m[1] as string).replace(/ \(deleted\)$/, '') : null;
  } catch {
    return null;
  }
}

/** Ids of a cgroup and all its ancestors up to the root, leaf first. */
export function ancestorIds(mount: string, path: string): bigint[] {
  const ids: bigint[] = [];
  let p = path;
  for (;;) {
    const id = cgroupIdOf(mount, p);
    if (id !== null) ids.push(id);
    if (p === '/' || p === '') break;
    const cut = p.lastIndexOf('/');
    p = cut <= 0 ? '/' : p.slice(0, cut);
  }
  return ids;
}

function globToRegExp(segment: string): RegExp {
  const re = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

/** Existing cgroups matching a path whose segments may hold `*` and `?`. */
export function expandCgroupGlob(mount: string, pattern: string): string[] {
  const segments = pattern.split('/').filter(Boolean);
  let current = ['/'];
  for (const seg of segments) {
    const next: string[] = [];
    const wild = /[*?]/.test(seg);
    const re = wild ? globToRegExp(seg) : null;
    for (const dir of current) {
      if (!wild) {
        const p = dir === '/' ? `/${seg}` : `${dir}/${seg}`;
        if (cgroupIdOf(mount, p) !== null) next.push(p);
        continue;
      }
      let entries: string[] = [];
      try {
        entries = readdirSync(join(mount, dir), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
      } catch {
        continue;
      }
      for (const name of entries) if (re?.test(name)) next.push(dir === '/' ? `/${name}` : `${dir}/${name}`);
    }
    current = next;
  }
  return current;
}

function specKey(s: ScopeSpec): string {
  return s.kind === 'host' ? 'host' : s.kind === 'agent' ? `agent:${s.agent}` : `cgroup:${[...s.paths].sort().join('\n')}`;
}

function procsIn(mount: string, path: string): number[] {
  try {
    return readFileSync(join(mount, path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Resolves every rule's scope. A cgroup path without wildcards must exist (a typo would otherwise
 * scope nothing, silently); a glob may match nothing. Agent processes in the root cgroup are left
 * out, with a warning: scoping the root would scope the whole host.
 */
export async function resolveScopes(rules: readonly Rule[], listAgent: AgentProcessLister | null): Promise<ScopeResolution> {
  const warnings: string[] = [];
  const byKey = new Map<string, ResolvedScope>();
  const ruleScope = new Map<number, ResolvedScope>();
  const host: ResolvedScope = { bit: 0, label: 'host', spec: { kind: 'host' }, cgroups: [] };
  byKey.set('host', host);
  let mount: string | null = null;
  for (const rule of rules) {
    const key = specKey(rule.scope);
    let scope = byKey.get(key);
    if (!scope) {
      if (byKey.size > 63) throw new PolicyError(rule.scopeField, 'more than 63 distinct scopes in one policy');
      mount ??= cgroup2Root();
      const field = rule.scopeField;
      const cgroups = new Map<bigint, string>();
      const spec = rule.scope;
      if (spec.kind === 'cgroup') {
        for (const pattern of spec.paths) {
          const wild = /[*?]/.test(pattern);
          const paths = wild ? expandCgroupGlob(mount, pattern) : [pattern];
          if (!wild && cgroupIdOf(mount, pattern) === null) throw new PolicyError(`${field}.cgroup`, `${pattern} is not a cgroup (no directory ${join(mount, pattern)})`);
          if (wild && paths.length === 0) warnings.push(`${field}: ${pattern} matches no cgroup yet`);
          for (const p of paths) {
            const id = cgroupIdOf(mount, p);
            if (id !== null) cgroups.set(id, p);
          }
        }
      } else if (spec.kind === 'agent') {
        if (!listAgent) throw new PolicyError(`${field}.agent`, 'agent scopes need the agent rules (agents: in the agent config); none were given');
        const procs = await listAgent(spec.agent);
        if (procs.length === 0) warnings.push(`${field}: agent ${spec.agent} has no running process yet; the rule applies once one starts (the runtime re-resolves scopes)`);
        const agentPids = new Set(procs.map((p) => p.pid));
        for (const p of procs) {
          if (!p.cgroupPath) continue;
          if (p.cgroupPath === '/') {
            warnings.push(`${field}: process ${p.pid} (${p.comm ?? '?'}) of agent ${spec.agent} is in the root cgroup: it is NOT enforced, since scoping the root would scope the whole host; run the agent in its own cgroup (a container, or systemd-run --scope)`);
            continue;
          }
          const id = cgroupIdOf(mount, p.cgroupPath);
          if (id === null || cgroups.has(id)) continue;
          cgroups.set(id, p.cgroupPath);
          const others = procsIn(mount, p.cgroupPath).filter((pid) => !agentPids.has(pid));
          if (others.length > 0) warnings.push(`${field}: cgroup ${p.cgroupPath} of agent ${spec.agent} also holds ${others.length} other process(es) (e.g. pid ${others[0]}): they are in the scope too`);
        }
      }
      scope = { bit: byKey.size, label: rule.scopeLabel, spec, cgroups: [...cgroups].map(([id, path]) => ({ id, path })) };
      byKey.set(key, scope);
    }
    ruleScope.set(rule.index, scope);
  }
  return { scopes: [...byKey.values()], ruleScope, warnings };
}
