/**
 * `osprey agents`: the agents on this host, mapped and discovered, from the state file the running
 * agent writes; `osprey agents explain PID`: who a live process is right now, and which mapping
 * rule names it (and why every other rule does not).
 */
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { defaultConfigPath, readAgentRulesFile } from '../agents/config.js';
import type { AgentsSnapshot, DiscoveredProcess, MappedAgentSummary } from '../agents/discovery.js';
import { frameworksInEnvNames, frameworksInText, frameworksLoadedBy } from '../agents/frameworks.js';
import { explainMatch, type AgentRule, type MatchExplanation } from '../agents/rules.js';
import { DEFAULT_AGENTS_STATE_PATH, DEFAULT_STATE_INTERVAL_MS, readAgentsState } from '../agents/state.js';
import { API_KEY_ENV_VARS } from '../identity/environ.js';
import { IdentityResolver, type ProcessIdentity } from '../identity/identity.js';
import { PROC_ROOT } from '../process/proc-fs.js';
import { redactSecretsInText } from '../telemetry/redact.js';
import { UserFacingError } from '../util/errors.js';

export function registerAgentsCommands(program: Command): void {
  const agents = program
    .command('agents')
    .description('list the AI agents on this host: mapped by rules, and discovered (calling LLM providers, matched by no rule)')
    .option('--state <file>', 'agents state file the running agent writes', DEFAULT_AGENTS_STATE_PATH)
    .option('--json', 'print the state as JSON')
    .action((opts: { state: string; json?: boolean }) => {
      process.stdout.write(listAgents(opts.state, { json: opts.json === true, nowMs: Date.now() }));
    });

  agents
    .command('explain')
    .description('show who a running process is (process, container, pod) and which agent rule matches it, and why the others do not')
    .argument('<pid>', 'process id', parsePid)
    .option('--config <file>', `agent config file with the agents: rules (default: $OSPREY_CONFIG or ${defaultConfigPath()})`)
    .option('--json', 'print identity and per-rule results as JSON')
    .action((pid: number, _opts: unknown, cmd: Command) => {
      // `--json` is also an option of `agents`: commander hands it to whichever level parsed it.
      const opts = cmd.optsWithGlobals<{ config?: string; json?: boolean }>();
      process.stdout.write(explainProcess(pid, { config: opts.config, json: opts.json === true }));
    });
}

function parsePid(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a process id (a positive whole number)');
  return n;
}

// ---------------------------------------------------------------------------------------------
// osprey agents
// ---------------------------------------------------------------------------------------------

/** The text (or JSON) `osprey agents` prints. */
export function listAgents(statePath: string, opts: { json: boolean; nowMs: number }): string {
  const { snapshot, writtenAtMs } = readAgentsState(statePath);
  if (opts.json) return `${JSON.stringify(snapshot, null, 2)}\n`;
  return formatSnapshot(snapshot, statePath, writtenAtMs, opts.nowMs);
}

export function formatSnapshot(s: AgentsSnapshot, path: string, writtenAtMs: number, nowMs: number): string {
  const out: string[] = [];
  const where = [s.host.name, s.host.nodeName && s.host.nodeName !== s.host.name ? `node ${s.host.nodeName}` : null, s.host.clusterName ? `cluster ${s.host.clusterName}` : null].filter(Boolean).join(', ');
  out.push(`Agents on ${where} (from ${path}, written ${ago(writtenAtMs, nowMs)} by agent pid ${s.agentPid})`);
  if (nowMs - writtenAtMs > 3 * DEFAULT_STATE_INTERVAL_MS) {
    out.push(`warning: this state is ${ago(writtenAtMs, nowMs)} old; the agent writes it every ${DEFAULT_STATE_INTERVAL_MS / 1000} s, so it may not be running`);
  }
  out.push(`Processes monitored: ${s.processesMonitored}   LLM calls intercepted: ${s.llmCallsIntercepted}`, '');

  out.push(`MAPPED AGENTS (${s.mappedAgents.length})`);
  if (s.mappedAgents.length === 0) out.push('  none: no process matched a mapping rule yet');
  else {
    out.push(
      ...table(
        ['AGENT', 'VERSION', 'TEAM', 'ENV', 'PROCS', 'CALLS', 'CONNS', 'PROVIDERS', 'MODELS', 'WHERE', 'LAST SEEN'],
        s.mappedAgents.map((a: MappedAgentSummary) => [
          a.name,
          a.version ?? '-',
          a.team ?? '-',
          a.environment ?? '-',
          String(a.processCount),
          String(a.callCount),
          String(a.connectionCount),
          list(a.providers),
          list(a.models),
          a.namespaces.length > 0 ? `ns ${list(a.namespaces)}` : a.containerIds.length > 0 ? `ctr ${a.containerIds.map(short).join(',')}` : 'host',
          ago(Date.parse(a.lastSeen), nowMs),
        ]),
      ),
    );
  }
  out.push('', `DISCOVERED AGENTS (${s.discoveredProcesses.length}): calling LLM providers, matched by no rule`);
  if (s.discoveredProcesses.length === 0) out.push('  none');
  for (const d of s.discoveredProcesses) out.push(...formatDiscovered(d, nowMs));
  return `${out.join('\n')}\n`;
}

