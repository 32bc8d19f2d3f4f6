import type { HttpExchange, LlmAdapter, LlmExtraction } from '../types.js';
import type { GenAiAttributes } from '../../telemetry/llm-call.js';
import { headerValue } from '../../protocols/types.js';
import { parseJsonBody } from '../json.js';
import { isHost, pathOf } from '../route.js';
import { readChatCompletion } from './completion.js';
import { readApiError, recordError } from './error.js';
import { applyOutcome } from './outcome.js';
import { readChatRequest } from './request.js';
import { readChatCompletionStream } from './stream.js';

const OPENAI_HOST = 'api.openai.com';
const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/**
 * Reads an OpenAI chat-completions exchange. `provider` is a parameter because many hosts speak
 * this same wire format (Azure OpenAI, Groq, Mistral, vLLM…); their adapters reuse this function.
 * Never throws: what cannot be read becomes a warning.
 */
export function extractOpenAiChat(exchange: HttpExchange, provider: string): LlmExtraction {
  const warnings: string[] = [];
  const attributes: GenAiAttributes = {
    'gen_ai.provider.name': provider,
    'gen_ai.operation.name': 'chat',
    'osprey.stream': false,
  };
  try {
    readChatRequest(exchange.request.body, attributes, warnings);
    readChatResponse(exchange.response, attributes, warnings);
  } catch (err) {
    // Nothing above should throw; if a body shape slips past the readers, the record keeps what was
    // read so far and the pipeline keeps running. The prefix lets tests prove this never happens.
    warnings.push(`internal: ${(err as Error).message}`);
  }
  const model = attributes['gen_ai.request.model'];
  return { spanName: model === undefined ? 'chat' : `chat ${model}`, attributes, warnings };
}

function readChatResponse(response: HttpExchange['response'], attrs: GenAiAttributes, warnings: string[]): void {
  if (response.status >= 400) {
    const parsed = parseJsonBody(response.body);
    if (!parsed.ok) warnings.push(`response: error body is not JSON (${parsed.reason})`);
    recordError(attrs, parsed.ok ? readApiError(parsed.value) : undefined, String(response.status));
    return;
  }
  const contentType = headerValue(response.headers, 'content-type');
  // Without a content type, trust the request: stream:true is answered with SSE.
  if (contentType === undefined ? attrs['osprey.stream'] : contentType.includes('text/event-stream')) {
    attrs['osprey.stream'] = true;
    applyOutcome(attrs, readChatCompletionStream(response.body, warnings));
    return;
  }
  const parsed = parseJsonBody(response.body);
  if (!parsed.ok) {
    warnings.push(`response: body is not JSON (${parsed.reason})`);
    return;
  }
  applyOutcome(attrs, readChatCompletion(parsed.value, warnings));
}

export const openaiChatAdapter: LlmAdapter = {
  provider: 'openai',
  matches: (serverName, method, path) =>
    // GET on the same path lists stored completions; only POST creates one.
    method === 'POST' && isHost(serverName, OPENAI_HOST) && pathOf(path) === CHAT_COMPLETIONS_PATH,
  extract: (exchange) => extractOpenAiChat(exchange, 'openai'),
};
