/**
 * Joins a header block split over HEADERS (or PUSH_PROMISE) and CONTINUATION frames (RFC 9113
 * §4.3), for one direction. Nothing else may come between the frames of a block, so one
 * assembler per direction holds at most one block, and its size is capped where the bytes arrive.
 */

export interface BlockStart {
  kind: 'headers' | 'push_promise';
  streamId: number;
  /** END_STREAM of the HEADERS frame: the block ends its side of the stream. */
  endStream: boolean;
  /** Arrival time of the frame that opened the block. */
  startUs: number;
}

export type BlockStep =
  /** More CONTINUATION frames are due. */
  | { kind: 'pending' }
  /** The whole block: a view of the frame when it came in one, else a copy. */
  | { kind: 'complete'; start: BlockStart; block: Buffer }
  /**
   * A block that cannot be decoded: over the size cap, or frames out of order. Its HPACK
   * insertions are lost with it. `start` is undefined for a CONTINUATION whose opening frame was
   * never seen (lost before a resync).
   */
  | { kind: 'lost'; start: BlockStart | undefined }
  /** A CONTINUATION of a block already given up on: nothing to do. */
  | { kind: 'ignored' };

const PENDING: BlockStep = { kind: 'pending' };
const IGNORED: BlockStep = { kind: 'ignored' };

export class HeaderBlockAssembler {
  private start: BlockStart | undefined;
  private fragments: Buffer[] = [];
  private bytes = 0;
  /** Stream whose over-large block is being skipped until its END_HEADERS. */
  private skipping: number | undefined;

  constructor(private readonly maxBytes: number) {}

  /** A block is open: any frame but its CONTINUATION breaks it (call interrupt()). */
  get open(): boolean {
    return this.start !== undefined || this.skipping !== undefined;
  }

  begin(start: BlockStart, fragment: Buffer, endHeaders: boolean): BlockStep {
    this.reset();
    if (fragment.length > this.maxBytes) return this.giveUp(start, endHeaders);
    if (endHeaders) return { kind: 'complete', start, block: fragment };
    this.start = start;
    // The frame is a view of a buffer that is about to be reused.
    this.fragments.push(Buffer.from(fragment));
    this.bytes = fragment.length;
    return PENDING;
  }

  continue(streamId: number, fragment: Buffer, endHeaders: boolean): BlockStep {
    if (this.skipping !== undefined && streamId === this.skipping) {
      if (endHeaders) this.skipping = undefined;
      return IGNORED;
    }
    const start = this.start;
    if (start === undefined || streamId !== start.streamId) {
      this.reset();
      return { kind: 'lost', start };
    }
    this.bytes += fragment.length;
    if (this.bytes > this.maxBytes) return this.giveUp(start, endHeaders);
    this.fragments.push(Buffer.from(fragment));
    if (!endHeaders) return PENDING;
    const block = Buffer.concat(this.fragments, this.bytes);
    this.reset();
    return { kind: 'complete', start, block };
  }

  /** Another frame arrived while a block was open: the block is lost. Returns how it began, if known. */
  interrupt(): BlockStart | undefined {
    const start = this.start;
    this.reset();
    return start;
  }

  reset(): void {
    this.start = undefined;
    this.fragments = [];
    this.bytes = 0;
    this.skipping = undefined;
  }

  private giveUp(start: BlockStart, endHeaders: boolean): BlockStep {
    this.reset();
    if (!endHeaders) this.skipping = start.streamId;
    return { kind: 'lost', start };
  }
}
