import { redactSecretsInText } from '../../telemetry/redact.js';
import type { GenAiAttributes } from '../../telemetry/llm-call.js';
import { isObject, objectField, stringField } from '../json.js';

/** What an OpenAI `{ "error": { message, type, code } }` object says, reduced to the two attributes we record. */
export interface ApiError {
  /** Low-cardinality identifier for error.type, when the body names one. */
  type: string | undefined;
  message: string | undefined;
}

/**
 * Reads the `error` member of a response body or stream chunk, if there is one. `code` comes first
 * because it is the more specific of the two (`invalid_api_key` vs `invalid_request_error`); some
 * compatible servers send it as a number.
 */
export function readApiError(body: unknown): ApiError | undefined {
  const err = isObject(body) ? objectField(body, 'error') : undefined;
  if (!err) return undefined;
  const code = err['code'];
  const codeText = typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
  return { type: codeText ?? stringField(err, 'type'), message: stringField(err, 'message') };
}

/**
 * Records an error on the attributes. Error messages can quote the key that was sent
 * ("Incorrect API key provided: sk-…"), hence the redaction.
 */
export function recordError(attrs: GenAiAttributes, error: ApiError | undefined, fallbackType: string): void {
  attrs['error.type'] = error?.type ?? fallbackType;
  if (error?.message !== undefined) attrs['osprey.error.message'] = redactSecretsInText(error.message);
}
