/**
 * Who a process is, in OpenTelemetry resource terms: process, container and Kubernetes identity,
 * read once per process (keyed by pid and start time, so a reused pid is a different process)
 * and cached.
 *
 * When things are read:
 * - at the exec event (`onExec`): what is gone the moment the process exits and is cheap to read
 *   (stat, exe path and inode, command line, uid, cgroup). The event's own fields are the fallback
 *   when the process is already gone.
 * - on first `resolve` (normally: its first LLM call or provider connection): the environment
 *   (pod name/namespace, key and framework variable names) and the service-account namespace
 *   file. Most processes never call a provider, so this is not paid for every exec on the host.
 * - a process whose /proc entry is gone (it exited within a millisecond) keeps what the exec
 *   event carried, and takes its container and pod from its parent (cgroups are inherited at
 *   fork) or from another process already seen in the same container.
 *
 * Every /proc read is checked against the process's start time (before and after), so data of a
 * process that reused the pid is never mixed in.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  PROC_ROOT,
  readCgroupFile,
  readCmdlineCapped,
  readExe,
  readExeFileId,
  readRootLink,
  readStat,
  readUid,
  sameStart,
  startNsOfTicks,
  type ProcStat,
} from '../process/proc-fs.js';
import { redactSecretsInText } from '../telemetry/redact.js';
import { identityOfCgroups, parseProcCgroup, type CgroupIdentity, type ContainerRuntime, type K8sQosClass } from './cgroup.js';
import { scanEnviron, type EnvScan } from './environ.js';
import { looksLikePod, podNamesOf, type NamespaceSource, type PodNameSource } from './k8s.js';

/** Resource attributes an identity contributes to every LlmCall (OTel resource semconv names). */
export const IDENTITY_ATTRIBUTE_KEYS = [
  'process.pid',
  'process.parent_pid',
  'process.executable.name',
  'process.executable.path',
  'process.command_line',
  'process.user.id',
  'process.creation.time',
  'container.id',
  'container.runtime',
  'k8s.pod.uid',
  'k8s.pod.name',
  'k8s.namespace.name',
  'k8s.node.name',
  'k8s.cluster.name',
] as const;
export type IdentityAttributeKey = (typeof IDENTITY_ATTRIBUTE_KEYS)[number];
export type IdentityAttributes = Partial<Record<IdentityAttributeKey, string | number>>;

/** Where the process fields came from. */
export type IdentitySource =
  /** read from /proc while the process lived */
  | 'proc'
  /** the exec event only (the process was gone before /proc could be read) */
  | 'exec'
  /** copied from the parent at fork, not yet re-read */
  | 'fork'
  /** nothing known but the pid */
  | 'pid';

export interface ProcessIdentity {
  readonly 'process.pid': number;
  readonly 'process.parent_pid': number | null;
  /** Base name of the executable (OTel: basename of /proc/PID/exe); the comm when the exe is unknown. */
  readonly 'process.executable.name': string | null;
  /** As the process sees it (inside its container's root). */
  readonly 'process.executable.path': string | null;
  /** Arguments joined by spaces, unredacted here (identityAttributes redacts); capped at 32 KiB. */
  readonly 'process.command_line': string | null;
  readonly 'process.user.id': number | null;
  /** ISO-8601, from the start time (±10 ms). */
  readonly 'process.creation.time': string | null;
  readonly 'container.id': string | null;
  readonly 'container.runtime': ContainerRuntime | null;
  readonly 'k8s.pod.uid': string | null;
  readonly 'k8s.pod.name': string | null;
  readonly 'k8s.namespace.name': string | null;
  readonly 'k8s.node.name': string | null;
  readonly 'k8s.cluster.name': string | null;

  // Osprey-internal facts, not record attributes.
  /** Boot-time ns, as the sensor reports it; with the pid, the process's key. */
  readonly startNs: bigint;
  /** Kernel task name (≤ 15 bytes), as `ps` shows it. */
  readonly comm: string | null;
  /** `dev:ino` of the executable: the same binary has the same id in every container. */
  readonly exeFileId: string | null;
  /** The reported cgroup path (v2 unless only v1 names the container); CGROUP rules match it. */
  readonly cgroupPath: string | null;
  readonly k8sQosClass: K8sQosClass | null;
  readonly podNameSource: PodNameSource | null;
  readonly namespaceSource: NamespaceSource | null;
  /** Names of provider-key and framework environment variables that are set (never values); null: environ not read. */
  readonly envSignals: readonly string[] | null;
  readonly source: IdentitySource;
  /** Container and pod fields were taken from the parent or a sibling in the same container (own /proc was gone). */
  readonly containerInherited: boolean;
}

