/**
 * The OpenAI API as a table of operations by path, shared by every host that speaks it: OpenAI
 * itself, Azure OpenAI, the OpenAI-compatible providers, Ollama's `/v1`, and declared gateways.
 */
import { defineAdapter, exactlyUnder, type OperationTable } from '../adapter.js';
import type { WireFormat } from '../extract.js';
import { isHost } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { OPENAI_CHAT } from './chat.js';
import { OPENAI_EMBEDDINGS } from './embeddings.js';
import { OPENAI_TEXT_COMPLETION } from './legacy.js';
import { readResponseObject, readResponsesRequest, RESPONSES_FINISH } from './responses.js';
import { readResponsesStream } from './responses-stream.js';

export const OPENAI_RESPONSES: WireFormat = {
  operation: 'chat',
  readRequest: readResponsesRequest,
  readResponse: readResponseObject,
  readStream: readResponsesStream,
  finish: RESPONSES_FINISH,
};

/** By path below the API's base URL; `/chat/completions` before `/completions`, which it ends with. */
export const OPENAI_OPERATIONS: OperationTable = [
  ['/chat/completions', OPENAI_CHAT],
  ['/responses', OPENAI_RESPONSES],
  ['/embeddings', OPENAI_EMBEDDINGS],
  ['/completions', OPENAI_TEXT_COMPLETION],
];

export const openaiAdapter: LlmAdapter = defineAdapter({
  provider: 'openai',
  host: (route) => isHost(route.serverName, 'api.openai.com'),
  resolve: exactlyUnder(['/v1'], OPENAI_OPERATIONS),
});