function formatDiscovered(d: DiscoveredProcess, nowMs: number): string[] {
  const lines: string[] = [];
  const name = d.processName ?? d.executablePath ?? '?';
  lines.push(`  ${d.id}  pid ${d.pid}${d.processCount > 1 ? ` (+${d.processCount - 1} earlier)` : ''}  ${name}  calls ${d.callCount}, connections ${d.connectionCount}, last seen ${ago(Date.parse(d.lastSeen), nowMs)}, first ${ago(Date.parse(d.firstSeen), nowMs)}`);
  if (d.commandLine) lines.push(`      command     ${cut(d.commandLine, 120)}`);
  const where: string[] = [];
  if (d.namespace || d.podName) where.push(`pod ${d.namespace ?? '?'}/${d.podName ?? '?'}`);
  if (d.containerId) where.push(`container ${short(d.containerId)}${d.containerRuntime ? ` (${d.containerRuntime})` : ''}`);
  lines.push(`      where       ${where.length > 0 ? where.join(', ') : 'host'}`);
  if (d.providers.length > 0 || d.models.length > 0) lines.push(`      calls to    ${list(d.providers)}${d.models.length > 0 ? `; models ${list(d.models)}` : ''}`);
  const signals = [
    ...d.signals.providerConnections.map((h) => `conn:${h}`),
    ...d.signals.apiKeyEnvVars.map((n) => `env:${n}`),
    ...d.signals.frameworks.map((f) => `framework:${f}`),
  ];
  if (signals.length > 0) lines.push(`      signals     ${signals.join(' ')}`);
  const r = d.suggestedRule;
  const matchers = r.match.map((m) => `{ type: ${m.type}, ${m.exact !== undefined ? `exact: ${yamlString(m.exact)}` : `glob: ${yamlString(m.glob ?? '')}`} }`);
  lines.push(`      map it with - name: ${r.name}`, `                    match: [${matchers.join(', ')}]`, `                    agent: ${r.agent}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// osprey agents explain PID
// ---------------------------------------------------------------------------------------------

/** The text (or JSON) `osprey agents explain` prints. */
export function explainProcess(pid: number, opts: { config?: string; json: boolean }): string {
  if (!existsSync(`${PROC_ROOT}/${pid}`)) throw new UserFacingError(`no process with pid ${pid} on this host`, 'OSP_ERR_NO_SUCH_PROCESS');
  const configPath = opts.config ?? defaultConfigPath();
  let rules: AgentRule[] = [];
  let rulesFrom: string;
  if (opts.config !== undefined || existsSync(configPath)) {
    rules = readAgentRulesFile(configPath);
    rulesFrom = configPath;
  } else rulesFrom = `no config file (looked for ${configPath}; pass --config)`;
  const identity = new IdentityResolver().resolve(pid, 0n);
  if (identity.source !== 'proc') throw new UserFacingError(`process ${pid} exited before it could be read`, 'OSP_ERR_NO_SUCH_PROCESS');
  const explanation = explainMatch(identity, rules);
  const frameworks = [
    ...new Set([...frameworksInText(identity['process.command_line'] ?? ''), ...frameworksInEnvNames(identity.envSignals ?? []), ...frameworksLoadedBy(pid)]),
  ].sort();
  if (opts.json) return `${JSON.stringify(explainJson(identity, explanation, rulesFrom, frameworks), null, 2)}\n`;
  return formatExplanation(identity, explanation, rulesFrom, frameworks);
}

function explainJson(identity: ProcessIdentity, e: MatchExplanation, rulesFrom: string, frameworks: string[]): unknown {
  const cmd = identity['process.command_line'];
  return {
    identity: { ...identity, 'process.command_line': cmd === null ? null : redactSecretsInText(cmd), startNs: identity.startNs.toString() },
    frameworks,
    rulesFrom,
    match: e.match ? { rule: e.match.rule.name, agent: e.match.agent } : null,
    rules: e.rules.map((r) => ({
      index: r.rule.index,
      name: r.rule.name,
      priority: r.rule.priority,
      matched: r.matched,
      selected: r.selected,
      failure: r.failure,
      summary: r.summary,
    })),
  };
}

export function formatExplanation(id: ProcessIdentity, e: MatchExplanation, rulesFrom: string, frameworks: string[]): string {
  const out: string[] = [];
  const row = (label: string, value: string | null | undefined): void => {
    if (value !== null && value !== undefined && value !== '') out.push(`  ${label.padEnd(15)} ${value}`);
  };
  out.push(`Process ${id['process.pid']} (${id.comm ?? '?'})${id['process.creation.time'] ? `, started ${id['process.creation.time']}` : ''}`);
  row('executable', id['process.executable.path'] ? `${id['process.executable.path']}${id.exeFileId ? `  (dev:inode ${id.exeFileId})` : ''}` : null);
  const cmd = id['process.command_line'];
  row('command line', cmd === null ? null : cut(redactSecretsInText(cmd), 200));
  row('user id', id['process.user.id'] === null ? null : String(id['process.user.id']));
  row('parent pid', id['process.parent_pid'] === null ? null : String(id['process.parent_pid']));
  row('cgroup', id.cgroupPath);
  row('container', id['container.id'] ? `${id['container.id']}${id['container.runtime'] ? ` (${id['container.runtime']})` : ''}` : 'none (not in a container cgroup)');
  if (id['k8s.pod.uid'] || id['k8s.pod.name'] || id['k8s.namespace.name']) {
    row('k8s pod', `${id['k8s.pod.name'] ?? '?'}${id.podNameSource ? ` [${id.podNameSource}]` : ''}`);
    row('k8s namespace', `${id['k8s.namespace.name'] ?? '?'}${id.namespaceSource ? ` [${id.namespaceSource}]` : ''}`);
    row('k8s pod uid', id['k8s.pod.uid'] ? `${id['k8s.pod.uid']}${id.k8sQosClass ? ` (QoS ${id.k8sQosClass})` : ''}` : null);
  }
  row('k8s node', id['k8s.node.name']);
  row('k8s cluster', id['k8s.cluster.name']);
  const keys = (id.envSignals ?? []).filter((n) => Object.hasOwn(API_KEY_ENV_VARS, n));
  row('provider keys', keys.length > 0 ? `${keys.join(', ')}  (variable names only)` : null);
  row('frameworks', frameworks.length > 0 ? frameworks.join(', ') : null);
  out.push('');
  if (e.rules.length === 0) out.push(`Rules: none (${rulesFrom})`);
  else {
    out.push(`Rules from ${rulesFrom} (${e.rules.length}; the highest priority match wins, then the first in the file):`);
    for (const r of e.rules) {
      const mark = r.selected ? '✓' : r.matched ? '~' : '✗';
      out.push(`  ${mark} agents[${r.rule.index}] "${r.rule.name}" (priority ${r.rule.priority}): ${r.summary}`);
    }
  }
  out.push('');
  if (e.match) {
    const a = e.match.agent;
    const labels = [a.version ? `version ${a.version}` : null, a.team ? `team ${a.team}` : null, a.environment ? `environment ${a.environment}` : null].filter(Boolean);
    out.push(`Result: agent "${a.name}" (rule "${e.match.rule.name}")${labels.length > 0 ? `; ${labels.join(', ')}` : ''}`);
  } else out.push('Result: no rule matches. If this process calls an LLM provider, it is listed as a discovered agent.');
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
  return [line(header), ...rows.map(line)];
}

function list(items: string[], max = 3): string {
  if (items.length === 0) return '-';
  return items.length > max ? `${items.slice(0, max).join(',')},+${items.length - max}` : items.join(',');
}

function short(containerId: string): string {
  return containerId.slice(0, 12);
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function yamlString(s: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(s) && !/^[0-9.]+$/.test(s) ? s : JSON.stringify(s);
}

export function ago(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
