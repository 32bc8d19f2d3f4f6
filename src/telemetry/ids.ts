import { randomBytes } from 'node:crypto';

/**
 * W3C trace-context ids. An all-zero id is invalid there; the chance is negligible, but fixing
 * the last byte when it happens keeps every record exportable over OTLP.
 */
function randomHexId(bytes: number): string {
  const buf = randomBytes(bytes);
  if (buf.every((b) => b === 0)) buf[bytes - 1] = 1;
  return buf.toString('hex');
}

/** 32 lower-case hex digits. */
export function newTraceId(): string {
  return randomHexId(16);
}

/** 16 lower-case hex digits. */
export function newSpanId(): string {
  return randomHexId(8);
}
