/**
 * A checked NodeLoom event → the row it writes. Timestamps are parsed here (any offset, 0–9
 * fractional digits); an unparsable one rejects the event, never the batch.
 */
import { createHash } from 'node:crypto';
import type { EventsTable, FeedbackTable, MetricsTable, SpansTable } from '../../store/schema.js';
import type { TraceEndRow, TraceStartRow } from '../../store/traces.js';
import { parseTimestampUs } from '../../timestamp.js';
import type { Checked } from '../batch-result.js';
import { describeError } from '../validate.js';
import { isEventType, VALIDATORS, type SpanEvent, type TelemetryEvent } from './events.js';

/** What one event writes, tagged by the table it goes to. */
export type EventRow =
  | { table: 'trace_start'; row: TraceStartRow }
  | { table: 'trace_end'; row: TraceEndRow }
  | { table: 'span'; row: SpansTable }
  | { table: 'event'; row: EventsTable }
  | { table: 'metric'; row: MetricsTable }
  | { table: 'feedback'; row: FeedbackTable };

export interface BatchContext {
  sdkVersion: string | null;
  sdkLanguage: string | null;
  /** Receipt time: the timestamp of events that carry none. */
  nowUs: number;
}

/** Fields of a span event that have columns; the rest are kept in `attributes`. */
const SPAN_FIELDS = new Set([
  'type', 'trace_id', 'span_id', 'parent_span_id', 'name', 'span_type', 'status', 'input', 'output',
  'span_input', 'span_output', 'error', 'token_usage', 'timestamp', 'end_timestamp',
]);

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Retried events have no id of their own: the hash of the event as sent is its identity. */
function eventKey(event: TelemetryEvent): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('hex');
}

class BadTimestamp extends Error {}

function timeUs(value: string, field: string): number {
  const us = parseTimestampUs(value);
  if (us === null) throw new BadTimestamp(`${field} is not an RFC 3339 date-time: ${JSON.stringify(value.slice(0, 40))}`);
  return us;
}

function spanExtras(event: SpanEvent): string | null {
  const extras = Object.entries(event).filter(([k]) => !SPAN_FIELDS.has(k));
  return extras.length === 0 ? null : JSON.stringify(Object.fromEntries(extras));
}

function toRow(event: TelemetryEvent, ctx: BatchContext): EventRow {
  switch (event.type) {
    case 'trace_start':
      return {
        table: 'trace_start',
        row: {
          trace_id: event.trace_id,
          agent_name: event.agent_name,
          agent_version: event.agent_version ?? null,
          environment: event.environment ?? null,
          session_id: event.session_id ?? null,
          framework: event.framework ?? null,
          sdk_language: ctx.sdkLanguage,
          sdk_version: ctx.sdkVersion,
          input: json(event.input),
          metadata: json(event.metadata),
          start_us: timeUs(event.timestamp, 'timestamp'),
        },
      };
    case 'trace_end':
      return {
        table: 'trace_end',
        row: { trace_id: event.trace_id, status: event.status, output: json(event.output), error: event.error ?? null, end_us: timeUs(event.timestamp, 'timestamp') },
      };
    case 'span': {
      const usage = event.token_usage ?? null;
      return {
        table: 'span',
        row: {
          trace_id: event.trace_id,
          span_id: event.span_id,
          // SDKs write a root span's parent as null, "" or not at all.
          parent_span_id: event.parent_span_id === '' || event.parent_span_id === undefined ? null : event.parent_span_id,
          source: 'nodeloom',
          name: event.name,
          span_type: event.span_type,
          status: event.status,
          input: json(event.input ?? event.span_input),
          output: json(event.output ?? event.span_output),
          error: event.error ?? null,
          model: usage?.model ?? null,
          prompt_tokens: usage?.prompt_tokens ?? null,
          completion_tokens: usage?.completion_tokens ?? null,
          total_tokens: usage?.total_tokens ?? null,
          start_us: timeUs(event.timestamp, 'timestamp'),
          end_us: timeUs(event.end_timestamp, 'end_timestamp'),
          attributes: spanExtras(event),
        },
      };
    }
    case 'event':
      return {
        table: 'event',
        row: {
          event_key: eventKey(event),
          trace_id: event.trace_id ?? null,
          name: event.name,
          level: event.level ?? null,
          data: json(event.data),
          ts_us: event.timestamp === undefined ? ctx.nowUs : timeUs(event.timestamp, 'timestamp'),
        },
      };
    case 'metric':
      return {
        table: 'metric',
        row: {
          event_key: eventKey(event),
          trace_id: event.trace_id ?? null,
          name: event.metric_name,
          value: event.metric_value,
          unit: event.metric_unit ?? null,
          tags: json(event.metric_tags),
          ts_us: event.timestamp === undefined ? ctx.nowUs : timeUs(event.timestamp, 'timestamp'),
        },
      };
    case 'feedback':
      return {
        table: 'feedback',
        row: {
          event_key: eventKey(event),
          trace_id: event.trace_id,
          rating: event.rating,
          comment: event.comment ?? null,
          ts_us: event.timestamp === undefined ? ctx.nowUs : timeUs(event.timestamp, 'timestamp'),
        },
      };
  }
}

export function checkEvent(event: unknown, ctx: BatchContext): Checked<EventRow> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return { error: 'event must be an object' };
  const type = (event as { type?: unknown }).type;
  if (!isEventType(type)) return { error: `unknown event type ${JSON.stringify(type)}` };
  const validate = VALIDATORS[type];
  if (!validate(event)) return { error: `${type}: ${describeError(validate.errors)}` };
  try {
    return { value: toRow(event as TelemetryEvent, ctx) };
  } catch (e) {
    if (e instanceof BadTimestamp) return { error: `${type}: ${e.message}` };
    throw e;
  }
}
