/** Field lines (`name: value`) of a header section or a chunked trailer section. */
import { COLON, CRLF, isFieldByte, isOws, isTchar } from './bytes.js';

export type FieldLine = readonly [name: string, value: string];

/**
 * Parses buf[start..end) (the CRLF excluded) as one field line, or returns undefined when it is not
 * one. Whitespace before the colon and obs-fold continuation lines are rejected, as RFC 9112 §5
 * requires of servers: accepting them is how request smuggling starts.
 *
 * Values are decoded as latin1: lossless for every byte, and what Node's own HTTP parser does.
 */
export function parseFieldLine(buf: Buffer, start: number, end: number): FieldLine | undefined {
  let i = start;
  while (i < end && isTchar(buf[i])) i++;
  if (i === start || i === end || buf[i] !== COLON) return undefined;
  const nameEnd = i;

  let valueStart = nameEnd + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isOws(buf[valueStart])) valueStart++;
  while (valueEnd > valueStart && isOws(buf[valueEnd - 1])) valueEnd--;
  for (let k = valueStart; k < valueEnd; k++) if (!isFieldByte(buf[k])) return undefined;

  return [buf.toString('latin1', start, nameEnd).toLowerCase(), buf.toString('latin1', valueStart, valueEnd)];
}

/**
 * Parses the field lines in buf[from..to), where every line ends with CRLF and `to` is just past
 * the last one. Undefined if any line is malformed.
 */
export function parseFieldSection(buf: Buffer, from: number, to: number): FieldLine[] | undefined {
  const fields: FieldLine[] = [];
  for (let pos = from; pos < to; ) {
    const eol = buf.indexOf(CRLF, pos);
    if (eol === -1 || eol >= to) return undefined;
    const field = parseFieldLine(buf, pos, eol);
    if (field === undefined) return undefined;
    fields.push(field);
    pos = eol + 2;
  }
  return fields;
}
