/**
 * The agent's data path, one direction: sensor records → process table and connections → HTTP
 * exchanges → LLM adapter → LlmCall → sink. It holds no kernel handles; the loader feeds it, so it
 * can equally be fed recorded sensor output (tests, benchmarks).
 */
import { createAdapterRegistry, type AdapterRegistry } from '../llm/registry.js';
import { DEFAULT_GUARDRAILS_CONFIG, evaluateCall, type GuardrailsConfig } from '../guardrails/index.js';
import type { AgentConfig, ContentCapture } from '../config/agent-config.js';
import { applyContentPolicy } from '../telemetry/content-policy.js';
import type { LlmCall } from '../telemetry/llm-call.js';
import { AgentMapper, agentAttributes } from '../agents/rules.js';
import type { AgentDiscovery } from '../agents/discovery.js';
import { routeOf } from '../llm/route.js';
import type { HttpExchange } from '../llm/types.js';
import { ProcessTable } from '../process/table.js';
import { MonotonicClock } from '../sensor/clock.js';
import type { SensorRecord } from '../sensor/records.js';
import type { Sink } from '../sinks/types.js';
import type { CompletedExchange, Connection } from '../stream/connection.js';
import { ConnectionTracker, type Closed, type TrackerLimits } from '../stream/tracker.js';
import { events } from '../telemetry/internal-events.js';
import { DEFAULT_HTTP1_LIMITS } from '../protocols/http1/types.js';
import { DEFAULT_HTTP2_LIMITS } from '../protocols/http2/types.js';
import { buildLlmCall } from './build-call.js';

export const DEFAULT_TRACKER_LIMITS: TrackerLimits = {
  http: DEFAULT_HTTP1_LIMITS,
  http2: DEFAULT_HTTP2_LIMITS,
  maxBufferedBytes: 80 * 1024 * 1024,
  maxDecodedBodyBytes: 64 * 1024 * 1024,
  maxConnections: 20_000,
  idleTimeoutUs: 10 * 60 * 1_000_000,
};

export interface PipelineOptions {
  /** Which exchanges are LLM calls, and how to read them (built-ins plus configured endpoints). */
  adapters: AdapterRegistry;
  /** Guardrails run on every record before it reaches the sink; null turns them off. */
  guardrails: GuardrailsConfig | null;
  content: ContentCapture;
  limits: TrackerLimits;
  /** Agent mapping rules, applied once per process. */
  agents: AgentMapper;
  /** Processes calling providers that no rule names; null when nobody asks. */
  discovery: AgentDiscovery | null;
  /** A process executed a program: the agent looks for new TLS libraries in it. */
  onExec?: (pid: number) => void;
  /** Every record as it goes to the sink (enforcement counts calls from it). */
  onCall?: (call: LlmCall) => void;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  adapters: createAdapterRegistry(),
  guardrails: DEFAULT_GUARDRAILS_CONFIG,
  content: { mode: 'full' },
  limits: DEFAULT_TRACKER_LIMITS,
  agents: new AgentMapper([]),
  discovery: null,
};

/** What the agent's config file says about the pipeline. */
export function pipelineOptionsFrom(config: AgentConfig): Pick<PipelineOptions, 'adapters' | 'guardrails' | 'content' | 'agents'> {
  return {
    adapters: createAdapterRegistry(config.endpoints),
    guardrails: config.guardrails.enabled ? config.guardrails : null,
    content: config.content,
    agents: new AgentMapper(config.agents),
  };
}

export class Pipeline {
  readonly processes = new ProcessTable();
  readonly connections: ConnectionTracker;
  private readonly clock = new MonotonicClock();

  private readonly opts: PipelineOptions;

  constructor(
    private readonly sink: Sink,
    opts: Partial<PipelineOptions> = {},
  ) {
    this.opts = { ...DEFAULT_PIPELINE_OPTIONS, ...opts };
    this.connections = new ConnectionTracker(this.opts.limits);
  }

