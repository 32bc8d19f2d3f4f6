/**
 * Shape checks for HTTP/1 start lines, used three ways: to parse a complete head, to reject garbage
 * before a whole head has arrived, and to find the next message start after a gap. Each matcher
 * reads buf[start..end) and answers with the line's layout, 'partial' when the bytes present are a
 * valid beginning that ends too soon, or 'no'.
 */
import { CR, CRLF, HTTP_1_PREFIX, SP, compareLiteral, isDigit, isFieldByte, isTargetByte, isTchar } from './bytes.js';

/** Longest method token accepted; registered methods stop at 17 (UPDATEREDIRECTREF). */
export const MAX_METHOD_LENGTH = 32;

export interface RequestLine {
  methodEnd: number;
  targetStart: number;
  targetEnd: number;
  minorVersion: 0 | 1;
  /** Offset just past the line's CRLF. */
  end: number;
}

export interface StatusLine {
  minorVersion: 0 | 1;
  status: number;
  reasonStart: number;
  reasonEnd: number;
  /** Offset just past the line's CRLF. */
  end: number;
}

export type Shape<L> = L | 'partial' | 'no';

/** `method SP request-target SP HTTP/1.x CRLF` */
export function matchRequestLine(buf: Buffer, start: number, end: number): Shape<RequestLine> {
  let i = start;
  while (i < end && i - start <= MAX_METHOD_LENGTH && isTchar(buf[i])) i++;
  if (i - start > MAX_METHOD_LENGTH) return 'no';
  if (i === end) return 'partial';
  if (i === start || buf[i] !== SP) return 'no';
  const methodEnd = i++;

  const targetStart = i;
  while (i < end && isTargetByte(buf[i])) i++;
  if (i === end) return 'partial';
  if (i === targetStart || buf[i] !== SP) return 'no';
  const targetEnd = i++;

  const minorVersion = matchVersion(buf, i, end);
  if (typeof minorVersion === 'string') return minorVersion;
  i += HTTP_1_PREFIX.length + 1;

  const eol = compareLiteral(buf, i, end, CRLF);
  if (eol !== 'match') return eol;
  return { methodEnd, targetStart, targetEnd, minorVersion, end: i + 2 };
}

/** `HTTP/1.x SP 3DIGIT SP reason-phrase CRLF`, also accepting `HTTP/1.x SP 3DIGIT CRLF` (servers drop empty reasons). */
export function matchStatusLine(buf: Buffer, start: number, end: number): Shape<StatusLine> {
  const minorVersion = matchVersion(buf, start, end);
  if (typeof minorVersion === 'string') return minorVersion;
  let i = start + HTTP_1_PREFIX.length + 1;

  if (i === end) return 'partial';
  if (buf[i++] !== SP) return 'no';
  let status = 0;
  for (const digitsEnd = i + 3; i < digitsEnd; i++) {
    if (i === end) return 'partial';
    const b = buf[i];
    if (!isDigit(b)) return 'no';
    status = status * 10 + (b! - 0x30);
  }
  if (status < 100) return 'no';

  if (i === end) return 'partial';
  if (buf[i] !== SP && buf[i] !== CR) return 'no';
  if (buf[i] === SP) i++;
  const reasonStart = i;
  while (i < end && isFieldByte(buf[i])) i++;
  const reasonEnd = i;

  const eol = compareLiteral(buf, i, end, CRLF);
  if (eol !== 'match') return eol;
  return { minorVersion, status, reasonStart, reasonEnd, end: i + 2 };
}

/** `HTTP/1.0` or `HTTP/1.1` at `at`; anything else (HTTP/2 preface, HTTP/0.9, HTTP/1.2) is 'no'. */
function matchVersion(buf: Buffer, at: number, end: number): 0 | 1 | 'partial' | 'no' {
  const prefix = compareLiteral(buf, at, end, HTTP_1_PREFIX);
  if (prefix !== 'match') return prefix;
  const minorAt = at + HTTP_1_PREFIX.length;
  if (minorAt === end) return 'partial';
  const minor = buf[minorAt];
  return minor === 0x30 ? 0 : minor === 0x31 ? 1 : 'no';
}
