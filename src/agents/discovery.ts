/**
 * Discovery: which processes on this host talk to LLM providers, and which of them no mapping rule
 * names yet. Fed by the pipeline on every LlmCall (identity, provider, model, server) and on every
 * TLS connection whose server name is a provider (SNI), so a process is discovered even when none
 * of its requests could be read. Processes that match a rule are counted under their agent;
 * the others are "discovered agents", grouped by what they are (executable, command line,
 * namespace) so a cron job that runs every minute is one entry, not sixty.
 *
 * Signals kept per discovered agent: provider connections (host names), provider API-key
 * environment variable *names* (from the identity's one environ scan: values are never read into
 * strings), and agent frameworks seen in the command line, mapped native modules, or framework
 * environment variable names. The agent never reports itself (nor pids it is told to ignore).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { ProcessIdentity } from '../identity/identity.js';
import { API_KEY_ENV_VARS } from '../identity/environ.js';
import { redactSecretsInText } from '../telemetry/redact.js';
import { frameworksInEnvNames, frameworksInText, frameworksLoadedBy } from './frameworks.js';
import { providerOfHost as defaultProviderOfHost } from './providers.js';
import { AgentMapper, type AgentLabels, type AgentRule } from './rules.js';

export interface CallObservation {
  identity: ProcessIdentity;
  /** gen_ai.provider.name */
  provider: string | null;
  /** Request model, else response model. */
  model: string | null;
  /** server.address */
  serverAddress: string | null;
  atMs?: number;
}

export interface ConnectionObservation {
  /** Resolved only when the server is a provider: pass a function to avoid resolving for every TLS connection. */
  identity: ProcessIdentity | (() => ProcessIdentity);
  serverName: string | null;
  serverPort?: number | null;
  atMs?: number;
}

export interface AgentDiscoveryOptions {
  /** Mapping rules (or a mapper shared with the pipeline). Default: none, everything is discovered. */
  rules?: AgentMapper | readonly AgentRule[];
  /** Pids never reported. Default: this process. */
  ignorePids?: Iterable<number>;
  /** Which provider a server name belongs to; default: the built-in list (providers.ts). */
  providerOfHost?: (serverName: string | null, serverPort: number | null) => string | null;
  /** Discovered agents kept at most (least recently seen go first). Default 500. */
  maxDiscovered?: number;
  /** Forget agents not seen for this long. Default 24 h. */
  retentionMs?: number;
  /** A process counts as monitored while seen within this window. Default 10 min. */
  activeWindowMs?: number;
  /** Read /proc/PID/maps of newly seen processes for framework modules. Default true. */
  scanLoadedModules?: boolean;
  /** For the snapshot's host section. Default: $NODE_NAME or $OSPREY_NODE_NAME, and $OSPREY_CLUSTER_NAME. */
  nodeName?: string | null;
  clusterName?: string | null;
  now?: () => number;
}

/** Wire shape (camelCase, as NodeLoom's probe heartbeat carries it) of one discovered agent. */
export interface DiscoveredProcess {
  /** Stable for the same executable + command line + namespace (12 hex). */
  id: string;
  /** The most recently seen process. */
  pid: number;
  /** Recently seen pids, newest last (at most 16). */
  pids: number[];
  /** Distinct processes seen. */
  processCount: number;
  processName: string | null;
  executablePath: string | null;
  /** Redacted, at most 1 KiB. */
  commandLine: string | null;
  userId: number | null;
  containerId: string | null;
  containerRuntime: string | null;
  podName: string | null;
  podUid: string | null;
  namespace: string | null;
  nodeName: string | null;
  clusterName: string | null;
  cgroupPath: string | null;
  firstSeen: string;
  lastSeen: string;
  callCount: number;
  connectionCount: number;
  providers: string[];
  models: string[];
  serverAddresses: string[];
  signals: {
    /** Provider host names this agent opened TLS connections to. */
    providerConnections: string[];
    /** Names of provider API-key variables set in its environment (never values). */
    apiKeyEnvVars: string[];
    frameworks: string[];
  };
  /** A starting point for a mapping rule (YAML-ready). */
  suggestedRule: { name: string; match: Array<{ type: string; exact?: string; glob?: string }>; agent: string };
}

