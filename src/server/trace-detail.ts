/** Stored rows of one trace → the `GET /api/v1/traces/:traceId` answer (JSON documents parsed, times rendered). */
import { rowToSummary, type CallSummary } from './store/call-rows.js';
import type { LlmCallsTable } from './store/schema.js';
import type { TraceDetailRows } from './store/traces.js';
import { formatUs } from './timestamp.js';

function parsed(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

function time(us: number | null): string | null {
  return us === null ? null : formatUs(us);
}

export interface TraceDetail {
  trace_id: string;
  /** The NodeLoom trace record; null for traces only our agent or OTLP reported. */
  trace: Record<string, unknown> | null;
  spans: Record<string, unknown>[];
  llm_calls: CallSummary[];
  events: Record<string, unknown>[];
  metrics: Record<string, unknown>[];
  feedback: Record<string, unknown>[];
}

/** Null when nothing at all is stored under this trace id. */
export function traceDetail(traceId: string, rows: TraceDetailRows, calls: LlmCallsTable[]): TraceDetail | null {
  const { trace, spans, events, metrics, feedback } = rows;
  if (trace === undefined && spans.length + calls.length + events.length + metrics.length + feedback.length === 0) return null;
  return {
    trace_id: traceId,
    trace:
      trace === undefined
        ? null
        : {
            agent_name: trace.agent_name,
            agent_version: trace.agent_version,
            environment: trace.environment,
            session_id: trace.session_id,
            framework: trace.framework,
            sdk_language: trace.sdk_language,
            sdk_version: trace.sdk_version,
            input: parsed(trace.input),
            metadata: parsed(trace.metadata),
            start_time: time(trace.start_us),
            status: trace.status,
            output: parsed(trace.output),
            error: trace.error,
            end_time: time(trace.end_us),
          },
    spans: spans.map((s) => ({
      span_id: s.span_id,
      parent_span_id: s.parent_span_id,
      source: s.source,
      name: s.name,
      span_type: s.span_type,
      status: s.status,
      input: parsed(s.input),
      output: parsed(s.output),
      error: s.error,
      token_usage: s.model === null && s.prompt_tokens === null ? null : { model: s.model, prompt_tokens: s.prompt_tokens, completion_tokens: s.completion_tokens, total_tokens: s.total_tokens },
      start_time: formatUs(s.start_us),
      end_time: formatUs(s.end_us),
      attributes: parsed(s.attributes),
    })),
    llm_calls: calls.map(rowToSummary),
    events: events.map((e) => ({ name: e.name, level: e.level, data: parsed(e.data), timestamp: formatUs(e.ts_us) })),
    metrics: metrics.map((m) => ({ name: m.name, value: m.value, unit: m.unit, tags: parsed(m.tags), timestamp: formatUs(m.ts_us) })),
    feedback: feedback.map((f) => ({ rating: f.rating, comment: f.comment, timestamp: formatUs(f.ts_us) })),
  };
}
