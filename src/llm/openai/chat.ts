import { extractWith, type WireFormat } from '../extract.js';
import { finishMapper } from '../outcome.js';
import type { HttpExchange, LlmExtraction } from '../types.js';
import { readChatCompletion } from './completion.js';
import { readChatRequest } from './request.js';
import { readChatCompletionStream } from './stream.js';

/**
 * OpenAI reports `tool_calls` (`function_call` before tools existed); the OTel output-message
 * schema spells it `tool_call`. The raw value still goes to gen_ai.response.finish_reasons unchanged.
 */
export const OPENAI_FINISH = finishMapper({ tool_calls: 'tool_call', function_call: 'tool_call' });

/** `POST …/chat/completions`: JSON, or SSE `chat.completion.chunk`s when the request says `stream: true`. */
export const OPENAI_CHAT: WireFormat = {
  operation: 'chat',
  readRequest: readChatRequest,
  readResponse: readChatCompletion,
  readStream: readChatCompletionStream,
  finish: OPENAI_FINISH,
};

/**
 * Reads an OpenAI chat-completions exchange. `provider` is a parameter because many hosts speak
 * this same wire format (Azure OpenAI, Groq, Mistral, vLLM…). Never throws.
 */
export function extractOpenAiChat(exchange: HttpExchange, provider: string): LlmExtraction {
  return extractWith(exchange, provider, { format: OPENAI_CHAT });
}
