/**
 * Incremental reader of streamed JSON values: the elements of one top-level array as Gemini streams
 * them without `alt=sse` (`[{…}\n,\r\n{…}\n]`), or plain values one after another. Bytes can be
 * pushed in pieces of any size; a value is parsed as soon as its last byte arrives.
 *
 * It scans bytes, not characters: the structural bytes (`{}[]",\`) are ASCII, and ASCII bytes never
 * occur inside a multi-byte UTF-8 sequence, so a character split across pushes cannot confuse it.
 * A value that is not valid JSON is counted and skipped; what follows is still read.
 */

const enum Byte {
  Quote = 0x22,
  Comma = 0x2c,
  Backslash = 0x5c,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

export interface JsonStreamEnd {
  /** Values completed by the end of the stream (a number at the very end, say). */
  values: unknown[];
  /** The stream stopped inside a value, or before the top-level array was closed. */
  truncated: boolean;
  /** Values that were complete but not valid JSON, and stray bytes between values, over the whole stream. */
  errors: number;
}

export class JsonValueStream {
  /** Bytes of the value being read that came in earlier pushes. */
  private held: Buffer[] = [];
  private inValue = false;
  /** A number, true/false/null: ends at the first delimiter rather than at a closing byte. */
  private scalar = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** undefined until the first non-space byte says whether the stream is one array or a sequence. */
  private arrayMode: boolean | undefined;
  private arrayClosed = false;
  private errors = 0;

  /** Values completed by this chunk, in order. */
  push(chunk: Buffer): unknown[] {
    const values: unknown[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.inValue) {
        if (isSpace(b)) continue;
        if (this.arrayMode === undefined) {
          this.arrayMode = b === Byte.OpenBracket;
          if (this.arrayMode) continue;
        }
        if (b === Byte.Comma) continue;
        if (b === Byte.CloseBracket && this.arrayMode && !this.arrayClosed) {
          this.arrayClosed = true;
          continue;
        }
        if (b === Byte.CloseBracket || b === Byte.CloseBrace) {
          this.errors++;
          continue;
        }
        this.inValue = true;
        this.scalar = b !== Byte.OpenBrace && b !== Byte.OpenBracket && b !== Byte.Quote;
        this.inString = b === Byte.Quote;
        this.depth = b === Byte.OpenBrace || b === Byte.OpenBracket ? 1 : 0;
        start = i;
        continue;
      }
      if (this.scalar) {
        if (isSpace(b) || b === Byte.Comma || b === Byte.CloseBracket || b === Byte.CloseBrace) {
          this.emit(chunk.subarray(start, i), values);
          i--; // the delimiter is read again, outside the value
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === Byte.Backslash) this.escaped = true;
        else if (b === Byte.Quote) {
          this.inString = false;
          if (this.depth === 0) this.emit(chunk.subarray(start, i + 1), values);
        }
        continue;
      }
      if (b === Byte.Quote) this.inString = true;
      else if (b === Byte.OpenBrace || b === Byte.OpenBracket) this.depth++;
      else if (b === Byte.CloseBrace || b === Byte.CloseBracket) {
        this.depth--;
        if (this.depth === 0) this.emit(chunk.subarray(start, i + 1), values);
      }
    }
    if (this.inValue) this.held.push(Buffer.from(chunk.subarray(start)));
    return values;
  }

  /** The end of the stream: a trailing scalar is complete now; anything else open is truncated. */
  end(): JsonStreamEnd {
    const values: unknown[] = [];
    let truncated = this.arrayMode === true && !this.arrayClosed;
    if (this.inValue && this.scalar) this.emit(Buffer.alloc(0), values);
    else if (this.inValue) truncated = true;
    return { values, truncated, errors: this.errors };
  }

  private emit(tail: Buffer, into: unknown[]): void {
    const bytes = this.held.length === 0 ? tail : Buffer.concat([...this.held, tail]);
    this.held = [];
    this.inValue = false;
    this.scalar = false;
    this.inString = false;
    this.escaped = false;
    this.depth = 0;
    try {
      into.push(JSON.parse(bytes.toString('utf8')) as unknown);
    } catch {
      this.errors++;
    }
  }
}

/** All values of a complete body. */
export function readJsonValues(body: Buffer): JsonStreamEnd {
  const stream = new JsonValueStream();
  const values = stream.push(body);
  const end = stream.end();
  return { ...end, values: [...values, ...end.values] };
}
