import { defineAdapter, exactlyUnder, type OperationTable } from '../adapter.js';
import type { WireFormat } from '../extract.js';
import { isHost } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { ANTHROPIC_FINISH, readMessageObject, readMessagesRequest } from './messages.js';
import { readMessagesStream } from './stream.js';

/** `POST /v1/messages`: a `message` object, or named SSE events when the request says `stream: true`. */
export const ANTHROPIC_MESSAGES: WireFormat = {
  operation: 'chat',
  readRequest: readMessagesRequest,
  readResponse: readMessageObject,
  readStream: readMessagesStream,
  finish: ANTHROPIC_FINISH,
};

/** `/messages/count_tokens` and `/messages/batches` end otherwise and are not inference calls we read. */
export const ANTHROPIC_OPERATIONS: OperationTable = [['/messages', ANTHROPIC_MESSAGES]];

export const anthropicAdapter: LlmAdapter = defineAdapter({
  provider: 'anthropic',
  host: (route) => isHost(route.serverName, 'api.anthropic.com'),
  resolve: exactlyUnder(['/v1'], ANTHROPIC_OPERATIONS),
});