export interface MappedAgentSummary {
  name: string;
  version: string | null;
  team: string | null;
  environment: string | null;
  /** Rules that mapped processes to this agent. */
  rules: string[];
  pid: number;
  pids: number[];
  processCount: number;
  firstSeen: string;
  lastSeen: string;
  callCount: number;
  connectionCount: number;
  providers: string[];
  models: string[];
  containerIds: string[];
  podNames: string[];
  namespaces: string[];
}

export interface AgentsSnapshot {
  schemaVersion: 1;
  generatedAt: string;
  host: { name: string; nodeName: string | null; clusterName: string | null };
  /** The osprey agent that wrote it. */
  agentPid: number;
  processesMonitored: number;
  llmCallsIntercepted: number;
  mappedAgents: MappedAgentSummary[];
  discoveredProcesses: DiscoveredProcess[];
}

/** What NodeLoom's POST /api/sdk/v1/ebpf/probes/{id}/heartbeat carries from discovery. */
export interface DiscoveryHeartbeat {
  processesMonitored: number;
  llmCallsIntercepted: number;
  discoveredProcesses: DiscoveredProcess[];
}

const MAX_PIDS = 16;
const MAX_LIST = 32;
const MAX_COMMAND_LINE = 1024;

class CountedSet {
  readonly counts = new Map<string, number>();
  add(v: string | null, limit = MAX_LIST): void {
    if (v === null || v === '') return;
    const n = this.counts.get(v);
    if (n !== undefined) this.counts.set(v, n + 1);
    else if (this.counts.size < limit) this.counts.set(v, 1);
  }
  /** Most frequent first. */
  list(): string[] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v]) => v);
  }
}

/** Recent processes of an entry, keyed by pid:start. */
class RecentProcesses {
  private readonly recent = new Map<string, number>();
  total = 0;
  lastPid = 0;
  /** True when this process is new to the entry. */
  touch(identity: ProcessIdentity): boolean {
    const key = `${identity['process.pid']}:${identity.startNs}`;
    const isNew = !this.recent.has(key);
    this.recent.delete(key);
    this.recent.set(key, identity['process.pid']);
    if (isNew) this.total++;
    if (this.recent.size > MAX_PIDS) this.recent.delete(this.recent.keys().next().value!);
    this.lastPid = identity['process.pid'];
    return isNew;
  }
  pids(): number[] {
    return [...this.recent.values()];
  }
}

interface Activity {
  firstSeenMs: number;
  lastSeenMs: number;
  callCount: number;
  connectionCount: number;
  providers: CountedSet;
  models: CountedSet;
  processes: RecentProcesses;
}

interface DiscoveredEntry extends Activity {
  id: string;
  identity: ProcessIdentity;
  serverAddresses: CountedSet;
  providerConnections: CountedSet;
  apiKeyEnvVars: Set<string>;
  frameworks: Set<string>;
}

interface MappedEntry extends Activity {
  agent: AgentLabels;
  rules: Set<string>;
  containerIds: CountedSet;
  podNames: CountedSet;
  namespaces: CountedSet;
}

function newActivity(now: number): Activity {
  return { firstSeenMs: now, lastSeenMs: now, callCount: 0, connectionCount: 0, providers: new CountedSet(), models: new CountedSet(), processes: new RecentProcesses() };
}

