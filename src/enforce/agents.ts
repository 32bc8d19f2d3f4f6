/**
 * Agent scopes: which live processes are agent X, by the `agents:` mapping rules of the agent
 * config (src/agents). Loaded on first use, so enforcement builds and runs where that module is
 * absent; an agent scope then fails with a clear error instead.
 */
import { listPids, readStat, startNsOfTicks } from '../process/proc-fs.js';
import { resolveIdentity, type ProcessIdentity } from '../identity/identity.js';
import { PolicyError } from './policy.js';
import { cgroupPathOfPid, type AgentProcess, type AgentProcessLister } from './scopes.js';

interface AgentsModules {
  readAgentRulesFile: (path: string) => unknown[];
  matchAgent: (identity: ProcessIdentity, rules: readonly unknown[]) => { agent: { name: string } } | null;
}

async function loadAgentsModules(): Promise<AgentsModules | null> {
  // Specifiers in variables: the modules are optional at build time.
  const configSpec = '../agents/config.js';
  const rulesSpec = '../agents/rules.js';
  try {
    const cfg = (await import(configSpec)) as { readAgentRulesFile?: AgentsModules['readAgentRulesFile'] };
    const rules = (await import(rulesSpec)) as { matchAgent?: AgentsModules['matchAgent'] };
    if (!cfg.readAgentRulesFile || !rules.matchAgent) return null;
    return { readAgentRulesFile: cfg.readAgentRulesFile, matchAgent: rules.matchAgent };
  } catch {
    return null;
  }
}

/** Lists an agent's processes using the `agents:` rules of the config file at `configPath`. */
export function agentListerFromConfig(configPath: string): AgentProcessLister {
  return async (agent: string): Promise<AgentProcess[]> => {
    const mods = await loadAgentsModules();
    if (!mods) throw new PolicyError('scope.agent', 'agent scopes need the agent mapping rules (src/agents), which this build lacks');
    const rules = mods.readAgentRulesFile(configPath);
    const out: AgentProcess[] = [];
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      const stat = readStat(pid);
      if (!stat) continue;
      let identity: ProcessIdentity;
      try {
        identity = resolveIdentity(pid, startNsOfTicks(stat.startTicks));
      } catch {
        continue;
      }
      if (mods.matchAgent(identity, rules)?.agent.name !== agent) continue;
      out.push({ pid, comm: stat.comm, cgroupPath: cgroupPathOfPid(pid) });
    }
    return out;
  };
}
