/**
 * Osprey's own lossless ingest: a batch of LlmCall records from our agent. Each record is checked
 * on its own (schema, then timestamps); the good ones are stored in one statement per chunk, and
 * a record already stored under its (trace_id, span_id) is kept as is, so the agent may retry a
 * batch as often as it needs to.
 */
import type { LlmCall } from '../../telemetry/llm-call.js';
import type { Pricing } from '../pricing.js';
import { callToRow } from '../store/call-rows.js';
import { insertCalls } from '../store/llm-calls.js';
import type { LlmCallsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { parseTimestampUs } from '../timestamp.js';
import { batchResult, partition, type BatchResult, type Checked } from './batch-result.js';
import { LLM_CALL_SCHEMA } from './llm-call-schema.js';
import { compile, describeError } from './validate.js';

const validateLlmCall = compile<LlmCall>(LLM_CALL_SCHEMA);

export function checkLlmCall(record: unknown, pricing: Pricing, nowUs: number): Checked<LlmCallsTable> {
  if (!validateLlmCall(record)) return { error: describeError(validateLlmCall.errors) };
  const startUs = parseTimestampUs(record.start_time);
  if (startUs === null) return { error: 'start_time is not an RFC 3339 date-time' };
  const endUs = parseTimestampUs(record.end_time);
  if (endUs === null) return { error: 'end_time is not an RFC 3339 date-time' };
  return { value: callToRow(record, startUs, endUs, 'osprey', pricing, nowUs) };
}

export async function ingestLlmCalls(store: Store, pricing: Pricing, records: readonly unknown[], nowUs: number): Promise<BatchResult> {
  const { values, errors } = partition(records, (r) => checkLlmCall(r, pricing, nowUs));
  await store.db.transaction().execute((tx) => insertCalls(tx, values, 'keep'));
  return batchResult(records.length, errors);
}
