import type { WireFormat } from '../extract.js';
import { arrayField, isObject, numberField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, finishMapper, type ChatOutcome } from '../outcome.js';
import type { AdapterAttributes } from '../types.js';
import { readApiError } from '../error.js';
import { readUsage } from './usage.js';

/**
 * The request's model and encoding. The input texts are not recorded: OTel GenAI has no attribute
 * for embedding inputs, and they are often whole documents.
 */
function readEmbeddingsRequest(req: JsonObject, attrs: AdapterAttributes): void {
  const model = stringField(req, 'model');
  if (model !== undefined) attrs['gen_ai.request.model'] = model;
  const format = stringField(req, 'encoding_format');
  if (format !== undefined) attrs['gen_ai.request.encoding_formats'] = [format];
}

/** A float32 vector sent as base64 (`encoding_format: "base64"`) has 4 bytes per dimension. */
function dimensionsOf(embedding: unknown): number | undefined {
  if (Array.isArray(embedding)) return embedding.length;
  if (typeof embedding === 'string') return Math.floor(Buffer.byteLength(embedding, 'base64') / 4);
  return undefined;
}

/** `{ object: 'list', data: [{ embedding }], model, usage: { prompt_tokens } }`: counts and sizes, never the vectors. */
export function readEmbeddingsResponse(body: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.model = stringField(body, 'model');
  outcome.error = readApiError(body);
  readUsage(outcome, body);
  const data = arrayField(body, 'data');
  if (data === undefined) {
    if (outcome.error === undefined) warnings.push('response: no data array');
    return outcome;
  }
  const first = data.find((d) => isObject(d) && (numberField(d, 'index') ?? 0) === 0) ?? data[0];
  outcome.embeddingDimensions = isObject(first) ? dimensionsOf(first['embedding']) : undefined;
  return outcome;
}

/** `POST …/embeddings`, never streamed. */
export const OPENAI_EMBEDDINGS: WireFormat = {
  operation: 'embeddings',
  readRequest: readEmbeddingsRequest,
  readResponse: readEmbeddingsResponse,
  readStream: (_body, warnings) => {
    warnings.push('response: embeddings are not streamed; body not read');
    return emptyOutcome();
  },
  isStream: () => false,
  finish: finishMapper({}),
};