/** What an exec event carried (ExecRecord fits). */
export interface ExecInfo {
  ppid?: number | null;
  uid?: number | null;
  comm?: string | null;
  /** The path given to execve (may be relative). */
  filename?: string | null;
  /** argv joined by spaces as the kernel saw it at exec (ExecRecord.commandLine); may be truncated. */
  commandLine?: string | null;
}

export interface IdentityResolverOptions {
  /** k8s.node.name on every identity. Default: $NODE_NAME, else $OSPREY_NODE_NAME, else none. */
  nodeName?: string | null;
  /** k8s.cluster.name on every identity. Default: $OSPREY_CLUSTER_NAME, else none. */
  clusterName?: string | null;
  /** Bound on cached processes; past it the oldest entries go first. */
  maxEntries?: number;
  /** How long an exited process stays resolvable (its last records may still be in flight). */
  exitedRetentionMs?: number;
}

export interface IdentityResolverStats {
  entries: number;
  procReads: number;
  /** Reads that found the process gone or its pid reused: identity came from the exec event or the parent. */
  procReadsMissed: number;
  environReads: number;
  inheritedContainer: number;
}

const DEFAULT_MAX_ENTRIES = 65_536;
const DEFAULT_EXITED_RETENTION_MS = 30_000;
const MAX_CMDLINE_BYTES = 32 * 1024;
const MAX_CONTAINERS_REMEMBERED = 4096;

interface Entry {
  identity: ProcessIdentity;
  /** /proc basics read, or known unreadable. */
  procDone: boolean;
  /** Environment and pod files read, or known unreadable. */
  envDone: boolean;
  exitedAt: number | null;
}

/** What a container's processes share: pod names are a property of the pod, not of one process. */
interface ContainerFacts {
  podName: string | null;
  podNameSource: PodNameSource | null;
  namespace: string | null;
  namespaceSource: NamespaceSource | null;
}

interface Basics {
  ppid: number | null;
  uid: number | null;
  comm: string | null;
  exe: string | null;
  exeFileId: string | null;
  commandLine: string | null;
  cgroup: CgroupIdentity | null;
  startNs: bigint;
}

