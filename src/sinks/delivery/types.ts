/**
 * Shared shapes of the remote exporters (HTTP to the Osprey server, OTLP): an exporter is a
 * serializer + a transport + a retry wrapper (OpenTelemetry JS's shape), fed by one batcher and
 * one on-disk spool (src/sinks/spool) that every remote sink reuses.
 */

/**
 * What one request to a destination came to. A richer union than OTel's
 * `'success' | 'failure' | 'retryable'`: the sender needs the status (413 splits a batch, 401
 * pauses delivery), Retry-After, and the body of a 200 (per-record rejections).
 */
export type ExportResponse =
  | { kind: 'success'; status: number; body: string }
  | { kind: 'retryable'; status: number | null; retryAfterMs: number | null; error: string }
  | { kind: 'failure'; status: number; error: string };

/** Sends one already-encoded (and compressed) body to a fixed endpoint. Never throws: failures are responses. */
export interface Transport {
  send(body: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<ExportResponse>;
}

/** What exporting one batch came to, after retries, as the delivery loop sees it. */
export type ExportOutcome =
  /** The destination took the batch; `rejected` records in it are permanently bad and were not stored. */
  | { kind: 'delivered'; accepted: number; rejected: number; firstError: string | null }
  /** Transient failure that outlived the retry deadline: keep the batch, try again later. */
  | { kind: 'retry-later'; retryAfterMs: number | null; error: string }
  /** 413: the batch is too big for the destination; smaller halves may pass. */
  | { kind: 'too-large'; error: string }
  /** 400: the destination will never take this batch. */
  | { kind: 'bad-request'; error: string }
  /** 401/403: the token is wrong; nothing will pass until someone fixes it. */
  | { kind: 'unauthorized'; status: number; error: string }
  /** Any other status (404, 500, …): not the records' fault, so keep them and try again much later. */
  | { kind: 'failure'; status: number; error: string };

/** Turns raw spooled records (one JSON LlmCall per string, no newline) into one export. */
export interface Exporter {
  /** Short label for metrics and logs: `server`, `otlp`. */
  readonly name: string;
  /** Where the records go, for log lines (no credentials). */
  readonly target: string;
  /** `onRetry` hears each transient failure that will be retried (the sender warns on the first). */
  export(lines: string[], deadline: number, signal: AbortSignal, onRetry?: (error: string) => void): Promise<ExportOutcome>;
}
