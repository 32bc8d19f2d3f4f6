import type { InputMessage } from '../../telemetry/llm-call.js';
import type { WireFormat } from '../extract.js';
import type { JsonObject } from '../json.js';
import { readModelAndStream, readSampling } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';
import { OPENAI_FINISH } from './chat.js';
import { readChatCompletion } from './completion.js';
import { OPENAI_SAMPLING } from './request.js';
import { readChatCompletionStream } from './stream.js';

/**
 * The prompt is a string or an array of strings (one completion each); token-id arrays are prompts
 * too but carry no text worth keeping. Recorded as user messages, the only input shape OTel has.
 */
function readLegacyRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  readModelAndStream(req, attrs);
  readSampling(req, attrs, OPENAI_SAMPLING);
  const prompt = req['prompt'];
  const prompts = typeof prompt === 'string' ? [prompt] : Array.isArray(prompt) ? prompt.filter((p) => typeof p === 'string') : undefined;
  if (prompts === undefined) {
    warnings.push('request: no prompt string');
    return;
  }
  attrs['gen_ai.input.messages'] = prompts.map((p): InputMessage => ({ role: 'user', parts: [{ type: 'text', content: p }] }));
}

/**
 * Legacy `POST /v1/completions`: the chat-completion envelope with `choices[].text`, streamed as
 * SSE chunks ending with `[DONE]`; the chat readers read both.
 */
export const OPENAI_TEXT_COMPLETION: WireFormat = {
  operation: 'text_completion',
  readRequest: readLegacyRequest,
  readResponse: readChatCompletion,
  readStream: readChatCompletionStream,
  finish: OPENAI_FINISH,
};
