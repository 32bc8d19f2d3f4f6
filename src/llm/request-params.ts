import { countField, numberField, type JsonObject } from './json.js';
import type { AdapterAttributes } from './types.js';

/**
 * Where a provider's request keeps its sampling parameters. Each lists the accepted spellings, first
 * wins: OpenAI prefers `max_completion_tokens` over the deprecated `max_tokens`; Gemini's REST API
 * accepts camelCase and snake_case alike.
 */
export interface SamplingFields {
  temperature: readonly string[];
  topP: readonly string[];
  maxTokens: readonly string[];
}

function first(read: (obj: JsonObject, key: string) => number | undefined, obj: JsonObject, names: readonly string[]): number | undefined {
  for (const name of names) {
    const v = read(obj, name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** gen_ai.request.temperature / top_p / max_tokens from the object that holds them. */
export function readSampling(src: JsonObject, attrs: AdapterAttributes, fields: SamplingFields): void {
  const temperature = first(numberField, src, fields.temperature);
  if (temperature !== undefined) attrs['gen_ai.request.temperature'] = temperature;
  const topP = first(numberField, src, fields.topP);
  if (topP !== undefined) attrs['gen_ai.request.top_p'] = topP;
  // A count: the record schema rejects a fractional or negative max_tokens.
  const maxTokens = first(countField, src, fields.maxTokens);
  if (maxTokens !== undefined) attrs['gen_ai.request.max_tokens'] = maxTokens;
}

/** The request's model and stream flag, which nearly every API spells `model` and `stream`. */
export function readModelAndStream(req: JsonObject, attrs: AdapterAttributes, streamByDefault = false): void {
  const model = req['model'];
  if (typeof model === 'string') attrs['gen_ai.request.model'] = model;
  const stream = req['stream'];
  attrs['osprey.stream'] = typeof stream === 'boolean' ? stream : streamByDefault;
}
