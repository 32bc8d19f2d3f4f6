import { anyOf, defineAdapter, exactlyUnder, type OperationTable } from '../adapter.js';
import type { WireFormat } from '../extract.js';
import { OPENAI_OPERATIONS } from '../openai/api.js';
import { isHost } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { COHERE_FINISH, readCohereChatRequest, readCohereChatResponse, readCohereError } from './chat.js';
import { readCohereChatStream } from './stream.js';

export const COHERE_CHAT: WireFormat = {
  operation: 'chat',
  readRequest: readCohereChatRequest,
  readResponse: readCohereChatResponse,
  readStream: readCohereChatStream,
  readError: readCohereError,
  finish: COHERE_FINISH,
};

export const COHERE_OPERATIONS: OperationTable = [['/chat', COHERE_CHAT]];

/** `api.cohere.com` (and the older `api.cohere.ai`): v2 chat, and the OpenAI-compatible API under `/compatibility/v1`. */
export const cohereAdapter: LlmAdapter = defineAdapter({
  provider: 'cohere',
  host: (route) => isHost(route.serverName, 'api.cohere.com') || isHost(route.serverName, 'api.cohere.ai'),
  resolve: anyOf(exactlyUnder(['/v2'], COHERE_OPERATIONS), exactlyUnder(['/compatibility/v1'], OPENAI_OPERATIONS)),
});