export class AgentDiscovery {
  private readonly mapper: AgentMapper;
  private readonly ignored: Set<number>;
  private readonly providerOf: (serverName: string | null, serverPort: number | null) => string | null;
  private readonly maxDiscovered: number;
  private readonly retentionMs: number;
  private readonly activeWindowMs: number;
  private readonly scanLoadedModules: boolean;
  private readonly now: () => number;
  private readonly nodeName: string | null;
  private readonly clusterName: string | null;
  private readonly discovered = new Map<string, DiscoveredEntry>();
  private readonly mapped = new Map<string, MappedEntry>();
  /** Processes seen talking to providers: pid:start → last seen. */
  private readonly active = new Map<string, number>();
  private calls = 0;

  constructor(opts: AgentDiscoveryOptions = {}) {
    this.mapper = opts.rules instanceof AgentMapper ? opts.rules : new AgentMapper(opts.rules ?? []);
    this.ignored = new Set(opts.ignorePids ?? [process.pid]);
    this.providerOf = opts.providerOfHost ?? defaultProviderOfHost;
    this.maxDiscovered = opts.maxDiscovered ?? 500;
    this.retentionMs = opts.retentionMs ?? 24 * 3600_000;
    this.activeWindowMs = opts.activeWindowMs ?? 10 * 60_000;
    this.scanLoadedModules = opts.scanLoadedModules ?? true;
    this.now = opts.now ?? Date.now;
    this.nodeName = opts.nodeName !== undefined ? opts.nodeName : (process.env.NODE_NAME ?? process.env.OSPREY_NODE_NAME ?? null);
    this.clusterName = opts.clusterName !== undefined ? opts.clusterName : (process.env.OSPREY_CLUSTER_NAME ?? null);
  }

  /** New mapping rules: processes seen from now on are sorted by them. */
  setRules(rules: readonly AgentRule[]): void {
    this.mapper.setRules(rules);
  }

  /** Never report this pid (the eBPF loader, helpers the agent starts). */
  ignorePid(pid: number): void {
    this.ignored.add(pid);
  }

  /** One LlmCall. */
  observeCall(o: CallObservation): void {
    const id = o.identity;
    if (this.ignored.has(id['process.pid'])) return;
    const now = o.atMs ?? this.now();
    this.calls++;
    const activity = this.activityFor(id, now);
    activity.callCount++;
    activity.providers.add(o.provider);
    activity.models.add(o.model, 64);
    if ('serverAddresses' in activity) activity.serverAddresses.add(o.serverAddress);
  }

  /**
   * A TLS connection (SNI) or Host seen by the sensor. Returns true when the server is an LLM
   * provider (then it counts), false otherwise (nothing is resolved or kept).
   */
  observeConnection(o: ConnectionObservation): boolean {
    const provider = this.providerOf(o.serverName, o.serverPort ?? null);
    if (provider === null) return false;
    const id = typeof o.identity === 'function' ? o.identity() : o.identity;
    if (this.ignored.has(id['process.pid'])) return true;
    const now = o.atMs ?? this.now();
    const activity = this.activityFor(id, now);
    activity.connectionCount++;
    activity.providers.add(provider);
    if ('providerConnections' in activity) activity.providerConnections.add(o.serverName);
    return true;
  }

  /** Forget a process from the monitored count as soon as it exits (optional; the window does it too). */
  onExit(pid: number, startNs: bigint): void {
    this.active.delete(`${pid}:${startNs}`);
  }

  snapshot(opts: { processesMonitored?: number } = {}): AgentsSnapshot {
    const now = this.now();
    this.expire(now);
    return {
      schemaVersion: 1,
      generatedAt: new Date(now).toISOString(),
      host: { name: hostname(), nodeName: this.nodeName, clusterName: this.clusterName },
      agentPid: process.pid,
      processesMonitored: opts.processesMonitored ?? this.active.size,
      llmCallsIntercepted: this.calls,
      // Most recently seen first (Map order breaks ties: later insertions are more recent).
      mappedAgents: [...this.mapped.values()].reverse().sort((a, b) => b.lastSeenMs - a.lastSeenMs).map(mappedSummary),
      discoveredProcesses: [...this.discovered.values()].reverse().sort((a, b) => b.lastSeenMs - a.lastSeenMs).map(discoveredSummary),
    };
  }

