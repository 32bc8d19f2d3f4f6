/**
 * Readers for untrusted JSON. Provider bodies can have any shape (other versions, proxies,
 * truncated captures), and an adapter must read what it can without ever throwing.
 */

export type JsonObject = Record<string, unknown>;

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseJson(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

export function parseJsonBody(body: Buffer): JsonParseResult {
  if (body.length === 0) return { ok: false, reason: 'empty body' };
  return parseJson(body.toString('utf8'));
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

/** Finite numbers only: NaN/Infinity cannot come from JSON, but a number of the wrong kind is as useless as none. */
export function numberField(obj: JsonObject, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arrayField(obj: JsonObject, key: string): unknown[] | undefined {
  const v = obj[key];
  return Array.isArray(v) ? v : undefined;
}

export function objectField(obj: JsonObject, key: string): JsonObject | undefined {
  const v = obj[key];
  return isObject(v) ? v : undefined;
}

/** A string that says something: `''` is treated as absent. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/**
 * A non-negative integer (token counts, max_tokens): the record schema types these as counts, and
 * one odd value in a body must not make a whole record invalid, so anything else reads as absent.
 */
export function countField(obj: JsonObject, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}
