/**
 * One NodeLoom batch: check every event, then write all good ones in one transaction. Events
 * arrive out of order (a span before its trace_start, a trace_end before late spans), and the
 * writes are shaped so order does not matter: trace_start and trace_end own separate columns,
 * spans upsert by (trace_id, span_id), and the LLM calls of every trace the batch touched are
 * re-derived from the stored spans and trace at the end, so an early span gets its agent name
 * the moment its trace_start arrives.
 */
import type { Pricing } from '../../pricing.js';
import { callToRow } from '../../store/call-rows.js';
import { insertCalls } from '../../store/llm-calls.js';
import type { Store } from '../../store/store.js';
import {
  insertEvents,
  insertFeedback,
  insertMetrics,
  spansOfType,
  tracesById,
  upsertSpans,
  upsertTraceEnds,
  upsertTraceStarts,
} from '../../store/traces.js';
import { batchResult, partition, type BatchResult } from '../batch-result.js';
import { llmSpanToCall } from './llm-spans.js';
import { checkEvent, type BatchContext, type EventRow } from './rows.js';

/** Trace ids per `IN (…)` list: far below SQLite's bound-parameter limit. */
const TRACES_PER_QUERY = 1000;

type RowsOf<T extends EventRow['table']> = Extract<EventRow, { table: T }>['row'][];

function byTable(rows: EventRow[]) {
  const out = { trace_start: [] as RowsOf<'trace_start'>, trace_end: [] as RowsOf<'trace_end'>, span: [] as RowsOf<'span'>, event: [] as RowsOf<'event'>, metric: [] as RowsOf<'metric'>, feedback: [] as RowsOf<'feedback'> };
  for (const r of rows) (out[r.table] as unknown[]).push(r.row);
  return out;
}

export async function ingestNodeloomBatch(store: Store, pricing: Pricing, events: readonly unknown[], ctx: BatchContext): Promise<BatchResult> {
  const { values, errors } = partition(events, (e) => checkEvent(e, ctx));
  const rows = byTable(values);
  await store.db.transaction().execute(async (tx) => {
    await upsertTraceStarts(tx, rows.trace_start);
    await upsertTraceEnds(tx, rows.trace_end);
    await upsertSpans(tx, rows.span);
    await insertEvents(tx, rows.event);
    await insertMetrics(tx, rows.metric);
    await insertFeedback(tx, rows.feedback);

    const touched = [...new Set([...rows.trace_start.map((t) => t.trace_id), ...rows.span.filter((s) => s.span_type === 'llm').map((s) => s.trace_id)])];
    for (let i = 0; i < touched.length; i += TRACES_PER_QUERY) {
      const traceIds = touched.slice(i, i + TRACES_PER_QUERY);
      const [llmSpans, traces] = await Promise.all([spansOfType(tx, traceIds, 'llm'), tracesById(tx, traceIds)]);
      const calls = llmSpans.map((s) => callToRow(llmSpanToCall(s, traces.get(s.trace_id), pricing), s.start_us, s.end_us, 'nodeloom', pricing, ctx.nowUs));
      await insertCalls(tx, calls, 'replace');
    }
  });
  return batchResult(events.length, errors);
}
