/**
 * One OTLP export request: flatten, store every valid span (GenAI ones also as LLM calls), and
 * count the invalid ones for the partial-success answer. Spans upsert by (trace_id, span_id):
 * exporters retry.
 */
import type { Pricing } from '../../pricing.js';
import { callToRow } from '../../store/call-rows.js';
import { insertCalls } from '../../store/llm-calls.js';
import type { Store } from '../../store/store.js';
import { upsertSpans } from '../../store/traces.js';
import { genAiSpanToCall, isGenAiSpan, otlpSpanRow } from './genai.js';
import { flattenRequest, type FlatSpan } from './spans.js';

export interface OtlpIngestResult {
  accepted: number;
  rejected: number;
  /** The first rejection's reason, for `partialSuccess.errorMessage`. */
  firstError: string | null;
}

export async function ingestOtlpRequest(store: Store, pricing: Pricing, request: unknown, nowUs: number): Promise<OtlpIngestResult> {
  const flat = flattenRequest(request);
  const spans = flat.filter((s): s is FlatSpan => !('error' in s));
  const firstError = flat.find((s): s is { error: string } => 'error' in s)?.error ?? null;
  const spanRows = spans.map((s) => otlpSpanRow(s, isGenAiSpan(s)));
  const callRows = spans.filter(isGenAiSpan).map((s) => callToRow(genAiSpanToCall(s), s.startUs, s.endUs, 'otlp', pricing, nowUs));
  await store.db.transaction().execute(async (tx) => {
    await upsertSpans(tx, spanRows);
    await insertCalls(tx, callRows, 'replace');
  });
  return { accepted: spans.length, rejected: flat.length - spans.length, firstError };
}
