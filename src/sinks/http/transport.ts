/**
 * POSTs a body with Node's global fetch (undici, keep-alive pooled). Never throws: a network error,
 * a timeout or an abort is a retryable response, a status is classified by isRetryableStatus().
 */
import { isRetryableStatus, parseRetryAfter } from '../delivery/retry.js';
import type { ExportResponse, Transport } from '../delivery/types.js';

/** Bytes of an error body kept for the log line. */
const MAX_ERROR_TEXT = 300;

export interface FetchTransportOptions {
  url: string;
  headers: Record<string, string>;
}

export function createFetchTransport(opts: FetchTransportOptions): Transport {
  return {
    async send(body, timeoutMs, signal) {
      const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      let text: string;
      try {
        // Buffers from zlib are plain ArrayBuffer-backed; the cast only satisfies lib.dom's narrower BodyInit.
        res = await fetch(opts.url, { method: 'POST', headers: opts.headers, body: body as Uint8Array<ArrayBuffer>, signal: combined });
        text = await res.text();
      } catch (err) {
        const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : signal?.aborted ? 'aborted' : describeNetworkError(err);
        return { kind: 'retryable', status: null, retryAfterMs: null, error: why };
      }
      if (res.status >= 200 && res.status < 300) return { kind: 'success', status: res.status, body: text };
      const error = `HTTP ${res.status}${text ? `: ${text.slice(0, MAX_ERROR_TEXT)}` : ''}`;
      if (isRetryableStatus(res.status)) {
        return { kind: 'retryable', status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()), error };
      }
      return { kind: 'failure', status: res.status, error };
    },
  };
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function describeNetworkError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  if (e.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return e.cause?.message ?? e.message ?? String(err);
}
