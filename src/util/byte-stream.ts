/**
 * One direction of one connection as a position-addressed byte buffer. Data arrives as
 * (position, bytes, time); bytes are copied once into a growable buffer so parsers always see a
 * contiguous head without re-concatenation. A position jump is a gap: it is reported, never glued.
 */

export interface ByteStreamLimits {
  /** Most bytes held unconsumed; beyond it the stream is reset and the overflow reported. */
  maxCapacity: number;
}

export type AddOutcome = 'ok' | 'gap' | 'over_capacity';

/** Timestamp of the chunk that starts at a given stream position. */
interface TimeMark {
  pos: number;
  tsUs: number;
}

const INITIAL_CAPACITY = 4096;
const EMPTY = Buffer.alloc(0);

export class ByteStream {
  private buf: Buffer = EMPTY;
  /** Offset in `buf` of the first unconsumed byte, and of the end of valid data. */
  private readAt = 0;
  private writeAt = 0;
  /** Stream position of buf[readAt]. Undefined until the first chunk says where we start. */
  private headPos: number | undefined;
  private marks: TimeMark[] = [];

  constructor(private readonly limits: ByteStreamLimits) {}

  get length(): number {
    return this.writeAt - this.readAt;
  }

  /** Position of the first unconsumed byte. */
  get position(): number {
    return this.headPos ?? 0;
  }

  /**
   * Appends bytes found at stream position `pos`. If `pos` is not where the held data ends, bytes
   * were lost (or the kernel restarted its count): the held data is dropped and the stream restarts
   * at `pos`, and the caller learns it was a gap so parsers can resynchronise.
   */
  add(pos: number, chunk: Buffer, tsUs: number): AddOutcome {
    let outcome: AddOutcome = 'ok';
    if (this.headPos === undefined) {
      this.headPos = pos;
    } else if (pos !== this.headPos + this.length) {
      this.reset(pos);
      outcome = 'gap';
    }
    if (this.length + chunk.length > this.limits.maxCapacity) {
      this.reset(pos + chunk.length);
      return 'over_capacity';
    }
    this.ensureRoom(chunk.length);
    chunk.copy(this.buf, this.writeAt);
    const last = this.marks[this.marks.length - 1];
    if (!last || last.tsUs !== tsUs) this.marks.push({ pos, tsUs });
    this.writeAt += chunk.length;
    return outcome;
  }

  /** The unconsumed bytes, as a view: valid until the next add/consume. */
  head(): Buffer {
    return this.buf.subarray(this.readAt, this.writeAt);
  }

  consume(n: number): void {
    const k = Math.min(n, this.length);
    this.readAt += k;
    this.headPos = this.position + k;
    const firstKeep = this.markIndexAt(this.position);
    if (firstKeep > 0) this.marks.splice(0, firstKeep);
    if (this.readAt === this.writeAt) {
      // Nothing held: give the buffer back, so thousands of idle connections cost nothing.
      this.buf = EMPTY;
      this.readAt = 0;
      this.writeAt = 0;
    }
  }

  /** Time the byte at stream position `pos` arrived (the time of the chunk that carried it). */
  timeAt(pos: number): number {
    const i = this.markIndexAt(pos);
    return this.marks[i]?.tsUs ?? this.marks[this.marks.length - 1]?.tsUs ?? 0;
  }

  /** Drops everything held; the stream continues at `pos`. */
  reset(pos: number): void {
    this.readAt = 0;
    this.writeAt = 0;
    this.headPos = pos;
    this.marks = [];
  }

  /** Index of the last mark at or before `pos` (0 if none). */
  private markIndexAt(pos: number): number {
    let lo = 0;
    let hi = this.marks.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.marks[mid] as TimeMark).pos <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private ensureRoom(extra: number): void {
    if (this.writeAt + extra <= this.buf.length) return;
    const live = this.length;
    // Compact in place when enough space is already consumed, else grow geometrically.
    if (live + extra <= this.buf.length && this.readAt >= this.buf.length / 2) {
      this.buf.copy(this.buf, 0, this.readAt, this.writeAt);
    } else {
      const next = Buffer.allocUnsafe(Math.max(INITIAL_CAPACITY, 2 * (live + extra)));
      this.buf.copy(next, 0, this.readAt, this.writeAt);
      this.buf = next;
    }
    this.readAt = 0;
    this.writeAt = live;
  }
}
