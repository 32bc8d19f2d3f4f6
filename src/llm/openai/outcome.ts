import type { GenAiAttributes, MessagePart, OutputMessage } from '../../telemetry/llm-call.js';
import { isObject, numberField, objectField } from '../json.js';
import { recordError, type ApiError } from './error.js';
import { otelFinishReason } from './messages.js';

/**
 * What a chat completion response said, whether it arrived as one JSON object or as a stream of
 * chunks. Both readers produce this, and one function turns it into attributes.
 */
export interface ChatOutcome {
  id: string | undefined;
  model: string | undefined;
  /** In choice-index order. */
  choices: ChoiceOutcome[];
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** An `error` object inside a 200 response (mid-stream failure). */
  error: ApiError | undefined;
}

export interface ChoiceOutcome {
  role: string;
  parts: MessagePart[];
  /** As OpenAI reported it; null when the response ended before saying. */
  finishReason: string | null;
}

export function emptyOutcome(): ChatOutcome {
  return { id: undefined, model: undefined, choices: [], inputTokens: undefined, outputTokens: undefined, error: undefined };
}

/** `usage: { prompt_tokens, completion_tokens }`; token attributes stay unset when the numbers are absent. */
export function readUsage(outcome: ChatOutcome, holder: unknown): void {
  const usage = isObject(holder) ? objectField(holder, 'usage') : undefined;
  if (!usage) return;
  outcome.inputTokens = numberField(usage, 'prompt_tokens') ?? outcome.inputTokens;
  outcome.outputTokens = numberField(usage, 'completion_tokens') ?? outcome.outputTokens;
}

export function applyOutcome(attrs: GenAiAttributes, outcome: ChatOutcome): void {
  if (outcome.id !== undefined) attrs['gen_ai.response.id'] = outcome.id;
  if (outcome.model !== undefined) attrs['gen_ai.response.model'] = outcome.model;
  if (outcome.inputTokens !== undefined) attrs['gen_ai.usage.input_tokens'] = outcome.inputTokens;
  if (outcome.outputTokens !== undefined) attrs['gen_ai.usage.output_tokens'] = outcome.outputTokens;
  if (outcome.choices.length > 0) {
    attrs['gen_ai.output.messages'] = outcome.choices.map(
      (c): OutputMessage => ({ role: c.role, parts: c.parts, finish_reason: otelFinishReason(c.finishReason) }),
    );
    const reasons = outcome.choices.flatMap((c) => (c.finishReason === null ? [] : [c.finishReason]));
    if (reasons.length > 0) attrs['gen_ai.response.finish_reasons'] = reasons;
  }
  if (outcome.error) recordError(attrs, outcome.error, '_OTHER');
}
