import type { MessagePart, OutputMessage } from '../telemetry/llm-call.js';
import { recordError, type ApiError } from './error.js';
import type { AdapterAttributes } from './types.js';

/**
 * What a model response said, whether it arrived as one JSON object or as a stream of events, in
 * any provider's shape. Every provider's readers produce this, and one function turns it into
 * attributes, so token, finish-reason and error handling cannot drift between providers.
 */
export interface ChatOutcome {
  id: string | undefined;
  model: string | undefined;
  /** Choices / candidates, in index order. */
  choices: ChoiceOutcome[];
  /** All input tokens, cached ones included (OTel GenAI: gen_ai.usage.input_tokens). */
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens: number | undefined;
  cacheCreationTokens: number | undefined;
  /** Length of the first embedding vector, for embeddings responses. */
  embeddingDimensions: number | undefined;
  /** An error object inside a 200 response (mid-stream failure). */
  error: ApiError | undefined;
}

export interface ChoiceOutcome {
  role: string;
  parts: MessagePart[];
  /** As the provider reported it; null when the response ended before saying. */
  finishReason: string | null;
}

export function emptyOutcome(): ChatOutcome {
  return {
    id: undefined,
    model: undefined,
    choices: [],
    inputTokens: undefined,
    outputTokens: undefined,
    cacheReadTokens: undefined,
    cacheCreationTokens: undefined,
    embeddingDimensions: undefined,
    error: undefined,
  };
}

/**
 * Maps a provider's finish reason to the OTel output-message one (`stop`, `length`,
 * `content_filter`, `tool_call`, `error`). gen_ai.response.finish_reasons keeps the raw values.
 */
export type FinishMapper = (raw: string | null, parts: readonly MessagePart[]) => string | null;

/**
 * A FinishMapper from a table of the provider's reasons; unknown reasons pass through unchanged.
 * Some providers answer a tool call with their ordinary "stop" reason (Gemini `STOP`, Ollama
 * `stop`, Responses `completed`); with `toolCallsStop`, such a message that calls a tool says `tool_call`.
 */
export function finishMapper(table: Readonly<Record<string, string>>, toolCallsStop = false): FinishMapper {
  return (raw, parts) => {
    if (raw === null) return null;
    const mapped = Object.hasOwn(table, raw) ? table[raw]! : raw;
    return toolCallsStop && mapped === 'stop' && parts.some((p) => p.type === 'tool_call') ? 'tool_call' : mapped;
  };
}

export function applyOutcome(attrs: AdapterAttributes, outcome: ChatOutcome, toOtelFinish: FinishMapper): void {
  if (outcome.id !== undefined) attrs['gen_ai.response.id'] = outcome.id;
  if (outcome.model !== undefined) attrs['gen_ai.response.model'] = outcome.model;
  if (outcome.inputTokens !== undefined) attrs['gen_ai.usage.input_tokens'] = outcome.inputTokens;
  if (outcome.outputTokens !== undefined) attrs['gen_ai.usage.output_tokens'] = outcome.outputTokens;
  if (outcome.cacheReadTokens !== undefined) attrs['gen_ai.usage.cache_read.input_tokens'] = outcome.cacheReadTokens;
  if (outcome.cacheCreationTokens !== undefined) attrs['gen_ai.usage.cache_creation.input_tokens'] = outcome.cacheCreationTokens;
  if (outcome.embeddingDimensions !== undefined) attrs['gen_ai.embeddings.dimension.count'] = outcome.embeddingDimensions;
  if (outcome.choices.length > 0) {
    attrs['gen_ai.output.messages'] = outcome.choices.map(
      (c): OutputMessage => ({ role: c.role, parts: c.parts, finish_reason: toOtelFinish(c.finishReason, c.parts) }),
    );
    const reasons = outcome.choices.flatMap((c) => (c.finishReason === null ? [] : [c.finishReason]));
    if (reasons.length > 0) attrs['gen_ai.response.finish_reasons'] = reasons;
  }
  if (outcome.error) recordError(attrs, outcome.error, '_OTHER');
}

/** Adds what a later event says to a count that may still be unknown (token counts arrive in pieces). */
export function addCount(current: number | undefined, more: number | undefined): number | undefined {
  if (more === undefined) return current;
  return (current ?? 0) + more;
}
