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
import { checkEvent, type EventRow } from './nodeloom/rows.js';
import { insertEvents } from '../store/traces.js';
import { encodeGuardrailViolations, type GuardrailRecordEntry } from '../../guardrails/index.js';

type RowsOfEvent = Extract<EventRow, { table: 'event' }>['row'];

const validateLlmCall = compile<LlmCall>(LLM_CALL_SCHEMA);

interface CheckedCall {
  row: LlmCallsTable;
  events: RowsOfEvent[];
}

function checkLlmCall(record: unknown, pricing: Pricing, nowUs: number): Checked<CheckedCall> {
  if (!validateLlmCall(record)) return { error: describeError(validateLlmCall.errors) };
  const startUs = parseTimestampUs(record.start_time);
  if (startUs === null) return { error: 'start_time is not an RFC 3339 date-time' };
  const endUs = parseTimestampUs(record.end_time);
  if (endUs === null) return { error: 'end_time is not an RFC 3339 date-time' };
  return { value: { row: callToRow(record, startUs, endUs, 'osprey', pricing, nowUs), events: guardrailEvents(record, nowUs) } };
}

/**
 * Guardrail findings on a call become NodeLoom `guardrail_violation` events too, stored where SDK
 * events are, so one query over events sees violations whether an SDK or the agent found them.
 * Event rows are keyed by a hash of their content, so a retried batch stores them once.
 */
function guardrailEvents(call: LlmCall, nowUs: number): RowsOfEvent[] {
  const findings = call.attributes['osprey.guardrails'];
  if (!Array.isArray(findings) || findings.length === 0) return [];
  const ctx = { sdkVersion: null, sdkLanguage: 'osprey-agent', nowUs };
  const rows: RowsOfEvent[] = [];
  for (const event of encodeGuardrailViolations(call, findings as GuardrailRecordEntry[])) {
    const checked = checkEvent(event, ctx);
    if ('value' in checked && checked.value.table === 'event') rows.push(checked.value.row);
  }
  return rows;
}

export async function ingestLlmCalls(store: Store, pricing: Pricing, records: readonly unknown[], nowUs: number): Promise<BatchResult> {
  const { values, errors } = partition(records, (r) => checkLlmCall(r, pricing, nowUs));
  await store.db.transaction().execute(async (tx) => {
    await insertCalls(
      tx,
      values.map((v) => v.row),
      'keep',
    );
    await insertEvents(
      tx,
      values.flatMap((v) => v.events),
    );
  });
  return batchResult(records.length, errors);
}