  heartbeat(opts: { processesMonitored?: number } = {}): DiscoveryHeartbeat {
    const s = this.snapshot(opts);
    return { processesMonitored: s.processesMonitored, llmCallsIntercepted: s.llmCallsIntercepted, discoveredProcesses: s.discoveredProcesses };
  }

  // -------------------------------------------------------------------------------------------

  private activityFor(id: ProcessIdentity, now: number): DiscoveredEntry | MappedEntry {
    const procKey = `${id['process.pid']}:${id.startNs}`;
    this.active.delete(procKey);
    this.active.set(procKey, now);
    const match = this.mapper.map(id);
    if (match) {
      let m = this.mapped.get(match.agent.name);
      if (!m) {
        m = { ...newActivity(now), agent: match.agent, rules: new Set(), containerIds: new CountedSet(), podNames: new CountedSet(), namespaces: new CountedSet() };
        this.mapped.set(match.agent.name, m);
      }
      m.lastSeenMs = now;
      m.rules.add(match.rule.name);
      if (m.processes.touch(id)) {
        m.containerIds.add(id['container.id']);
        m.podNames.add(id['k8s.pod.name']);
        m.namespaces.add(id['k8s.namespace.name']);
      }
      return m;
    }
    const fp = fingerprint(id);
    let d = this.discovered.get(fp);
    if (!d) {
      d = {
        ...newActivity(now),
        id: createHash('sha256').update(fp).digest('hex').slice(0, 12),
        identity: id,
        serverAddresses: new CountedSet(),
        providerConnections: new CountedSet(),
        apiKeyEnvVars: new Set(),
        frameworks: new Set(),
      };
      if (this.discovered.size >= this.maxDiscovered) this.evictOldest();
    } else this.discovered.delete(fp); // re-insert: most recently seen last
    this.discovered.set(fp, d);
    d.lastSeenMs = now;
    d.identity = id;
    if (d.processes.touch(id)) this.collectSignals(d, id);
    return d;
  }

  /** Once per process: key variable names, frameworks in its command line, modules and env names. */
  private collectSignals(d: DiscoveredEntry, id: ProcessIdentity): void {
    const envNames = id.envSignals ?? [];
    for (const n of envNames) if (Object.hasOwn(API_KEY_ENV_VARS, n)) d.apiKeyEnvVars.add(n);
    const found = [...frameworksInText(id['process.command_line'] ?? ''), ...frameworksInEnvNames(envNames)];
    if (this.scanLoadedModules && id.source === 'proc') found.push(...frameworksLoadedBy(id['process.pid']));
    for (const f of found) d.frameworks.add(f);
  }

  private evictOldest(): void {
    const oldest = this.discovered.keys().next().value;
    if (oldest !== undefined) this.discovered.delete(oldest);
  }

  private expire(now: number): void {
    for (const [fp, d] of this.discovered) if (now - d.lastSeenMs > this.retentionMs) this.discovered.delete(fp);
    for (const [name, m] of this.mapped) if (now - m.lastSeenMs > this.retentionMs) this.mapped.delete(name);
    for (const [key, at] of this.active) if (now - at > this.activeWindowMs) this.active.delete(key);
  }
}

