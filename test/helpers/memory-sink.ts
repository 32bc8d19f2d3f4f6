import type { Sink } from '../../src/sinks/types.js';
import type { LlmCall } from '../../src/telemetry/llm-call.js';

/** A sink that keeps records in memory, for pipeline tests. */
export class InMemorySink implements Sink {
  readonly records: LlmCall[] = [];
  write(record: LlmCall): void {
    this.records.push(record);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
