/** Agent scopes: which live processes are agent X, by the `agents:` mapping rules of the agent config. */
import { listPids, readStat, startNsOfTicks } from '../process/proc-fs.js';
import { resolveIdentity, type ProcessIdentity } from '../identity/identity.js';
import { readAgentRulesFile } from '../agents/config.js';
import { matchAgent, type AgentRule } from '../agents/rules.js';
import { cgroupPathOfPid, type AgentProcess, type AgentProcessLister } from './scopes.js';

/** Lists an agent's live processes by the given mapping rules. */
export function agentLister(rules: readonly AgentRule[]): AgentProcessLister {
  return async (agent: string): Promise<AgentProcess[]> => {
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
      if (matchAgent(identity, rules)?.agent.name !== agent) continue;
      out.push({ pid, comm: stat.comm, cgroupPath: cgroupPathOfPid(pid) });
    }
    return out;
  };
}

/** The same, with the `agents:` rules of the config file at `configPath`, read at each use. */
export function agentListerFromConfig(configPath: string): AgentProcessLister {
  return async (agent: string) => agentLister(readAgentRulesFile(configPath))(agent);
}
