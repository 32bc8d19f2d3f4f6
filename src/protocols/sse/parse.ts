/**
 * Server-sent events (text/event-stream) from raw body bytes. Line and field handling is
 * eventsource-parser's; this module owns the byte side: UTF-8 decoding that survives a character
 * split across chunks, and what happens at the end of the stream.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';

export interface SseEvent {
  /** The `event:` field; undefined when absent (a browser would say "message"). */
  event: string | undefined;
  /** The `data:` lines joined with LF. */
  data: string;
  id: string | undefined;
}

/** Incremental decoder: push body pieces as they arrive, then end() once the body is complete. */
export class SseDecoder {
  /** stream:true holds back an incomplete UTF-8 sequence until its remaining bytes arrive; a leading BOM is dropped, as the SSE spec wants. */
  private readonly text = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private ready: SseEvent[] = [];

  constructor() {
    this.parser = createParser({
      onEvent: (e) => this.ready.push({ event: e.event, data: e.data, id: e.id }),
    });
  }

  /** Events completed by this chunk. */
  push(chunk: Buffer): SseEvent[] {
    this.feed(this.text.decode(chunk, { stream: true }));
    return this.take();
  }

  /**
   * Events left at the end of the stream; the decoder is ready for a new stream afterwards.
   *
   * Unlike a browser, which drops an event whose closing blank line never came, this dispatches it:
   * captures often end right after the last data line (the connection closed first), and that
   * event (usage, finish reason) is the one worth having. If its last line was cut short, the
   * adapter reading the data will find it malformed and say so.
   */
  end(): SseEvent[] {
    this.feed(this.text.decode());
    this.parser.feed('\n\n');
    this.parser.reset();
    return this.take();
  }

  private feed(text: string): void {
    if (text !== '') this.parser.feed(text);
  }

  private take(): SseEvent[] {
    const events = this.ready;
    this.ready = [];
    return events;
  }
}

/** All events of a complete body. */
export function parseSseStream(body: Buffer): { events: SseEvent[] } {
  const decoder = new SseDecoder();
  const events = decoder.push(body);
  events.push(...decoder.end());
  return { events };
}
