import type { LlmCall } from '../telemetry/llm-call.js';
import type { Sink } from './types.js';

/** Keeps records in an array: for tests, and for wiring checks. */
export class InMemorySink implements Sink {
  readonly records: LlmCall[] = [];
  flushes = 0;
  closes = 0;
  private closing: Promise<void> | null = null;

  write(record: LlmCall): void {
    if (!this.closing) this.records.push(record);
  }

  async flush(): Promise<void> {
    this.flushes++;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closes++;
    })();
    return this.closing;
  }
}