export class IdentityResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly currentByPid = new Map<number, string>();
  private readonly containers = new Map<string, ContainerFacts>();
  private readonly nodeName: string | null;
  private readonly clusterName: string | null;
  private readonly hostNames: ReadonlySet<string>;
  private readonly maxEntries: number;
  private readonly exitedRetentionMs: number;
  private bootEpochMs: number | null = null;
  private readonly counters = { procReads: 0, procReadsMissed: 0, environReads: 0, inheritedContainer: 0 };

  constructor(opts: IdentityResolverOptions = {}) {
    this.nodeName = nonEmpty(opts.nodeName !== undefined ? opts.nodeName : (process.env.NODE_NAME ?? process.env.OSPREY_NODE_NAME));
    this.clusterName = nonEmpty(opts.clusterName !== undefined ? opts.clusterName : process.env.OSPREY_CLUSTER_NAME);
    this.hostNames = new Set([hostname().toLowerCase(), ...(this.nodeName ? [this.nodeName.toLowerCase()] : [])]);
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.exitedRetentionMs = opts.exitedRetentionMs ?? DEFAULT_EXITED_RETENTION_MS;
  }

  /** A process executed a program: a new image in the same (pid, start), so anything cached is replaced. */
  onExec(e: ExecInfo & { tgid: number; startNs: bigint }): ProcessIdentity {
    const basics = this.readBasics(e.tgid, e.startNs, e);
    const entry: Entry = basics
      ? { identity: this.compose(e.tgid, basics, null, 'proc', false), procDone: true, envDone: false, exitedAt: null }
      : this.fromExecInfo(e.tgid, e.startNs, e);
    this.store(e.tgid, e.startNs, entry);
    return entry.identity;
  }

  /** A child inherits its parent's identity (same image, cgroup and environment) until it execs. */
  onFork(e: { parentTgid: number; childTgid: number; childStartNs: bigint }): void {
    const parentKey = this.currentByPid.get(e.parentTgid);
    const parent = parentKey === undefined ? undefined : this.entries.get(parentKey);
    if (!parent) return; // resolved from /proc on first use
    const identity: ProcessIdentity = Object.freeze({
      ...parent.identity,
      'process.pid': e.childTgid,
      'process.parent_pid': e.parentTgid,
      'process.creation.time': this.creationTime(e.childStartNs),
      startNs: e.childStartNs,
      source: 'fork',
    });
    // Re-read on first use: the child may have been moved to another cgroup since.
    this.store(e.childTgid, e.childStartNs, { identity, procDone: false, envDone: parent.envDone, exitedAt: null });
  }

  onExit(e: { tgid: number; startNs: bigint }, nowMs: number = Date.now()): void {
    const key = keyOf(e.tgid, e.startNs);
    const entry = this.entries.get(key);
    if (entry) entry.exitedAt = nowMs;
    if (this.currentByPid.get(e.tgid) === key) this.currentByPid.delete(e.tgid);
  }

  /**
   * Identity of (pid, start). `startNs` 0n means unknown (taken from /proc, unverified). `exec` is
   * what an exec event carried, used when the process is gone and nothing better is cached.
   */
  resolve(pid: number, startNs: bigint, exec?: ExecInfo): ProcessIdentity {
    const key = keyOf(pid, startNs);
    let entry = this.entries.get(key);
    if (entry && entry.identity.source === 'pid' && exec) {
      entry = this.fromExecInfo(pid, startNs, exec);
      this.store(pid, startNs, entry);
    }
    if (!entry) {
      const basics = this.readBasics(pid, startNs, exec);
      entry = basics
        ? { identity: this.compose(pid, basics, null, 'proc', false), procDone: true, envDone: false, exitedAt: null }
        : this.fromExecInfo(pid, startNs, exec);
      this.store(pid, startNs, entry);
    }
    if (!entry.procDone) {
      entry.procDone = true;
      const basics = entry.exitedAt === null ? this.readBasics(pid, startNs, undefined) : null;
      if (basics) entry.identity = this.compose(pid, basics, null, 'proc', false);
      else if (entry.exitedAt === null) {
        entry.exitedAt = Date.now();
        if (this.currentByPid.get(pid) === key) this.currentByPid.delete(pid);
      }
    }
    if (!entry.envDone) {
      entry.envDone = true;
      entry.identity = this.completePod(entry.identity, entry.exitedAt === null);
    }
    return entry.identity;
  }

  /** The cached identity, without reading anything. */
  peek(pid: number, startNs: bigint): ProcessIdentity | undefined {
    return this.entries.get(keyOf(pid, startNs))?.identity;
  }

  /** Forgets processes that exited more than the retention period ago. */
  sweep(nowMs: number = Date.now()): void {
    for (const [key, entry] of this.entries) {
      if (entry.exitedAt !== null && nowMs - entry.exitedAt >= this.exitedRetentionMs) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): IdentityResolverStats {
    return { entries: this.entries.size, ...this.counters };
  }

  // -------------------------------------------------------------------------------------------

  private store(pid: number, startNs: bigint, entry: Entry): void {
    const key = keyOf(pid, startNs);
    this.entries.delete(key); // re-insert: Map order is our age order
    this.entries.set(key, entry);
    if (entry.exitedAt === null) this.currentByPid.set(pid, key);
    else if (this.currentByPid.get(pid) === key) this.currentByPid.delete(pid);
    if (this.entries.size > this.maxEntries) this.evict();
  }

  /** Drops the oldest tenth, exited processes first. */
  private evict(): void {
    const target = Math.floor(this.maxEntries * 0.9);
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= target) return;
      if (entry.exitedAt !== null) this.entries.delete(key);
    }
    for (const [key] of this.entries) {
      if (this.entries.size <= target) return;
      this.entries.delete(key);
      const pid = Number(key.slice(0, key.indexOf(':')));
      if (this.currentByPid.get(pid) === key) this.currentByPid.delete(pid);
    }
  }

  /**
   * Reads stat, exe, command line, uid and cgroup. Null when the process is gone or the pid now
   * belongs to another process. One start-time check before the reads is enough: for the pid to
   * be reused between them, the kernel would have to allocate every other pid up to pid_max within
   * microseconds. This runs for every exec on the host, so it reads as little as it can (the uid
   * comes from the exec event when there is one).
   */
  private readBasics(pid: number, startNs: bigint, exec: ExecInfo | undefined): Basics | null {
    this.counters.procReads++;
    const stat = readStat(pid);
    if (!stat || !this.startMatches(stat, startNs)) {
      this.counters.procReadsMissed++;
      return null;
    }
    let exe = readExe(pid);
    let exeFileId = readExeFileId(pid);
    let commandLine = readCmdlineCapped(pid, MAX_CMDLINE_BYTES);
    const uid = exec?.uid ?? readUid(pid);
    const cgroupText = readCgroupFile(pid);
    const root = readRootLink(pid);
    let comm = stat.comm;
    // The exec event is late by the time we read: if the process has exec'd again since, /proc
    // shows the newer image. Keep the event's image for this exec; the next event brings the new one.
    if (exec?.comm && exec.comm !== stat.comm) {
      comm = exec.comm;
      exe = exec.filename || null;
      exeFileId = null;
      commandLine = exec.commandLine || null;
    }
    // /proc's is whole (the event's argv may be cut short); the event's when /proc had none.
    commandLine ??= exec?.commandLine || null;
    if (exe && root && root !== '/' && exe.startsWith(`${root}/`)) exe = exe.slice(root.length);
    return {
      ppid: stat.ppid,
      uid: uid ?? exec?.uid ?? null,
      comm,
      exe: exe ?? exec?.filename ?? null,
      exeFileId,
      commandLine,
      cgroup: cgroupText === null ? null : identityOfCgroups(parseProcCgroup(cgroupText)),
      startNs: startNs === 0n ? startNsOfTicks(stat.startTicks) : startNs,
    };
  }

  private startMatches(stat: ProcStat, startNs: bigint): boolean {
    return startNs === 0n || sameStart(stat, startNs);
  }

  /** The process is gone: the exec event's fields, and the parent's container. */
  private fromExecInfo(pid: number, startNs: bigint, exec: ExecInfo | undefined): Entry {
    const basics: Basics = {
      ppid: exec?.ppid ?? null,
      uid: exec?.uid ?? null,
      comm: exec?.comm || null,
      exe: exec?.filename || null,
      exeFileId: null,
      commandLine: exec?.commandLine || null,
      cgroup: null,
      startNs,
    };
    const parent = basics.ppid === null ? undefined : this.liveParent(basics.ppid);
    const identity = this.compose(pid, basics, parent ?? null, exec ? 'exec' : 'pid', parent !== undefined);
    if (parent) this.counters.inheritedContainer++;
    // Gone (or its pid reused): it must not stand for the pid's current holder (fork parents).
    return { identity, procDone: true, envDone: false, exitedAt: Date.now() };
  }

  /** The parent's identity, completed (environment read) so its pod names can be inherited. */
  private liveParent(ppid: number): ProcessIdentity | undefined {
    const key = this.currentByPid.get(ppid);
    const cached = key === undefined ? undefined : this.entries.get(key);
    if (cached) return this.resolve(ppid, cached.identity.startNs);
    // Not seen yet (it predates the agent): read it now, it is usually still there.
    const stat = readStat(ppid);
    return stat ? this.resolve(ppid, startNsOfTicks(stat.startTicks)) : undefined;
  }

  private compose(pid: number, b: Basics, inheritFrom: ProcessIdentity | null, source: IdentitySource, inherited: boolean): ProcessIdentity {
    const cg = b.cgroup;
    return Object.freeze({
      'process.pid': pid,
      'process.parent_pid': b.ppid,
      'process.executable.name': b.exe ? basename(b.exe) : b.comm,
      'process.executable.path': b.exe,
      'process.command_line': b.commandLine,
      'process.user.id': b.uid,
      'process.creation.time': this.creationTime(b.startNs),
      'container.id': cg ? cg.containerId : (inheritFrom?.['container.id'] ?? null),
      'container.runtime': cg ? cg.runtime : (inheritFrom?.['container.runtime'] ?? null),
      'k8s.pod.uid': cg ? cg.podUid : (inheritFrom?.['k8s.pod.uid'] ?? null),
      'k8s.pod.name': inheritFrom?.['k8s.pod.name'] ?? null,
      'k8s.namespace.name': inheritFrom?.['k8s.namespace.name'] ?? null,
      'k8s.node.name': this.nodeName,
      'k8s.cluster.name': this.clusterName,
      startNs: b.startNs,
      comm: b.comm,
      exeFileId: b.exeFileId,
      cgroupPath: cg ? cg.path : (inheritFrom?.cgroupPath ?? null),
      k8sQosClass: cg ? cg.qosClass : (inheritFrom?.k8sQosClass ?? null),
      podNameSource: inheritFrom?.podNameSource ?? null,
      namespaceSource: inheritFrom?.namespaceSource ?? null,
      envSignals: null,
      source,
      containerInherited: inherited,
    });
  }

  /**
   * Reads the environment (and, in a pod, the service-account namespace) once. When the process is
   * gone, pod names come from another process in the same container.
   */
  private completePod(identity: ProcessIdentity, alive: boolean): ProcessIdentity {
    const pid = identity['process.pid'];
    let env: EnvScan | null = null;
    // This may run long after the exec event: is the pid still this process?
    if (alive && identity.source !== 'exec' && identity.source !== 'pid') {
      const stat = readStat(pid);
      if (stat && this.startMatches(stat, identity.startNs)) {
        this.counters.environReads++;
        env = scanEnviron(pid);
      }
    }
    const containerId = identity['container.id'];
    const facts: ContainerFacts | null = env && looksLikePod(env, identity['k8s.pod.uid']) ? podNamesOf(pid, env, this.hostNames) : null;
    const known = containerId === null ? undefined : this.containers.get(containerId);
    if (facts && containerId !== null && (facts.podName !== null || facts.namespace !== null)) this.rememberContainer(containerId, facts);
    const podName = facts?.podName ?? known?.podName ?? identity['k8s.pod.name'];
    const namespace = facts?.namespace ?? known?.namespace ?? identity['k8s.namespace.name'];
    const inherited = identity.containerInherited || (!facts?.podName && !!known?.podName) || (!facts?.namespace && !!known?.namespace);
    if (inherited && !identity.containerInherited) this.counters.inheritedContainer++;
    return Object.freeze({
      ...identity,
      'k8s.pod.name': podName,
      'k8s.namespace.name': namespace,
      podNameSource: facts?.podName ? facts.podNameSource : (known?.podName ? known.podNameSource : identity.podNameSource),
      namespaceSource: facts?.namespace ? facts.namespaceSource : (known?.namespace ? known.namespaceSource : identity.namespaceSource),
      envSignals: env ? env.signalNames : identity.envSignals,
      containerInherited: inherited,
    });
  }

  private rememberContainer(containerId: string, facts: ContainerFacts): void {
    this.containers.delete(containerId);
    this.containers.set(containerId, facts);
    if (this.containers.size > MAX_CONTAINERS_REMEMBERED) {
      const oldest = this.containers.keys().next().value;
      if (oldest !== undefined) this.containers.delete(oldest);
    }
  }

  private creationTime(startNs: bigint): string | null {
    if (startNs === 0n) return null;
    this.bootEpochMs ??= readBootEpochMs();
    if (this.bootEpochMs === null) return null;
    return new Date(this.bootEpochMs + Number(startNs / 1_000_000n)).toISOString();
  }
}

