/**
 * An exporter = serializer + transport + retry wrapper (OpenTelemetry JS's OTLPExporterBase
 * shape). The HTTP and OTLP sinks differ only in how they encode a batch, where they send it, and
 * how they read a 200's body; the rest (compression, retries, status → outcome) lives here once.
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { events } from '../../telemetry/internal-events.js';
import { createRetryingTransport, type RetryPolicy } from './retry.js';
import type { ExportOutcome, ExportResponse, Exporter, Transport } from './types.js';

const gzipAsync = promisify(gzip);

/** What a 200 said about the records in the batch. */
export interface AcceptedCounts {
  accepted: number;
  rejected: number;
  firstError: string | null;
}

export interface JsonExporterOptions {
  name: string;
  target: string;
  transport: Transport;
  /** Spooled record lines → request body (JSON text). May throw for records it cannot encode. */
  encode: (lines: string[]) => string;
  /** A 200's body → per-record counts. */
  interpret: (body: string, sent: number) => AcceptedCounts;
  /** Compress with gzip (the transport must send `Content-Encoding: gzip` then). */
  gzip: boolean;
  retry?: Partial<RetryPolicy>;
}

/** Gzip on the libuv thread pool, so a big batch never stalls the event loop that captures. */
export async function compressBody(json: string, useGzip: boolean): Promise<Uint8Array> {
  const raw = Buffer.from(json, 'utf8');
  return useGzip ? gzipAsync(raw) : raw;
}

export function toOutcome(response: ExportResponse, sent: number, interpret: JsonExporterOptions['interpret']): ExportOutcome {
  switch (response.kind) {
    case 'success':
      return { kind: 'delivered', ...interpret(response.body, sent) };
    case 'retryable':
      return { kind: 'retry-later', retryAfterMs: response.retryAfterMs, error: response.error };
    case 'failure':
      if (response.status === 413) return { kind: 'too-large', error: response.error };
      if (response.status === 400) return { kind: 'bad-request', error: response.error };
      if (response.status === 401 || response.status === 403) return { kind: 'unauthorized', status: response.status, error: response.error };
      return { kind: 'failure', status: response.status, error: response.error };
  }
}

export function createJsonExporter(opts: JsonExporterOptions): Exporter {
  const retrying = createRetryingTransport(opts.transport, opts.retry);
  return {
    name: opts.name,
    target: opts.target,
    async export(lines, deadline, signal, onRetry) {
      let body: Uint8Array;
      try {
        body = await compressBody(opts.encode(lines), opts.gzip);
      } catch (err) {
        // The records themselves cannot be encoded: no destination will ever take them.
        return { kind: 'bad-request', error: `cannot encode: ${(err as Error).message}` };
      }
      const response = await retrying.send(body, deadline, signal, (r) => {
        events.exportAttempt(opts.name, 'retryable');
        if (r.kind === 'retryable') onRetry?.(r.error);
      });
      return toOutcome(response, lines.length, opts.interpret);
    },
  };
}
