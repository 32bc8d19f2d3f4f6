import { parseSseStream, type SseEvent } from '../protocols/sse/parse.js';
import { isObject, parseJson, type JsonObject } from './json.js';

export type { SseEvent };

/**
 * Splits a complete SSE response body into its events (src/protocols/sse: UTF-8 safe, and a last
 * event whose closing blank line never came is still dispatched, as captures often end that way).
 */
export const sseEvents: (body: Buffer) => { events: SseEvent[] } = parseSseStream;

/** An SSE event whose data is a JSON object. */
export interface SseJsonEvent {
  event: string | undefined;
  data: JsonObject;
}

/**
 * The events of an SSE body whose data are JSON objects, in order. `data: [DONE]` (OpenAI's end
 * marker) is noted rather than returned; any other data that is not a JSON object is warned about
 * and skipped, so one bad event does not cost the rest of the stream.
 */
export function sseJsonEvents(body: Buffer, warnings: string[]): { events: SseJsonEvent[]; sawDone: boolean } {
  const events: SseJsonEvent[] = [];
  let sawDone = false;
  for (const [n, e] of sseEvents(body).events.entries()) {
    if (e.data === '[DONE]') {
      sawDone = true;
      continue;
    }
    const parsed = parseJson(e.data);
    if (parsed.ok && isObject(parsed.value)) events.push({ event: e.event, data: parsed.value });
    else warnings.push(`response: SSE event ${n} is not a JSON object, skipped`);
  }
  return { events, sawDone };
}
