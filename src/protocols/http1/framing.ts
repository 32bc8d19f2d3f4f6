/** How a message's body is delimited, decided from its head as RFC 9112 §6.3 orders the rules. */
import type { HeaderList } from '../types.js';
import type { Http1InvalidReason } from './reasons.js';
import type { Http1Limits, Http1Request, Http1Response } from './types.js';

export type Http1Head = Omit<Http1Request, 'body'> | Omit<Http1Response, 'body'>;

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Only responses: the body runs until the connection closes. */
  | { kind: 'until-close' };

const NONE: BodyFraming = { kind: 'none' };
const CHUNKED: BodyFraming = { kind: 'chunked' };
const UNTIL_CLOSE: BodyFraming = { kind: 'until-close' };

/**
 * @param requestMethod method of the request a response answers, when known (HEAD and CONNECT
 *   change the rules); ignored for requests.
 */
export function bodyFraming(
  head: Http1Head,
  requestMethod: string | undefined,
  limits: Http1Limits,
): BodyFraming | Http1InvalidReason {
  if (head.kind === 'response' && responseHasNoBody(head.status, requestMethod)) return NONE;

  // Transfer-Encoding overrides Content-Length: the recipient we observe frames the message this way.
  const coding = finalTransferCoding(head.headers);
  if (coding !== undefined) {
    if (coding === 'chunked') return CHUNKED;
    return head.kind === 'request' ? 'bad_transfer_encoding' : UNTIL_CLOSE;
  }

  const length = contentLength(head.headers);
  if (length === 'bad') return 'bad_content_length';
  if (length === undefined) return head.kind === 'request' ? NONE : UNTIL_CLOSE;
  if (length > limits.maxBodyBytes) return 'body_too_large';
  return length === 0 ? NONE : { kind: 'length', length };
}

function responseHasNoBody(status: number, requestMethod: string | undefined): boolean {
  return (
    status < 200 ||
    status === 204 ||
    status === 304 ||
    requestMethod === 'HEAD' ||
    // A successful CONNECT turns the connection into a tunnel: what follows is not this body.
    (requestMethod === 'CONNECT' && status < 300)
  );
}

/** Last transfer coding over all Transfer-Encoding fields, lower-cased; undefined when there is none. */
function finalTransferCoding(headers: HeaderList): string | undefined {
  let last: string | undefined;
  for (const [name, value] of headers) {
    if (name !== 'transfer-encoding') continue;
    for (const coding of value.split(',')) {
      const trimmed = coding.trim();
      if (trimmed !== '' || last === undefined) last = trimmed.toLowerCase();
    }
  }
  return last;
}

/**
 * Content-Length over all its fields. A list of identical values (`5, 5`, or the field repeated)
 * is one length, as RFC 9110 §8.6 allows; differing or non-numeric values are 'bad'.
 */
function contentLength(headers: HeaderList): number | undefined | 'bad' {
  let length: number | undefined;
  for (const [name, value] of headers) {
    if (name !== 'content-length') continue;
    for (const item of value.split(',')) {
      const digits = item.trim();
      if (!/^[0-9]+$/.test(digits)) return 'bad';
      const n = Number(digits);
      if (length !== undefined && n !== length) return 'bad';
      length = n;
    }
  }
  return length;
}
