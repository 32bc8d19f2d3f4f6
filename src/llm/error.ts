import { redactSecretsInText } from '../telemetry/redact.js';
import type { GenAiAttributes } from '../telemetry/llm-call.js';
import { isObject, stringField } from './json.js';

/** What a provider's error body says, reduced to the two attributes we record. */
export interface ApiError {
  /** Low-cardinality identifier for error.type, when the body names one. */
  type: string | undefined;
  message: string | undefined;
}

/**
 * Reads the `error` member of a response body or stream chunk, if there is one. One reader serves
 * every provider, because their shapes differ in which member names the error:
 * - OpenAI and compatible: `{ error: { message, type, code } }`; a string `code` is the more
 *   specific name (`invalid_api_key` vs `invalid_request_error`).
 * - Anthropic: `{ type: 'error', error: { type: 'overloaded_error', message } }`.
 * - Gemini: `{ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }`: the numeric code is
 *   only the HTTP status again, so `status` comes before it.
 * - Ollama: `{ error: "model 'x' not found" }`, a bare message.
 */
export function readApiError(body: unknown): ApiError | undefined {
  if (!isObject(body)) return undefined;
  const err = body['error'];
  if (typeof err === 'string') return { type: undefined, message: err };
  if (!isObject(err)) return undefined;
  const code = err['code'];
  const type =
    (typeof code === 'string' ? code : undefined) ??
    stringField(err, 'status') ??
    stringField(err, 'type') ??
    (typeof code === 'number' && Number.isFinite(code) ? String(code) : undefined);
  return { type, message: stringField(err, 'message') };
}

/**
 * Records an error on the attributes. Error messages can quote the key that was sent
 * ("Incorrect API key provided: sk-…"), hence the redaction.
 */
export function recordError(attrs: GenAiAttributes, error: ApiError | undefined, fallbackType: string): void {
  attrs['error.type'] = error?.type ?? fallbackType;
  if (error?.message !== undefined) attrs['osprey.error.message'] = redactSecretsInText(error.message);
}
