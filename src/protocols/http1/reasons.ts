/**
 * Why parseFrame gave up on a message. A closed union so counters and tests can branch on it;
 * the values are stable: they end up as metric labels.
 */
export type Http1InvalidReason =
  /** Not `METHOD target HTTP/1.x` / `HTTP/1.x NNN reason` (includes HTTP/2 prefaces and garbage). */
  | 'bad_start_line'
  /** A header or trailer line that is not `token: value`, or holds control bytes. */
  | 'bad_header'
  /** Start line + headers (or the trailer section) exceed limits.maxHeaderBytes. */
  | 'headers_too_large'
  /** Declared or de-chunked body exceeds limits.maxBodyBytes. */
  | 'body_too_large'
  | 'bad_content_length'
  /** A request whose final transfer coding is not chunked: its length cannot be known. */
  | 'bad_transfer_encoding'
  /** A chunk-size line that is not `HEX [; ext] CRLF`. */
  | 'bad_chunk_size'
  /** Chunk data not followed by CRLF. */
  | 'bad_chunk_terminator';
