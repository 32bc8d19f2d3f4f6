/** Incremental decoder for `Transfer-Encoding: chunked` (RFC 9112 §7.1). */
import { CR, CRLF, LF, SEMICOLON, hexValue, isFieldByte, isOws } from './bytes.js';
import { parseFieldLine } from './fields.js';
import type { Http1InvalidReason } from './reasons.js';
import type { Http1Limits } from './types.js';

/** Longest chunk-size line, CRLF included. Generous for extensions; nothing legitimate comes close. */
const MAX_CHUNK_SIZE_LINE_BYTES = 4096;

export interface DecodedBody {
  body: Buffer;
  /** Offset just past the message's last byte. */
  end: number;
}

/**
 * Decodes one chunked body, resuming where the previous call stopped so each byte of a body that
 * arrives in many pieces is examined once. It holds offsets into the caller's buffer, never views
 * of it: every call may pass a different Buffer object (same leading bytes, possibly moved or
 * grown), as a stream buffer that compacts itself does.
 *
 * Trailer fields are checked for shape and counted against maxHeaderBytes, then dropped: nothing
 * downstream reads them, and Http1Message has nowhere to put them.
 */
export class ChunkedDecoder {
  readonly kind = 'chunked';
  /** Next byte to interpret. */
  private pos: number;
  private phase: 'size-line' | 'data' | 'trailers' = 'size-line';
  /** Size of the chunk whose data is awaited. */
  private chunkSize = 0;
  /** Where the search for the current line's CRLF resumes. */
  private lineScan: number;
  /** Chunk data as [start, end) offsets, in order. */
  private readonly pieces: Array<readonly [number, number]> = [];
  private bodyLength = 0;
  private trailerBytes = 0;

  constructor(
    bodyStart: number,
    private readonly limits: Http1Limits,
  ) {
    this.pos = bodyStart;
    this.lineScan = bodyStart;
  }

  advance(buf: Buffer): DecodedBody | 'more' | Http1InvalidReason {
    for (;;) {
      if (this.phase === 'data') {
        const dataEnd = this.pos + this.chunkSize;
        if (buf.length < dataEnd + 2) return 'more';
        if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) return 'bad_chunk_terminator';
        this.pieces.push([this.pos, dataEnd]);
        this.pos = dataEnd + 2;
        this.phase = 'size-line';
        continue;
      }

      const budget = this.phase === 'size-line' ? MAX_CHUNK_SIZE_LINE_BYTES : this.limits.maxHeaderBytes - this.trailerBytes;
      const eol = this.findLineEnd(buf, budget);
      if (eol === 'more') return 'more';
      if (eol === 'over_budget') return this.phase === 'size-line' ? 'bad_chunk_size' : 'headers_too_large';
      const lineStart = this.pos;
      this.pos = eol + 2;

      if (this.phase === 'size-line') {
        const size = parseChunkSize(buf, lineStart, eol, this.limits.maxBodyBytes - this.bodyLength);
        if (typeof size === 'string') return size;
        this.bodyLength += size;
        this.chunkSize = size;
        this.phase = size === 0 ? 'trailers' : 'data';
        continue;
      }

      // Trailer section: field lines up to an empty line.
      this.trailerBytes += eol + 2 - lineStart;
      if (eol === lineStart) return { body: this.assemble(buf), end: this.pos };
      if (parseFieldLine(buf, lineStart, eol) === undefined) return 'bad_header';
    }
  }

  /**
   * Offset of the CRLF ending the line at `pos`. The line's length is judged the same way whether
   * or not its CRLF has arrived, so the verdict does not depend on how the bytes were split.
   */
  private findLineEnd(buf: Buffer, budget: number): number | 'more' | 'over_budget' {
    const eol = buf.indexOf(CRLF, Math.max(this.pos, this.lineScan));
    // Without a CRLF yet, the line is at least one byte longer than what is here.
    const lineBytes = eol === -1 ? buf.length + 1 - this.pos : eol + 2 - this.pos;
    if (lineBytes > budget) return 'over_budget';
    if (eol !== -1) return eol;
    // A CR at the very end may be the first half of the CRLF: look at it again next time.
    this.lineScan = Math.max(this.pos, buf.length - 1);
    return 'more';
  }

  /** The body: a view of `buf` when it came in one chunk, else one copy of all chunks. */
  private assemble(buf: Buffer): Buffer {
    const only = this.pieces.length === 1 ? this.pieces[0] : undefined;
    if (only) return buf.subarray(only[0], only[1]);
    const body = Buffer.allocUnsafe(this.bodyLength);
    let at = 0;
    for (const [start, end] of this.pieces) at += buf.copy(body, at, start, end);
    return body;
  }
}

/** `1*HEXDIG [BWS ; chunk-ext]` in buf[start..end); `room` is how many body bytes the limit still allows. */
function parseChunkSize(buf: Buffer, start: number, end: number, room: number): number | Http1InvalidReason {
  let i = start;
  let size = 0;
  for (; i < end; i++) {
    const digit = hexValue(buf[i]);
    if (digit < 0) break;
    size = size * 16 + digit;
    // Checked per digit, so a hundred-digit size cannot lose precision on its way past the limit.
    if (size > room) return 'body_too_large';
  }
  if (i === start) return 'bad_chunk_size';
  while (i < end && isOws(buf[i])) i++;
  if (i < end && buf[i] !== SEMICOLON) return 'bad_chunk_size';
  for (; i < end; i++) if (!isFieldByte(buf[i])) return 'bad_chunk_size';
  return size;
}
