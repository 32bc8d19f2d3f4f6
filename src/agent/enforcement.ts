/**
 * Enforcement as part of the agent: when the config has an `enforce:` policy, the agent applies it
 * (kernel programs and maps, pinned so they outlive the agent), runs the user-space half (audit
 * log, host refresh, agent scopes), and feeds it every captured LlmCall so call budgets count real
 * calls and host-name rules learn the addresses the calls went to.
 */
import type { AgentConfig } from '../config/agent-config.js';
import { agentLister } from '../enforce/agents.js';
import { EnforceRuntime, callInfoOf } from '../enforce/runtime.js';
import { applyPolicy, defaultContext, readPolicyFile } from '../enforce/service.js';
import type { LlmCall } from '../telemetry/llm-call.js';
import { diagnostics } from '../telemetry/log.js';

export interface AgentEnforcement {
  noteCall(call: LlmCall): void;
  stop(): Promise<void>;
}

/** Applies the config's policy and starts the runtime; null when the config has no policy. */
export async function startEnforcement(config: AgentConfig): Promise<AgentEnforcement | null> {
  const { enforce } = config;
  if (enforce.policyFile === null && enforce.policy === null) return null;
  const ctx = defaultContext({ pinDir: enforce.pinDir, auditLog: enforce.auditLog, listAgent: agentLister(config.agents) });
  const doc = enforce.policyFile !== null ? readPolicyFile(enforce.policyFile) : enforce.policyDocument;
  const applied = await applyPolicy(doc, enforce.policyFile ?? 'config enforce:', ctx);
  for (const w of applied.warnings) diagnostics.warn(`enforce: ${w}`);
  const runtime = await EnforceRuntime.start({
    ctx,
    onEvent: (e) => diagnostics.info(`enforce: ${JSON.stringify(e)}`),
    onWarning: (m) => diagnostics.warn(`enforce: ${m}`),
  });
  diagnostics.info(`enforcement on (enforcer pid ${runtime.daemonPid}); audit log ${enforce.auditLog}`);
  const report = (what: string) => (e: unknown) => diagnostics.warnOnce(`enforce:${what}`, `enforce: ${what} failed: ${(e as Error).message}`);
  return {
    noteCall(call) {
      const info = callInfoOf(call);
      if (info) runtime.noteLlmCall(info).catch(report('counting a call'));
      const host = call.attributes['server.address'];
      const peer = call.attributes['network.peer.address'];
      if (typeof host === 'string' && typeof peer === 'string' && host !== peer) runtime.noteHostAddress(host, peer).catch(report('learning a host address'));
    },
    stop: () => runtime.stop(),
  };
}
