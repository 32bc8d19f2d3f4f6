import type { RequestContext } from '../extract.js';
import { isObject, numberField, type JsonObject } from '../json.js';
import { readJsonValues } from '../json-stream.js';
import { emptyOutcome, type ChatOutcome } from '../outcome.js';
import { sseJsonEvents } from '../sse-events.js';
import { arrayAt, field, objectAt, readGenerateContentResponse } from './content.js';

/**
 * `:streamGenerateContent` answers with `GenerateContentResponse` chunks: as SSE `data:` events
 * with `?alt=sse` (what the SDKs ask for), or as the elements of one JSON array streamed piece by
 * piece without it (content type application/json). Which one is decided by the query and then by
 * the body's first byte, since a proxy may drop either hint.
 */
export function readGenerateContentStream(body: Buffer, warnings: string[], ctx: RequestContext): ChatOutcome {
  const chunks = isSse(body, ctx) ? sseJsonEvents(body, warnings).events.map((e) => e.data) : arrayChunks(body, warnings);
  if (chunks.length === 0) {
    warnings.push('response: stream has no chunks');
    return emptyOutcome();
  }
  return readGenerateContentResponse(mergeChunks(chunks), warnings);
}

function isSse(body: Buffer, ctx: RequestContext): boolean {
  const first = body.toString('latin1', 0, Math.min(body.length, 64)).trimStart();
  if (first.startsWith('[') || first.startsWith('{')) return false;
  return ctx.query.get('alt') === 'sse' || first.startsWith('data:') || first.startsWith(':');
}

function arrayChunks(body: Buffer, warnings: string[]): JsonObject[] {
  const { values, truncated, errors } = readJsonValues(body);
  if (errors > 0) warnings.push(`response: ${errors} stream elements are not JSON, skipped`);
  if (truncated) warnings.push('response: JSON array stream ended before its closing ]');
  const objects = values.filter(isObject);
  if (objects.length < values.length) warnings.push('response: stream elements that are not objects, skipped');
  return objects;
}

/**
 * Folds the chunks into one response: each candidate's parts are appended in order (text fragments
 * of the same kind are joined, function calls arrive whole), its last finish reason wins, and the
 * last usageMetadata wins, since every chunk carries the running totals.
 */
function mergeChunks(chunks: JsonObject[]): JsonObject {
  const merged: JsonObject = {};
  const candidates = new Map<number, { role: unknown; parts: JsonObject[]; rest: JsonObject }>();
  for (const chunk of chunks) {
    for (const key of ['responseId', 'modelVersion', 'usageMetadata', 'promptFeedback', 'error']) {
      const value = field(chunk, key);
      if (value !== undefined && value !== null) merged[key] = value;
    }
    (arrayAt(chunk, 'candidates') ?? []).forEach((c, i) => {
      if (!isObject(c)) return;
      const index = numberField(c, 'index') ?? i;
      let acc = candidates.get(index);
      if (!acc) {
        acc = { role: undefined, parts: [], rest: {} };
        candidates.set(index, acc);
      }
      for (const [k, v] of Object.entries(c)) if (k !== 'content') acc.rest[k] = v;
      const body = objectAt(c, 'content');
      if (!body) return;
      acc.role ??= body['role'];
      for (const part of arrayAt(body, 'parts') ?? []) if (isObject(part)) appendPart(acc.parts, part);
    });
  }
  if (candidates.size > 0) {
    merged['candidates'] = [...candidates.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, acc]) => ({ ...acc.rest, index, content: { role: acc.role ?? 'model', parts: acc.parts } }));
  }
  return merged;
}

function appendPart(parts: JsonObject[], part: JsonObject): void {
  const last = parts[parts.length - 1];
  const text = part['text'];
  if (last && typeof text === 'string' && typeof last['text'] === 'string' && (last['thought'] === true) === (part['thought'] === true)) {
    parts[parts.length - 1] = { ...last, text: last['text'] + text };
  } else {
    parts.push({ ...part });
  }
}
