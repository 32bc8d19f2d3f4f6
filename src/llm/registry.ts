import { openaiChatAdapter } from './openai/chat.js';
import type { LlmAdapter } from './types.js';

/**
 * Every adapter the agent knows, first match wins: a new provider API is one line here.
 * Put more specific matchers (a path on a shared host) before general ones.
 */
const ADAPTERS: readonly LlmAdapter[] = [openaiChatAdapter];

/** The adapter that understands this request, or undefined when the exchange is not an LLM call we read. */
export function findAdapter(serverName: string | null, method: string, path: string): LlmAdapter | undefined {
  return ADAPTERS.find((a) => a.matches(serverName, method, path));
}