  handle(r: SensorRecord): void {
    switch (r.kind) {
      case 'data': {
        const tsUs = this.clock.toEpochUs(r.ktimeNs);
        events.plaintextBytes(r.direction, r.payload.length);
        const { connection, evicted } = this.connections.obtain(r.id, tsUs);
        if (evicted) this.emitClosed(evicted);
        connection.library ??= r.library;
        this.emitAll(connection, connection.addData(r.direction, r.pos, r.payload, tsUs));
        return;
      }
      case 'conn': {
        const { connection } = this.connections.obtain(r.id, this.clock.toEpochUs(r.ktimeNs));
        Object.assign(connection.peer, {
          localAddress: r.localAddress,
          localPort: r.localPort,
          remoteAddress: r.remoteAddress,
          remotePort: r.remotePort,
          fd: r.fd,
        });
        return;
      }
      case 'sni': {
        const { connection } = this.connections.obtain(r.id, this.clock.toEpochUs(r.ktimeNs));
        if (!r.serverName) return;
        connection.peer.serverName = r.serverName;
        // A connection to a provider marks a process as an agent before its first call completes.
        this.opts.discovery?.observeConnection({ identity: () => this.processes.identity(r.id.tgid, r.id.startNs), serverName: r.serverName });
        return;
      }
      case 'close': {
        const closed = this.connections.closeStream(r.id);
        if (closed) this.emitClosed(closed);
        return;
      }
      case 'exec':
        this.processes.onExec(r);
        this.opts.onExec?.(r.tgid);
        return;
      case 'fork':
        this.processes.onFork(r);
        return;
      case 'exit':
        for (const closed of this.connections.closeProcess(r.tgid, r.startNs)) this.emitClosed(closed);
        this.processes.onExit(r, Date.now());
        this.opts.discovery?.onExit(r.tgid, r.startNs);
        return;
      case 'stats':
        for (const [reason, total] of Object.entries(r.drops)) events.kernelDropsTotal(reason as keyof typeof r.drops, total);
        return;
      case 'attach':
      case 'ready':
        return; // the agent's control loop handles these
    }
  }

  /** Periodic housekeeping: idle connections and exited processes. */
  sweep(): void {
    for (const closed of this.connections.sweep(this.clock.nowEpochUs())) this.emitClosed(closed);
    this.processes.sweep(Date.now());
  }

  /** Closes every connection, emitting whatever completes at end of stream. */
  drain(): void {
    for (const closed of this.connections.closeAll()) this.emitClosed(closed);
  }

  private emitClosed(closed: Closed): void {
    this.emitAll(closed.connection, closed.exchanges);
  }

  private emitAll(connection: Connection, exchanges: CompletedExchange[]): void {
    for (const ex of exchanges) this.emit(connection, ex);
  }

  private emit(connection: Connection, ex: CompletedExchange): void {
    const exchange = toHttpExchange(connection, ex);
    const adapter = this.opts.adapters.find(routeOf(exchange));
    if (!adapter) {
      events.nonLlmExchange();
      return;
    }
    const identity = this.processes.identity(connection.pid, connection.startNs);
    const extraction = adapter.extract(exchange);
    const call = buildLlmCall(exchange, extraction, {
      identity,
      agent: agentAttributes(this.opts.agents.map(identity)),
      peer: connection.peer,
      library: connection.library ?? 'openssl',
      notes: ex.notes,
    });
    events.llmCallEmitted(adapter.provider);
    const attrs = extraction.attributes;
    this.opts.discovery?.observeCall({
      identity,
      provider: adapter.provider,
      model: attrs['gen_ai.request.model'] ?? attrs['gen_ai.response.model'] ?? null,
      serverAddress: exchange.serverName,
    });
    const judged = this.opts.guardrails ? evaluateCall(call, this.opts.guardrails).redactedCall : call;
    const exported = applyContentPolicy(judged, this.opts.content);
    this.sink.write(exported);
    this.opts.onCall?.(exported);
  }
}

/** Server name: SNI first (what the client dialled), else Host / :authority; port from the socket, else the authority, else 443. */
function toHttpExchange(connection: Connection, ex: CompletedExchange): HttpExchange {
  const authority = ex.request.authority;
  const authorityPort = authority?.match(/:(\d+)$/);
  const authorityHost = authority ? authority.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1') : null;
  return {
    protocolVersion: ex.protocolVersion,
    serverName: connection.peer.serverName ?? authorityHost,
    serverPort: connection.peer.remotePort ?? (authorityPort ? Number(authorityPort[1]) : 443),
    request: {
      method: ex.request.method,
      target: ex.request.target,
      headers: ex.request.headers,
      body: ex.request.body,
      startUs: ex.request.startUs,
      endUs: ex.request.endUs,
    },
    response: {
      status: ex.response.status,
      headers: ex.response.headers,
      body: ex.response.body,
      firstByteUs: ex.response.firstByteUs,
      endUs: ex.response.endUs,
    },
  };
}
