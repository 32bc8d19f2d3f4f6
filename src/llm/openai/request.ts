import { arrayField, type JsonObject } from '../json.js';
import { readModelAndStream, readSampling, type SamplingFields } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';
import { readInputMessages } from './messages.js';

/** max_tokens is deprecated in favour of max_completion_tokens (required by reasoning models). */
export const OPENAI_SAMPLING: SamplingFields = {
  temperature: ['temperature'],
  topP: ['top_p'],
  maxTokens: ['max_completion_tokens', 'max_tokens'],
};

/** Reads a chat-completions request body into the request-side attributes. */
export function readChatRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  readModelAndStream(req, attrs);
  readSampling(req, attrs, OPENAI_SAMPLING);
  const messages = arrayField(req, 'messages');
  if (messages) attrs['gen_ai.input.messages'] = readInputMessages(messages, warnings);
  else warnings.push('request: no messages array');
  const tools = arrayField(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}