function keyOf(pid: number, startNs: bigint): string {
  return `${pid}:${startNs}`;
}

function nonEmpty(s: string | null | undefined): string | null {
  const t = s?.trim();
  return t ? t : null;
}

/** Wall-clock time of boot, from /proc/uptime (CLOCK_BOOTTIME, which start times are measured in). */
function readBootEpochMs(): number | null {
  try {
    const uptime = Number(readFileSync(`${PROC_ROOT}/uptime`, 'utf8').split(' ')[0]);
    return Number.isFinite(uptime) ? Date.now() - uptime * 1000 : null;
  } catch {
    return null;
  }
}

let defaultResolver: IdentityResolver | null = null;

/**
 * Identity of (pid, start) from a process-wide resolver (created on first use, with node and
 * cluster names from the environment). The agent's pipeline owns its own IdentityResolver; this
 * is for one-off callers (the CLI).
 */
export function resolveIdentity(pid: number, startNs: bigint, execInfo?: ExecInfo): ProcessIdentity {
  defaultResolver ??= new IdentityResolver();
  return defaultResolver.resolve(pid, startNs, execInfo);
}

/**
 * The identity's record attributes: exactly IDENTITY_ATTRIBUTE_KEYS, unknown ones left out. The
 * command line is redacted (keys passed as arguments are more common than one would hope).
 */
export function identityAttributes(identity: ProcessIdentity): IdentityAttributes {
  const out: IdentityAttributes = {};
  for (const key of IDENTITY_ATTRIBUTE_KEYS) {
    const value = identity[key];
    if (value === null) continue;
    out[key] = key === 'process.command_line' ? redactSecretsInText(value as string) : value;
  }
  return out;
}
