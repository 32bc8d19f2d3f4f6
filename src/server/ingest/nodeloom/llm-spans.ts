/**
 * A NodeLoom LLM span as an LlmCall, so SDK-instrumented and eBPF-observed calls land in one
 * table and answer the same queries. The span gives model and tokens; the trace gives the agent
 * and, when NodeLoom's own eBPF agent sent it, the process identity in its metadata.
 */
import type { LlmCall } from '../../../telemetry/llm-call.js';
import { ATTR } from '../../../telemetry/semconv.js';
import type { Pricing } from '../../pricing.js';
import type { SpansTable, TracesTable } from '../../store/schema.js';
import { formatUs } from '../../timestamp.js';

type Attributes = LlmCall['attributes'];

function parse(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

function field(metadata: unknown, key: string): unknown {
  return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)[key] : undefined;
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** NodeLoom trace metadata keys (as its eBPF agent writes them) → our attribute names. */
const METADATA_IDENTITY: readonly [string, string, 'string' | 'number'][] = [
  ['pid', ATTR.processPid, 'number'],
  ['executable', ATTR.processExe, 'string'],
  ['container_id', ATTR.containerId, 'string'],
  ['k8s_pod', ATTR.podName, 'string'],
  ['k8s_namespace', ATTR.namespaceName, 'string'],
];

export function llmSpanToCall(span: SpansTable, trace: TracesTable | undefined, pricing: Pricing): LlmCall {
  const metadata = parse(trace?.metadata ?? null);
  const model = span.model ?? undefined;
  const provider = asString(field(metadata, 'provider')) ?? (model === undefined ? undefined : pricing.priceOf(model)?.provider) ?? 'unknown';
  const attributes: Attributes = {
    [ATTR.providerName]: provider,
    [ATTR.operationName]: 'chat',
    [ATTR.stream]: false,
    [ATTR.requestModel]: model,
    [ATTR.inputTokens]: span.prompt_tokens ?? undefined,
    [ATTR.outputTokens]: span.completion_tokens ?? undefined,
    [ATTR.agentName]: trace?.agent_name ?? undefined,
    [ATTR.errorType]: span.status === 'error' ? 'error' : undefined,
    [ATTR.errorMessage]: span.error ?? undefined,
    'nodeloom.input': parse(span.input) as Attributes[string],
    'nodeloom.output': parse(span.output) as Attributes[string],
  };
  for (const [key, attr, type] of METADATA_IDENTITY) {
    const v = field(metadata, key);
    if (typeof v === type) attributes[attr] = v as string | number;
  }
  for (const k of Object.keys(attributes)) if (attributes[k] === undefined) delete attributes[k];
  return {
    kind: 'llm_call',
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id,
    name: span.name,
    start_time: formatUs(span.start_us),
    end_time: formatUs(span.end_us),
    attributes,
  };
}
