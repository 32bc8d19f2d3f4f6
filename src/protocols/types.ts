/**
 * Types shared by every protocol parser. A parser is fed the head of one direction's byte stream
 * and answers with one of three outcomes; it never throws on malformed input.
 */

/** Which side of the exchange the bytes came from, from the client's point of view. */
export type Direction = 'request' | 'response';

export type ParseResult<F> =
  | { kind: 'needs-more-data' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; frame: F; consumed: number };

/** Header list in wire order; names are lower-cased, values are trimmed. Repeated names stay repeated. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export function headerValue(headers: HeaderList, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v;
  return undefined;
}
