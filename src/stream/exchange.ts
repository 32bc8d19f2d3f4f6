/**
 * An HTTP exchange as a connection completes it, whatever the HTTP version: the boundary between
 * the protocol parsers and the LLM stage. Bodies are de-framed here and content-decoded by
 * decodeBodies(); problems become notes that end up as warnings on the record.
 */
import { decodeContent } from '../protocols/encoding/decode.js';
import { headerValue, type HeaderList } from '../protocols/types.js';
import { events } from '../telemetry/internal-events.js';

export interface CompletedExchange {
  protocolVersion: '1.0' | '1.1' | '2';
  request: {
    method: string;
    target: string;
    /** Host header (HTTP/1) or :authority (HTTP/2), as sent, with any port. */
    authority: string | null;
    headers: HeaderList;
    body: Buffer;
    startUs: number;
    endUs: number;
  };
  response: {
    status: number;
    headers: HeaderList;
    body: Buffer;
    firstByteUs: number;
    endUs: number;
  };
  /** What could not be read cleanly (a body that would not decode, HPACK state lost): warnings on the record. */
  notes: string[];
}

/** Applies Content-Encoding to both bodies, capped at `maxDecodedBytes`; a failure empties that body and notes why. */
export function decodeBodies(ex: CompletedExchange, maxDecodedBytes: number): CompletedExchange {
  const notes = [...ex.notes];
  const decode = (body: Buffer, headers: HeaderList, what: string): Buffer => {
    const encoding = headerValue(headers, 'content-encoding');
    if (!encoding || body.length === 0) return body;
    const r = decodeContent(body, encoding, maxDecodedBytes);
    if (r.ok) return r.body;
    events.recordsDropped('http', 'decode_error');
    notes.push(`${what} body could not be decoded (${encoding}): ${r.reason}`);
    return Buffer.alloc(0);
  };
  return {
    protocolVersion: ex.protocolVersion,
    request: { ...ex.request, body: decode(ex.request.body, ex.request.headers, 'request') },
    response: { ...ex.response, body: decode(ex.response.body, ex.response.headers, 'response') },
    notes,
  };
}