/** What a discovered agent *is*: the same program in the same namespace is one agent across restarts. */
function fingerprint(id: ProcessIdentity): string {
  // Redacted: a key in the arguments must not feed the id, and a rotated key is the same agent.
  return [id['k8s.namespace.name'] ?? '', id['process.executable.path'] ?? id.comm ?? '', redactSecretsInText(id['process.command_line'] ?? '')].join('\0');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function mappedSummary(m: MappedEntry): MappedAgentSummary {
  return {
    name: m.agent.name,
    version: m.agent.version,
    team: m.agent.team,
    environment: m.agent.environment,
    rules: [...m.rules],
    pid: m.processes.lastPid,
    pids: m.processes.pids(),
    processCount: m.processes.total,
    firstSeen: iso(m.firstSeenMs),
    lastSeen: iso(m.lastSeenMs),
    callCount: m.callCount,
    connectionCount: m.connectionCount,
    providers: m.providers.list(),
    models: m.models.list(),
    containerIds: m.containerIds.list(),
    podNames: m.podNames.list(),
    namespaces: m.namespaces.list(),
  };
}

function discoveredSummary(d: DiscoveredEntry): DiscoveredProcess {
  const id = d.identity;
  const cmd = id['process.command_line'];
  const redacted = cmd === null ? null : redactSecretsInText(cmd);
  return {
    id: d.id,
    pid: d.processes.lastPid,
    pids: d.processes.pids(),
    processCount: d.processes.total,
    processName: id.comm,
    executablePath: id['process.executable.path'],
    commandLine: redacted !== null && redacted.length > MAX_COMMAND_LINE ? `${redacted.slice(0, MAX_COMMAND_LINE - 1)}…` : redacted,
    userId: id['process.user.id'],
    containerId: id['container.id'],
    containerRuntime: id['container.runtime'],
    podName: id['k8s.pod.name'],
    podUid: id['k8s.pod.uid'],
    namespace: id['k8s.namespace.name'],
    nodeName: id['k8s.node.name'],
    clusterName: id['k8s.cluster.name'],
    cgroupPath: id.cgroupPath,
    firstSeen: iso(d.firstSeenMs),
    lastSeen: iso(d.lastSeenMs),
    callCount: d.callCount,
    connectionCount: d.connectionCount,
    providers: d.providers.list(),
    models: d.models.list(),
    serverAddresses: d.serverAddresses.list(),
    signals: { providerConnections: d.providerConnections.list(), apiKeyEnvVars: [...d.apiKeyEnvVars].sort(), frameworks: [...d.frameworks].sort() },
    suggestedRule: suggestRule(id),
  };
}

const SCRIPT = /\.(?:py|js|mjs|cjs|ts|rb|jar)$/;

/**
 * A rule that would map this agent: in a pod, its namespace and pod name without the replica
 * suffix; elsewhere the executable and the script it runs (or its full command line).
 */
export function suggestRule(id: ProcessIdentity): DiscoveredProcess['suggestedRule'] {
  const match: DiscoveredProcess['suggestedRule']['match'] = [];
  let name: string | null = null;
  const ns = id['k8s.namespace.name'];
  const pod = id['k8s.pod.name'];
  if (ns !== null) match.push({ type: 'K8S_NAMESPACE', exact: ns });
  if (pod !== null) {
    // Deployment pods are <deployment>-<replicaset hash>-<5 chars>; StatefulSet pods <name>-<n>.
    const workload = pod.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '').replace(/-\d+$/, '');
    match.push(workload === pod ? { type: 'K8S_POD', exact: pod } : { type: 'K8S_POD', glob: `${workload}-*` });
    name = workload;
  }
  if (pod === null) {
    const exe = id['process.executable.path'];
    if (exe !== null) match.push({ type: 'EXECUTABLE_PATH', exact: exe });
    else if (id.comm !== null) match.push({ type: 'PROCESS_NAME', exact: id.comm });
    const args = (id['process.command_line'] ?? '').split(' ');
    const script = args.slice(1).find((a) => SCRIPT.test(a));
    if (script) {
      match.push({ type: 'COMMAND_LINE', glob: `*${script.replace(/[*?[\\]/g, '\\$&')}*` });
      name = basename(script).replace(SCRIPT, '');
    }
    name ??= id['process.executable.name'] ?? id.comm ?? 'agent';
  }
  const agent = (name ?? 'agent').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'agent';
  return { name: agent, match, agent };
}
