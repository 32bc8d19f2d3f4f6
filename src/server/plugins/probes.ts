/**
 * The probe control plane NodeLoom's eBPF agent (and ours) talks to: register → {id}, fetch
 * config, heartbeat (camelCase, as the probes send it), and the per-agent kill switch SDKs poll.
 */
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.js';
import type { ProbeConfig } from '../probe-config.js';
import { getAgentControl, getProbe, recordHeartbeat, registerProbe } from '../store/probes.js';
import { formatUs, nowUs } from '../timestamp.js';

interface RegisterBody {
  hostname: string;
  clusterName?: string;
  kernelVersion?: string;
  agentVersion?: string;
}

interface HeartbeatBody {
  processesMonitored: number;
  llmCallsIntercepted: number;
  discoveredProcesses?: unknown[];
}

const optionalText = { type: 'string' } as const;

export interface ProbesOptions {
  probeConfig: ProbeConfig;
}

export default async function probesPlugin(app: FastifyInstance, opts: ProbesOptions): Promise<void> {
  app.post<{ Body: RegisterBody }>(
    '/api/sdk/v1/ebpf/register',
    {
      config: { scope: 'ingest' },
      schema: {
        body: {
          type: 'object',
          required: ['hostname'],
          properties: { hostname: { type: 'string', minLength: 1 }, clusterName: optionalText, kernelVersion: optionalText, agentVersion: optionalText },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const id = await registerProbe(
        app.store.db,
        { hostname: b.hostname, clusterName: b.clusterName ?? '', kernelVersion: b.kernelVersion ?? null, agentVersion: b.agentVersion ?? null, body: b },
        nowUs(),
      );
      return { id };
    },
  );

  app.get<{ Params: { id: string } }>('/api/sdk/v1/ebpf/probes/:id/config', { config: { scope: 'ingest' } }, async (request) => {
    if ((await getProbe(app.store.db, request.params.id)) === undefined) {
      throw new ServerError('OSP_ERR_SERVER_NOT_FOUND', `no probe registered with id ${request.params.id}`);
    }
    return { probe_id: request.params.id, ...opts.probeConfig };
  });

  app.post<{ Params: { id: string }; Body: HeartbeatBody }>(
    '/api/sdk/v1/ebpf/probes/:id/heartbeat',
    {
      config: { scope: 'ingest' },
      schema: {
        body: {
          type: 'object',
          required: ['processesMonitored', 'llmCallsIntercepted'],
          properties: {
            processesMonitored: { type: 'integer', minimum: 0 },
            llmCallsIntercepted: { type: 'integer', minimum: 0 },
            discoveredProcesses: { type: 'array', items: { type: 'object' } },
          },
        },
      },
    },
    async (request) => {
      const b = request.body;
      const found = await recordHeartbeat(
        app.store.db,
        request.params.id,
        { processesMonitored: b.processesMonitored, llmCallsIntercepted: b.llmCallsIntercepted, discoveredProcesses: b.discoveredProcesses ?? [], body: b },
        nowUs(),
      );
      if (!found) throw new ServerError('OSP_ERR_SERVER_NOT_FOUND', `no probe registered with id ${request.params.id}; register first`);
      return { status: 'ok' };
    },
  );

  app.get<{ Params: { name: string } }>('/api/sdk/v1/agents/:name/control', { config: { scope: 'ingest' } }, async (request) => {
    const row = await getAgentControl(app.store.db, request.params.name);
    return {
      agent_name: request.params.name,
      halted: row?.halted === 1,
      halt_source: row?.halt_source ?? 'none',
      halt_reason: row?.halt_reason ?? null,
      halted_at: row?.halted_at_us == null ? null : formatUs(row.halted_at_us),
      revision: row?.revision ?? 0,
      require_guardrails: row?.require_guardrails ?? 'OFF',
      polled_at: formatUs(nowUs()),
    };
  });
}
