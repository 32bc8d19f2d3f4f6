/**
 * The NodeLoom SDK wire format (`POST /api/sdk/v1/telemetry`): a batch `{events, sdk_version,
 * sdk_language}` of events told apart by `type`. One JSON Schema per type; fields the schema does
 * not name are allowed, since SDKs add some (framework_version, guardrail_session_id…).
 */
import type { ValidateFunction } from 'ajv';
import { compile } from '../validate.js';

export const SPAN_TYPES = ['llm', 'tool', 'retrieval', 'chain', 'agent', 'custom'] as const;
export const STATUSES = ['success', 'error'] as const;

type Status = (typeof STATUSES)[number];
/** Payloads (input, output, metadata, data) are whatever JSON the application gave the SDK. */
type Json = unknown;

export interface TraceStartEvent {
  type: 'trace_start';
  trace_id: string;
  agent_name: string;
  agent_version?: string | null;
  environment?: string | null;
  session_id?: string | null;
  input?: Json;
  metadata?: Json;
  framework?: string | null;
  timestamp: string;
}

export interface SpanEvent {
  type: 'span';
  trace_id: string;
  span_id: string;
  parent_span_id?: string | null;
  name: string;
  span_type: (typeof SPAN_TYPES)[number];
  status: Status;
  input?: Json;
  output?: Json;
  /** Older SDKs (and NodeLoom's eBPF agent) send these names. */
  span_input?: Json;
  span_output?: Json;
  error?: string | null;
  token_usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number; model?: string | null } | null;
  timestamp: string;
  end_timestamp: string;
  [extra: string]: unknown;
}

export interface TraceEndEvent {
  type: 'trace_end';
  trace_id: string;
  status: Status;
  output?: Json;
  error?: string | null;
  timestamp: string;
}

export interface StandaloneEvent {
  type: 'event';
  trace_id?: string | null;
  name: string;
  level?: string | null;
  data?: Json;
  timestamp?: string;
}

export interface MetricEvent {
  type: 'metric';
  trace_id?: string | null;
  metric_name: string;
  metric_value: number;
  metric_unit?: string | null;
  metric_tags?: Record<string, unknown> | null;
  timestamp?: string;
}

export interface FeedbackEvent {
  type: 'feedback';
  trace_id: string;
  rating: number;
  comment?: string | null;
  timestamp?: string;
}

export type TelemetryEvent = TraceStartEvent | SpanEvent | TraceEndEvent | StandaloneEvent | MetricEvent | FeedbackEvent;
export type EventType = TelemetryEvent['type'];

const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
const optionalId = { type: ['string', 'null'], maxLength: 256 } as const;
const text = { type: 'string' } as const;
const optionalText = { type: ['string', 'null'] } as const;
const tokens = { type: 'integer', minimum: 0 } as const;

function eventSchema(type: EventType, required: string[], properties: Record<string, object>): object {
  return { type: 'object', required: ['type', ...required], properties: { type: { type: 'string', const: type }, ...properties } };
}

/** The type → validator table; `satisfies` makes a missing event type a compile error. */
export const VALIDATORS = {
  trace_start: compile<TraceStartEvent>(
    eventSchema('trace_start', ['trace_id', 'agent_name', 'timestamp'], {
      trace_id: id,
      agent_name: { type: 'string', minLength: 1 },
      agent_version: optionalText,
      environment: optionalText,
      session_id: optionalText,
      framework: optionalText,
      timestamp: text,
    }),
  ),
  span: compile<SpanEvent>(
    eventSchema('span', ['trace_id', 'span_id', 'name', 'span_type', 'status', 'timestamp', 'end_timestamp'], {
      trace_id: id,
      span_id: id,
      parent_span_id: optionalId,
      name: text,
      span_type: { type: 'string', enum: SPAN_TYPES },
      status: { type: 'string', enum: STATUSES },
      error: optionalText,
      token_usage: {
        type: ['object', 'null'],
        properties: { prompt_tokens: tokens, completion_tokens: tokens, total_tokens: tokens, model: optionalText },
      },
      timestamp: text,
      end_timestamp: text,
    }),
  ),
  trace_end: compile<TraceEndEvent>(
    eventSchema('trace_end', ['trace_id', 'status', 'timestamp'], {
      trace_id: id,
      status: { type: 'string', enum: STATUSES },
      error: optionalText,
      timestamp: text,
    }),
  ),
  event: compile<StandaloneEvent>(
    eventSchema('event', ['name'], { trace_id: optionalId, name: { type: 'string', minLength: 1 }, level: optionalText, timestamp: text }),
  ),
  metric: compile<MetricEvent>(
    eventSchema('metric', ['metric_name', 'metric_value'], {
      trace_id: optionalId,
      metric_name: { type: 'string', minLength: 1 },
      metric_value: { type: 'number' },
      metric_unit: optionalText,
      metric_tags: { type: ['object', 'null'] },
      timestamp: text,
    }),
  ),
  feedback: compile<FeedbackEvent>(
    eventSchema('feedback', ['trace_id', 'rating'], { trace_id: id, rating: { type: 'number' }, comment: optionalText, timestamp: text }),
  ),
} satisfies { [K in EventType]: ValidateFunction<Extract<TelemetryEvent, { type: K }>> };

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.hasOwn(VALIDATORS, type);
}
