/**
 * Byte values and character classes of the HTTP/1 grammar (RFC 9110 §5.6, RFC 9112). Predicates
 * take `number | undefined` so callers can pass `buf[i]` directly: past the end is simply "no".
 */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;

export const CRLF = Buffer.from('\r\n', 'latin1');
export const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
export const HTTP_1_PREFIX = Buffer.from('HTTP/1.', 'latin1');

const TCHAR_TABLE = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TCHAR_TABLE[c.charCodeAt(0)] = 1;
}

/** token characters: methods and field names. */
export function isTchar(b: number | undefined): boolean {
  return b !== undefined && TCHAR_TABLE[b] === 1;
}

/** Field values, reason phrases and chunk extensions: HTAB, SP, VCHAR and obs-text; no other controls. */
export function isFieldByte(b: number | undefined): boolean {
  return b !== undefined && (b === HTAB || (b >= SP && b !== 0x7f));
}

/** Request-target bytes: visible ASCII, plus obs-text because some clients send raw UTF-8 paths. */
export function isTargetByte(b: number | undefined): boolean {
  return b !== undefined && b > SP && b !== 0x7f;
}

export function isOws(b: number | undefined): boolean {
  return b === SP || b === HTAB;
}

export function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Value of a hex digit, or -1. */
export function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Compares buf[at..end) with `literal`. 'partial' means the bytes present agree but end too soon
 * to tell — the caller may learn more once the stream grows.
 */
export function compareLiteral(buf: Buffer, at: number, end: number, literal: Buffer): 'match' | 'partial' | 'no' {
  for (let k = 0; k < literal.length; k++) {
    if (at + k >= end) return 'partial';
    if (buf[at + k] !== literal[k]) return 'no';
  }
  return 'match';
}
