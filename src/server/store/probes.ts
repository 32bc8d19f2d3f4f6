/** Registered eBPF probes, their heartbeats, and the per-agent kill switch SDKs poll. */
import { randomUUID } from 'node:crypto';
import type { AgentControlsTable, Db, ProbesTable } from './schema.js';

export interface ProbeRegistration {
  hostname: string;
  clusterName: string;
  kernelVersion: string | null;
  agentVersion: string | null;
  /** The request body as sent, kept whole. */
  body: unknown;
}

/** A probe that registers again from the same host (every restart does) keeps its id. */
export async function registerProbe(db: Db, reg: ProbeRegistration, nowUs: number): Promise<string> {
  return db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('probes')
      .select('id')
      .where('hostname', '=', reg.hostname)
      .where('cluster_name', '=', reg.clusterName)
      .executeTakeFirst();
    const id = existing?.id ?? randomUUID();
    const row = {
      kernel_version: reg.kernelVersion,
      agent_version: reg.agentVersion,
      registration: JSON.stringify(reg.body),
      registered_us: nowUs,
    };
    if (existing !== undefined) await tx.updateTable('probes').set(row).where('id', '=', id).execute();
    else await tx.insertInto('probes').values({ id, hostname: reg.hostname, cluster_name: reg.clusterName, ...row }).execute();
    return id;
  });
}

export function getProbe(db: Db, id: string): Promise<ProbesTable | undefined> {
  return db.selectFrom('probes').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface Heartbeat {
  processesMonitored: number;
  llmCallsIntercepted: number;
  discoveredProcesses: unknown[];
  body: unknown;
}

/** False when no probe has this id (it must register first). */
export async function recordHeartbeat(db: Db, probeId: string, hb: Heartbeat, nowUs: number): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('probes')
      .set({
        last_heartbeat_us: nowUs,
        processes_monitored: hb.processesMonitored,
        llm_calls_intercepted: hb.llmCallsIntercepted,
        discovered_processes: JSON.stringify(hb.discoveredProcesses),
      })
      .where('id', '=', probeId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await tx
      .insertInto('probe_heartbeats')
      .values({
        probe_id: probeId,
        ts_us: nowUs,
        processes_monitored: hb.processesMonitored,
        llm_calls_intercepted: hb.llmCallsIntercepted,
        body: JSON.stringify(hb.body),
      })
      .onConflict((oc) => oc.columns(['probe_id', 'ts_us']).doNothing())
      .execute();
    return true;
  });
}

export function getAgentControl(db: Db, agentName: string): Promise<AgentControlsTable | undefined> {
  return db.selectFrom('agent_controls').selectAll().where('agent_name', '=', agentName).executeTakeFirst();
}

/** Halt or resume an agent; every change bumps the revision so SDKs drop stale copies. */
export async function setAgentHalted(db: Db, agentName: string, halted: boolean, reason: string | null, nowUs: number): Promise<AgentControlsTable> {
  return db.transaction().execute(async (tx) => {
    const current = await tx.selectFrom('agent_controls').selectAll().where('agent_name', '=', agentName).executeTakeFirst();
    const row: AgentControlsTable = {
      agent_name: agentName,
      halted: halted ? 1 : 0,
      halt_source: halted ? 'agent' : 'none',
      halt_reason: halted ? reason : null,
      halted_at_us: halted ? nowUs : null,
      revision: (current?.revision ?? 0) + 1,
      require_guardrails: current?.require_guardrails ?? 'OFF',
    };
    await tx
      .insertInto('agent_controls')
      .values(row)
      .onConflict((oc) => oc.column('agent_name').doUpdateSet({ ...row }))
      .execute();
    return row;
  });
}
