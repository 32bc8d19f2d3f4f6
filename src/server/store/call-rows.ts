/**
 * LlmCall record ⇄ `llm_calls` row. Every source (our agent, NodeLoom LLM spans, OTLP GenAI
 * spans) is first expressed as an LlmCall, so this is the one place that decides which attribute
 * fills which filter column, how a call is priced and what free-text search sees.
 */
import type { AttributeValue, LlmCall } from '../../telemetry/llm-call.js';
import { ATTR } from '../../telemetry/semconv.js';
import type { Pricing } from '../pricing.js';
import { formatUs } from '../timestamp.js';
import type { CallSource, CallStatus, LlmCallsTable } from './schema.js';

/** Attributes that carry SDK span payloads whose shape we do not know: every string in them is searchable. */
const FREE_FORM_CONTENT_ATTRIBUTES = ['nodeloom.input', 'nodeloom.output'] as const;

/** Search text is for finding calls, not for reading them (the attributes keep everything): bound it. */
const MAX_SEARCH_TEXT = 256 * 1024;

type Attributes = LlmCall['attributes'];

function str(value: AttributeValue | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function int(value: AttributeValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `type:kind` of each guardrail finding, as ` pii:email secret:aws_key ` for LIKE matching. */
function guardrailKinds(findings: AttributeValue | undefined): string | null {
  if (!Array.isArray(findings)) return null;
  const tokens = new Set<string>();
  for (const f of findings) {
    if (!isRecord(f)) continue;
    const type = typeof f.type === 'string' ? f.type : 'unknown';
    const kind = typeof f.kind === 'string' ? f.kind : 'unknown';
    tokens.add(`${type}:${kind}`.replace(/\s+/g, '_'));
  }
  return tokens.size === 0 ? null : ` ${[...tokens].join(' ')} `;
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (isRecord(value)) for (const v of Object.values(value)) collectStrings(v, out);
}

/** What a person would search for in a message: the text, tool names and tool arguments, not the roles and part types. */
function collectMessageText(messages: unknown, out: string[]): void {
  if (!Array.isArray(messages)) return;
  for (const message of messages) {
    if (!isRecord(message) || !Array.isArray(message.parts)) continue;
    for (const part of message.parts) {
      if (!isRecord(part)) continue;
      if (typeof part.content === 'string') out.push(part.content);
      if (typeof part.name === 'string') out.push(part.name);
      if (part.arguments !== undefined) out.push(typeof part.arguments === 'string' ? part.arguments : JSON.stringify(part.arguments));
      if (part.response !== undefined) collectStrings(part.response, out);
    }
  }
}

function searchText(attrs: Attributes): string {
  const out: string[] = [];
  collectStrings(attrs[ATTR.systemInstructions], out);
  collectMessageText(attrs[ATTR.inputMessages], out);
  collectMessageText(attrs[ATTR.outputMessages], out);
  for (const key of FREE_FORM_CONTENT_ATTRIBUTES) collectStrings(attrs[key], out);
  return out.join('\n').slice(0, MAX_SEARCH_TEXT).toLowerCase();
}

function statusOf(attrs: Attributes): CallStatus {
  const http = int(attrs[ATTR.httpStatus]);
  return str(attrs[ATTR.errorType]) !== null || (http !== null && http >= 400) ? 'error' : 'ok';
}

export function callToRow(call: LlmCall, startUs: number, endUs: number, source: CallSource, pricing: Pricing, ingestedUs: number): LlmCallsTable {
  const a = call.attributes;
  const requestModel = str(a[ATTR.requestModel]);
  const responseModel = str(a[ATTR.responseModel]);
  const inputTokens = int(a[ATTR.inputTokens]);
  const outputTokens = int(a[ATTR.outputTokens]);
  return {
    trace_id: call.trace_id,
    span_id: call.span_id,
    parent_span_id: call.parent_span_id,
    source,
    name: call.name,
    start_us: startUs,
    end_us: endUs,
    provider: str(a[ATTR.providerName]),
    operation: str(a[ATTR.operationName]),
    request_model: requestModel,
    response_model: responseModel,
    agent_name: str(a[ATTR.agentName]),
    pid: int(a[ATTR.processPid]),
    exe: str(a[ATTR.processExe]),
    container_id: str(a[ATTR.containerId]),
    pod: str(a[ATTR.podName]),
    namespace: str(a[ATTR.namespaceName]),
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cost_usd: pricing.costOf(responseModel ?? requestModel, inputTokens, outputTokens),
    status: statusOf(a),
    http_status: int(a[ATTR.httpStatus]),
    stream: a[ATTR.stream] === true ? 1 : 0,
    guardrail_kinds: guardrailKinds(a[ATTR.guardrails]),
    search_text: searchText(a),
    attributes: JSON.stringify(a),
    ingested_us: ingestedUs,
  };
}

/** The record as it was sent (times rendered in the canonical µs form). */
export function rowToCall(row: LlmCallsTable): LlmCall {
  return {
    kind: 'llm_call',
    trace_id: row.trace_id,
    span_id: row.span_id,
    parent_span_id: row.parent_span_id,
    name: row.name,
    start_time: formatUs(row.start_us),
    end_time: formatUs(row.end_us),
    attributes: JSON.parse(row.attributes) as Attributes,
  };
}

export type SummaryColumns = Omit<LlmCallsTable, 'search_text' | 'attributes' | 'ingested_us'>;

/**
 * One line of the `calls` listing: the filter columns, without the (possibly large) content; the
 * storage encodings (µs integers, 0/1, space-separated kinds) turned into what an API user reads.
 */
export type CallSummary = Omit<SummaryColumns, 'start_us' | 'end_us' | 'stream' | 'guardrail_kinds'> & {
  start_time: string;
  end_time: string;
  duration_ms: number;
  stream: boolean;
  guardrails: string[];
};


export function rowToSummary(row: SummaryColumns): CallSummary {
  return {
    trace_id: row.trace_id,
    span_id: row.span_id,
    parent_span_id: row.parent_span_id,
    source: row.source,
    name: row.name,
    start_time: formatUs(row.start_us),
    end_time: formatUs(row.end_us),
    duration_ms: (row.end_us - row.start_us) / 1000,
    provider: row.provider,
    operation: row.operation,
    request_model: row.request_model,
    response_model: row.response_model,
    agent_name: row.agent_name,
    pid: row.pid,
    exe: row.exe,
    container_id: row.container_id,
    pod: row.pod,
    namespace: row.namespace,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cost_usd: row.cost_usd,
    status: row.status,
    http_status: row.http_status,
    stream: row.stream === 1,
    guardrails: row.guardrail_kinds === null ? [] : row.guardrail_kinds.trim().split(' '),
  };
}
