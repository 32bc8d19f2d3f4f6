import { anyOf, defineAdapter, exactlyUnder, type OperationTable } from '../adapter.js';
import type { WireFormat } from '../extract.js';
import { isObject } from '../json.js';
import { emptyOutcome, type ChatOutcome } from '../outcome.js';
import { OPENAI_OPERATIONS } from '../openai/api.js';
import { parseNdjson } from '../../protocols/sse/ndjson.js';
import { isHost } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { mergeOllamaLines, OLLAMA_FINISH, readOllamaChatRequest, readOllamaGenerateRequest, readOllamaResponse } from './native.js';

export const OLLAMA_DEFAULT_PORT = 11434;

/** NDJSON lines merged into the one response they stand for; bad lines are counted, not fatal. */
function readOllamaStream(body: Buffer, warnings: string[]): ChatOutcome {
  const { values, errors } = parseNdjson(body);
  if (errors > 0) warnings.push(`response: ${errors} NDJSON lines are not JSON, skipped`);
  const lines = values.filter(isObject);
  if (lines.length === 0) {
    warnings.push('response: stream has no JSON lines');
    return emptyOutcome();
  }
  const merged = mergeOllamaLines(lines);
  if (merged['done'] !== true && merged['error'] === undefined) warnings.push('response: stream ended before done');
  return readOllamaResponse(merged, warnings);
}

const nativeFormat = (operation: string, readRequest: WireFormat['readRequest']): WireFormat => ({
  operation,
  readRequest,
  readResponse: readOllamaResponse,
  // NDJSON is a stream by its content type (application/x-ndjson); without one, `stream` (default true) decides.
  readStream: readOllamaStream,
  finish: OLLAMA_FINISH,
});

export const OLLAMA_CHAT = nativeFormat('chat', readOllamaChatRequest);
/** `/api/generate` completes a prompt: the OTel `text_completion` operation. */
export const OLLAMA_GENERATE = nativeFormat('text_completion', readOllamaGenerateRequest);

export const OLLAMA_OPERATIONS: OperationTable = [
  ['/api/chat', OLLAMA_CHAT],
  ['/api/generate', OLLAMA_GENERATE],
];

/**
 * Ollama is usually plaintext HTTP on :11434 under any name (`localhost`, `127.0.0.1`, a container
 * name), so it is matched by port; ollama.com serves the same API over TLS. Its OpenAI-compatible
 * API sits under `/v1`. Other ports are declared as endpoints in the agent's config.
 */
export const ollamaAdapter: LlmAdapter = defineAdapter({
  provider: 'ollama',
  host: (route) => route.serverPort === OLLAMA_DEFAULT_PORT || isHost(route.serverName, 'ollama.com'),
  resolve: anyOf(exactlyUnder([''], OLLAMA_OPERATIONS), exactlyUnder(['/v1'], OPENAI_OPERATIONS)),
});
