/**
 * OTLP spans → what Osprey stores. Every span goes to the trace's span list; a span that
 * describes a GenAI call (OpenTelemetry GenAI conventions, current names or the older
 * `gen_ai.system` / `prompt_tokens` ones) also becomes an LlmCall, so calls reported by
 * instrumented apps answer the same queries as calls our agent saw.
 */
import type { AttributeValue, LlmCall } from '../../../telemetry/llm-call.js';
import { ATTR } from '../../../telemetry/semconv.js';
import type { SpansTable } from '../../store/schema.js';
import { formatUs } from '../../timestamp.js';
import type { FlatSpan } from './spans.js';

type Attributes = LlmCall['attributes'];

/** Names that changed in the GenAI conventions: [current, older]. */
const LEGACY = {
  provider: ['gen_ai.provider.name', 'gen_ai.system'],
  inputTokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'],
} as const;

const STATUS_ERROR = 2;

export function isGenAiSpan(span: FlatSpan): boolean {
  const a = span.attributes;
  return LEGACY.provider.some((k) => text(a[k]) !== undefined) || text(a[ATTR.operationName]) !== undefined;
}

function text(v: AttributeValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function first(a: Record<string, AttributeValue>, keys: readonly string[]): AttributeValue | undefined {
  for (const k of keys) if (a[k] !== undefined && a[k] !== null) return a[k];
  return undefined;
}

/** Instrumentations often send messages as a JSON string; the record keeps them structured. */
function structured(v: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof v !== 'string') return v;
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : v;
  } catch {
    return v;
  }
}

export function genAiSpanToCall(span: FlatSpan): LlmCall {
  const a = span.attributes;
  const attributes: Attributes = {
    ...a,
    [ATTR.providerName]: String(first(a, LEGACY.provider) ?? 'unknown'),
    [ATTR.operationName]: text(a[ATTR.operationName]) ?? 'chat',
    [ATTR.stream]: a[ATTR.stream] === true,
    [ATTR.inputTokens]: first(a, LEGACY.inputTokens) as number | undefined,
    [ATTR.outputTokens]: first(a, LEGACY.outputTokens) as number | undefined,
    [ATTR.inputMessages]: structured(a[ATTR.inputMessages]) as Attributes[typeof ATTR.inputMessages],
    [ATTR.outputMessages]: structured(a[ATTR.outputMessages]) as Attributes[typeof ATTR.outputMessages],
    // The service is the agent, unless the app named one.
    [ATTR.agentName]: text(first(a, [ATTR.agentName, 'gen_ai.agent.name', 'service.name'])),
  };
  if (span.statusCode === STATUS_ERROR) {
    attributes[ATTR.errorType] = text(a[ATTR.errorType]) ?? 'error';
    if (span.statusMessage !== null) attributes[ATTR.errorMessage] = span.statusMessage;
  }
  for (const k of Object.keys(attributes)) if (attributes[k] === undefined) delete attributes[k];
  return {
    kind: 'llm_call',
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    name: span.name,
    start_time: formatUs(span.startUs),
    end_time: formatUs(span.endUs),
    attributes,
  };
}

export function otlpSpanRow(span: FlatSpan, genAi: boolean): SpansTable {
  const a = span.attributes;
  const num = (v: AttributeValue | undefined) => (typeof v === 'number' ? Math.trunc(v) : null);
  const inputTokens = num(first(a, LEGACY.inputTokens));
  const outputTokens = num(first(a, LEGACY.outputTokens));
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    source: 'otlp',
    name: span.name,
    span_type: genAi ? 'llm' : 'custom',
    status: span.statusCode === STATUS_ERROR ? 'error' : 'success',
    input: null,
    output: null,
    error: span.statusCode === STATUS_ERROR ? span.statusMessage : null,
    model: text(a[ATTR.requestModel]) ?? null,
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens === null && outputTokens === null ? null : (inputTokens ?? 0) + (outputTokens ?? 0),
    start_us: span.startUs,
    end_us: span.endUs,
    attributes: JSON.stringify(a),
  };
}
