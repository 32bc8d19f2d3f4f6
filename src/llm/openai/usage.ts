import { countField, isObject, objectField } from '../json.js';
import type { ChatOutcome } from '../outcome.js';

/**
 * `usage: { prompt_tokens, completion_tokens }` (chat, legacy completions, embeddings); token
 * attributes stay unset when the numbers are absent. prompt_tokens already includes cached tokens.
 */
export function readUsage(outcome: ChatOutcome, holder: unknown): void {
  const usage = isObject(holder) ? objectField(holder, 'usage') : undefined;
  if (!usage) return;
  outcome.inputTokens = countField(usage, 'prompt_tokens') ?? outcome.inputTokens;
  outcome.outputTokens = countField(usage, 'completion_tokens') ?? outcome.outputTokens;
}
