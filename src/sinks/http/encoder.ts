/**
 * Body of `POST /api/v1/llm-calls`: `{"records": LlmCall[]}`. The spool already holds each record
 * as JSON text, so the body is built by joining them, without parsing and re-serializing.
 */
import type { AcceptedCounts } from '../delivery/exporter.js';

export function encodeRecordsBody(lines: string[]): string {
  return `{"records":[${lines.join(',')}]}`;
}

/**
 * Reads the server's `{accepted, rejected, errors: [{index, error}]}`. A 200 whose body is not that
 * shape (an older server, a proxy) counts every record as accepted: the server took the batch.
 */
export function parseIngestResponse(body: string, sent: number): AcceptedCounts {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return { accepted: sent, rejected: 0, firstError: null };
  }
  if (typeof v !== 'object' || v === null) return { accepted: sent, rejected: 0, firstError: null };
  const o = v as { accepted?: unknown; rejected?: unknown; errors?: unknown };
  const rejected = typeof o.rejected === 'number' && o.rejected >= 0 ? Math.min(o.rejected, sent) : 0;
  const accepted = typeof o.accepted === 'number' && o.accepted >= 0 ? o.accepted : sent - rejected;
  let firstError: string | null = null;
  if (Array.isArray(o.errors) && o.errors.length > 0) {
    const e = o.errors[0] as { index?: unknown; error?: unknown };
    firstError = `record ${String(e.index)}: ${typeof e.error === 'string' ? e.error : JSON.stringify(e.error)}`;
  }
  return { accepted, rejected, firstError };
}
