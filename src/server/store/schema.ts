/**
 * Table shapes as kysely sees them. One definition for SQLite and PostgreSQL: times are integer
 * microseconds since the epoch (sortable, index-friendly, no time-zone or driver date quirks),
 * booleans are 0/1 integers and JSON documents are text, so both dialects store the same values.
 */
import type { Kysely } from 'kysely';

/** Where a row came from: our agent, a NodeLoom SDK (or NodeLoom eBPF agent), or any OTLP exporter. */
export type CallSource = 'osprey' | 'nodeloom' | 'otlp';
export type CallStatus = 'ok' | 'error';

/** Every LLM call, whoever observed it: the table the `calls` and `stats` queries read. */
export interface LlmCallsTable {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  source: CallSource;
  name: string;
  start_us: number;
  end_us: number;
  provider: string | null;
  operation: string | null;
  request_model: string | null;
  response_model: string | null;
  agent_name: string | null;
  pid: number | null;
  exe: string | null;
  container_id: string | null;
  pod: string | null;
  namespace: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  /** USD, priced at ingest with the server's price table (prices change; a call keeps what it cost then). */
  cost_usd: number | null;
  status: CallStatus;
  http_status: number | null;
  stream: number;
  /** Space-separated `type:kind` tokens with a leading and trailing space, so `LIKE '% pii:email %'` finds one. */
  guardrail_kinds: string | null;
  /** Lower-cased prompt and completion text for free-text search. */
  search_text: string;
  /** The record's attributes (or the SDK span's mapped attributes), JSON: nothing the sender said is dropped. */
  attributes: string;
  ingested_us: number;
}

/** NodeLoom traces (one per trace_id). trace_start and trace_end each own their columns, so they may arrive in either order. */
export interface TracesTable {
  trace_id: string;
  agent_name: string | null;
  agent_version: string | null;
  environment: string | null;
  session_id: string | null;
  framework: string | null;
  sdk_language: string | null;
  sdk_version: string | null;
  input: string | null;
  metadata: string | null;
  start_us: number | null;
  status: string | null;
  output: string | null;
  error: string | null;
  end_us: number | null;
}

/** Non-Osprey spans of every type (NodeLoom SDK spans, OTLP spans), for trace detail. */
export interface SpansTable {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  source: CallSource;
  name: string;
  span_type: string;
  status: string;
  input: string | null;
  output: string | null;
  error: string | null;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  start_us: number;
  end_us: number;
  /** Extra fields (OTLP attributes, NodeLoom prompt_template…), JSON. */
  attributes: string | null;
}

/**
 * Events, metrics and feedback have no natural key, but SDKs retry whole batches: the key is a
 * hash of the event as sent, so a retried event is stored once.
 */
export interface EventsTable {
  event_key: string;
  trace_id: string | null;
  name: string;
  level: string | null;
  data: string | null;
  ts_us: number;
}

export interface MetricsTable {
  event_key: string;
  trace_id: string | null;
  name: string;
  value: number;
  unit: string | null;
  tags: string | null;
  ts_us: number;
}

export interface FeedbackTable {
  event_key: string;
  trace_id: string;
  rating: number;
  comment: string | null;
  ts_us: number;
}

/** Registered eBPF probes (ours or NodeLoom's), with the latest heartbeat folded in. */
export interface ProbesTable {
  id: string;
  hostname: string;
  cluster_name: string;
  kernel_version: string | null;
  agent_version: string | null;
  registration: string;
  registered_us: number;
  last_heartbeat_us: number | null;
  processes_monitored: number | null;
  llm_calls_intercepted: number | null;
  discovered_processes: string | null;
}

export interface ProbeHeartbeatsTable {
  probe_id: string;
  ts_us: number;
  processes_monitored: number;
  llm_calls_intercepted: number;
  body: string;
}

/** Kill switch state per agent, polled by SDKs. A missing row means "running, never halted". */
export interface AgentControlsTable {
  agent_name: string;
  halted: number;
  halt_source: string;
  halt_reason: string | null;
  halted_at_us: number | null;
  revision: number;
  require_guardrails: string;
}

export type TokenScope = 'ingest' | 'read';

/** API tokens: only a SHA-256 of the token is kept, never the token. */
export interface TokensTable {
  id: string;
  name: string;
  scope: TokenScope;
  token_sha256: string;
  created_us: number;
  revoked_us: number | null;
}

export interface Database {
  llm_calls: LlmCallsTable;
  traces: TracesTable;
  spans: SpansTable;
  events: EventsTable;
  metrics: MetricsTable;
  feedback: FeedbackTable;
  probes: ProbesTable;
  probe_heartbeats: ProbeHeartbeatsTable;
  agent_controls: AgentControlsTable;
  tokens: TokensTable;
}

export type Db = Kysely<Database>;
