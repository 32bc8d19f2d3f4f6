import type { LlmCall } from '../telemetry/llm-call.js';

/** Where LlmCall records go. Every sink (file, HTTP, OTLP) has this shape, so the pipeline does not care which. */
export interface Sink {
  /** Queues one record. Never blocks and never awaits: the capture pipeline calls it on its hot path. */
  write(record: LlmCall): void;
  /** Resolves once every record written before the call has been handed to the destination. */
  flush(): Promise<void>;
  /**
   * Flushes everything written so far, then releases the destination; records written after this
   * are dropped. Idempotent (later calls return the same promise): shutdown paths such as
   * SIGINT/SIGTERM may call it more than once.
   */
  close(): Promise<void>;
}
