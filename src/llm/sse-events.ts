import { createParser } from 'eventsource-parser';

/** One server-sent event; same shape as the events of `parseSseStream` in src/protocols/sse/parse.ts. */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/**
 * Splits a complete SSE response body into its events. Stand-in with the same return shape as
 * `parseSseStream(body)` from src/protocols/sse, so adapters switch to it by changing one import.
 */
export function sseEvents(body: Buffer): { events: SseEvent[] } {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (e) => events.push({ event: e.event, data: e.data, id: e.id }),
  });
  parser.feed(body.toString('utf8'));
  // A capture can stop right after the last data line (connection closed before the blank line
  // that dispatches it); ending the stream with a blank line keeps that event instead of dropping it.
  parser.feed('\n\n');
  return { events };
}
