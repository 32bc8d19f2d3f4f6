/**
 * Undoes Content-Encoding (RFC 9110 §8.4) on a complete body. Every inflation is capped with zlib's
 * maxOutputLength, so a decompression bomb stops once it has produced the cap, not after it has
 * filled memory.
 */
import { constants as bufferConstants } from 'node:buffer';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export type DecodeFailure = 'unsupported_encoding' | 'corrupt' | 'too_large';

export type DecodeResult = { ok: true; body: Buffer } | { ok: false; reason: DecodeFailure };

type Inflate = (input: Buffer, options: { maxOutputLength: number }) => Buffer;

const INFLATERS: ReadonlyMap<string, Inflate> = new Map<string, Inflate>([
  ['gzip', gunzipSync],
  ['x-gzip', gunzipSync],
  // "deflate" means the zlib format (RFC 1950), but servers also send raw deflate (RFC 1951).
  ['deflate', (input, options) => (hasZlibHeader(input) ? inflateSync : inflateRawSync)(input, options)],
  ['br', brotliDecompressSync],
]);

/**
 * @param contentEncoding the Content-Encoding value: codings in the order they were applied,
 *   comma-separated, case-insensitive; `identity` and empty items are no-ops.
 * @param maxOutputBytes cap on the decoded size (and on every intermediate size when codings stack).
 */
export function decodeContent(body: Buffer, contentEncoding: string | undefined, maxOutputBytes: number): DecodeResult {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  const inflaters: Inflate[] = [];
  for (const coding of codings) {
    const inflate = INFLATERS.get(coding);
    if (inflate === undefined) return { ok: false, reason: 'unsupported_encoding' };
    inflaters.push(inflate);
  }

  let out = body;
  // The last coding listed was applied last, so it comes off first. An empty body (HEAD, 304, an
  // empty upload) is empty in every coding.
  for (let i = inflaters.length - 1; i >= 0 && out.length > 0; i--) {
    try {
      out = inflaters[i]!(out, { maxOutputLength: zlibOutputCap(maxOutputBytes) });
    } catch (err) {
      return { ok: false, reason: (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too_large' : 'corrupt' };
    }
  }
  return out.length > maxOutputBytes ? { ok: false, reason: 'too_large' } : { ok: true, body: out };
}

/** zlib throws on a cap outside [1, MAX_LENGTH]; the exact cap is enforced again on the result. */
function zlibOutputCap(maxOutputBytes: number): number {
  if (maxOutputBytes >= bufferConstants.MAX_LENGTH) return bufferConstants.MAX_LENGTH;
  return maxOutputBytes >= 1 ? Math.floor(maxOutputBytes) : 1;
}

/**
 * RFC 1950 header: compression method 8 with a window of at most 32 KiB, and a check value making
 * the first two bytes a multiple of 31. A raw deflate stream starting this way would open with a
 * non-final stored block with a padding bit set, which no encoder writes.
 */
function hasZlibHeader(b: Buffer): boolean {
  const cmf = b[0];
  const flg = b[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}
