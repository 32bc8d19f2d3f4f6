/**
 * NodeLoom traces, spans, events, metrics and feedback. trace_start and trace_end each write only
 * their own columns, so either may come first and a retry of either changes nothing.
 */
import type { Insertable } from 'kysely';
import type { Db, EventsTable, FeedbackTable, MetricsTable, SpansTable, TracesTable } from './schema.js';
import { upsertRows, type Executor } from './upsert.js';

export type TraceStartRow = Pick<
  TracesTable,
  'trace_id' | 'agent_name' | 'agent_version' | 'environment' | 'session_id' | 'framework' | 'sdk_language' | 'sdk_version' | 'input' | 'metadata' | 'start_us'
>;
export type TraceEndRow = Pick<TracesTable, 'trace_id' | 'status' | 'output' | 'error' | 'end_us'>;

export function upsertTraceStarts(db: Executor, rows: TraceStartRow[]): Promise<void> {
  return upsertRows(db, 'traces', rows as Insertable<TracesTable>[], ['trace_id'], 'replace');
}

export function upsertTraceEnds(db: Executor, rows: TraceEndRow[]): Promise<void> {
  return upsertRows(db, 'traces', rows as Insertable<TracesTable>[], ['trace_id'], 'replace');
}

export function upsertSpans(db: Executor, rows: SpansTable[]): Promise<void> {
  return upsertRows(db, 'spans', rows, ['trace_id', 'span_id'], 'replace');
}

export function insertEvents(db: Executor, rows: EventsTable[]): Promise<void> {
  return upsertRows(db, 'events', rows, ['event_key'], 'keep');
}

export function insertMetrics(db: Executor, rows: MetricsTable[]): Promise<void> {
  return upsertRows(db, 'metrics', rows, ['event_key'], 'keep');
}

export function insertFeedback(db: Executor, rows: FeedbackTable[]): Promise<void> {
  return upsertRows(db, 'feedback', rows, ['event_key'], 'keep');
}

export async function tracesById(db: Executor, traceIds: string[]): Promise<Map<string, TracesTable>> {
  if (traceIds.length === 0) return new Map();
  const rows = await db.selectFrom('traces').selectAll().where('trace_id', 'in', traceIds).execute();
  return new Map(rows.map((r) => [r.trace_id, r]));
}

/** SDK spans of one type in these traces (the LLM spans, to re-derive their calls). */
export function spansOfType(db: Executor, traceIds: string[], spanType: string): Promise<SpansTable[]> {
  if (traceIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('spans').selectAll().where('trace_id', 'in', traceIds).where('span_type', '=', spanType).where('source', '=', 'nodeloom').execute();
}

export interface TraceDetailRows {
  trace: TracesTable | undefined;
  spans: SpansTable[];
  events: EventsTable[];
  metrics: MetricsTable[];
  feedback: FeedbackTable[];
}

export async function traceDetailRows(db: Db, traceId: string): Promise<TraceDetailRows> {
  const [trace, spans, events, metrics, feedback] = await Promise.all([
    db.selectFrom('traces').selectAll().where('trace_id', '=', traceId).executeTakeFirst(),
    db.selectFrom('spans').selectAll().where('trace_id', '=', traceId).orderBy('start_us').execute(),
    db.selectFrom('events').selectAll().where('trace_id', '=', traceId).orderBy('ts_us').execute(),
    db.selectFrom('metrics').selectAll().where('trace_id', '=', traceId).orderBy('ts_us').execute(),
    db.selectFrom('feedback').selectAll().where('trace_id', '=', traceId).orderBy('ts_us').execute(),
  ]);
  return { trace, spans, events, metrics, feedback };
}
