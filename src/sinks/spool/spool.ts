/**
 * A bounded, append-only on-disk spool of records waiting for a remote destination.
 *
 * Layout: `<dir>/segment-<seq>.jsonl`, one JSON record per line, plus `<dir>/lock` (pid of the
 * owner). A batch is appended to the current segment with one write and one fdatasync, so a
 * record is durable before the sender ever sees it. A segment is deleted once every record in it
 * is acknowledged; a process never appends to a segment from an earlier run (its tail may be
 * torn), it replays those first. Past `maxBytes`, whole segments are dropped oldest first and
 * counted (`spool_full`). On replay, a last line cut short by a crash is skipped and counted
 * (`spool_torn`), and a complete line that is not a JSON record with a span_id is skipped and
 * counted (`spool_corrupt`): a damaged spool costs the damaged records, never a crash.
 *
 * Delivery is at least once: a crash between the destination's acknowledgement and the segment's
 * deletion sends those records again (the destination deduplicates by span_id).
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, fsyncSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { events } from '../../telemetry/internal-events.js';
import { diagnostics } from '../../telemetry/log.js';
import { UserFacingError } from '../../util/errors.js';

export const DEFAULT_SPOOL_MAX_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_SEGMENT_MAX_BYTES = 16 * 1024 * 1024;
/** Record text kept in memory for the sender; past this, batches are read back from disk when their turn comes. */
export const DEFAULT_MAX_CACHED_BYTES = 32 * 1024 * 1024;
/** Replayed segments are cut into batches of at most this many records and bytes. */
export const DEFAULT_REPLAY_BATCH_SIZE = 512;
export const DEFAULT_REPLAY_BATCH_BYTES = 1024 * 1024;

const SEGMENT_RE = /^segment-(\d{12})\.jsonl$/;
const segmentName = (seq: number): string => `segment-${String(seq).padStart(12, '0')}.jsonl`;

export interface SpoolOptions {
  dir: string;
  /** Label for metrics and logs (`server`, `otlp`). */
  name: string;
  /** Cap on the bytes of all segments (?? 1 GiB). */
  maxBytes?: number;
  /** A segment is closed and a new one started past this size (?? min(16 MiB, maxBytes / 8)). */
  segmentMaxBytes?: number;
  maxCachedBytes?: number;
  replayBatchSize?: number;
  replayBatchBytes?: number;
}

/** A batch of records stored together: appended in one write, sent as one export, acknowledged together. */
export interface Chunk {
  readonly id: number;
  readonly segment: Segment | null;
  readonly offset: number;
  readonly length: number;
  /** Records still owed to the destination (a 413 split may deliver part of a chunk first). */
  count: number;
  /** The record lines (no newline) when held in memory; null when only on disk. */
  lines: string[] | null;
  state: 'queued' | 'inflight' | 'acked' | 'dropped';
  /** Set by the sender while exporting; the cap aborts it when it drops the chunk. */
  abort?: AbortController;
}

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  /** From this run: still open for appends. */
  fh: FileHandle | null;
  /** Replayed segments are read and cut into chunks only when the sender reaches them. */
  scanned: boolean;
  chunks: Chunk[];
  /** An append to it is in progress: an ack must not delete it under the write. */
  busy: boolean;
}

export interface SpoolStats {
  bytes: number;
  segments: number;
  /** Records not yet acknowledged, as far as known (replayed segments not yet read count 0). */
  pendingRecords: number;
  unscannedSegments: number;
}

export class Spool {
  readonly dir: string;
  readonly name: string;
  private readonly maxBytes: number;
  private readonly segmentMaxBytes: number;
  private readonly maxCachedBytes: number;
  private readonly replayBatchSize: number;
  private readonly replayBatchBytes: number;
  private readonly segments: Segment[] = [];
  /** Batches whose append failed (disk full, I/O error): kept in memory only, so a failing disk does not stop delivery. */
  private readonly memoryChunks: Chunk[] = [];
  private current: Segment | null = null;
  private nextSeq: number;
  private nextChunkId = 1;
  private cachedBytes = 0;
  private totalBytes = 0;
  private appendChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly lockPath: string;
  private readonly changeListeners = new Set<() => void>();

  /** Opens (creating) the spool directory, takes its lock and lists what an earlier run left. Synchronous: runs at startup. */
  static open(opts: SpoolOptions): Spool {
    return new Spool(opts);
  }

  private constructor(opts: SpoolOptions) {
    this.dir = opts.dir;
    this.name = opts.name;
    this.maxBytes = opts.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.segmentMaxBytes = opts.segmentMaxBytes ?? Math.max(4096, Math.min(DEFAULT_SEGMENT_MAX_BYTES, Math.floor(this.maxBytes / 8)));
    this.maxCachedBytes = opts.maxCachedBytes ?? DEFAULT_MAX_CACHED_BYTES;
    this.replayBatchSize = opts.replayBatchSize ?? DEFAULT_REPLAY_BATCH_SIZE;
    this.replayBatchBytes = opts.replayBatchBytes ?? DEFAULT_REPLAY_BATCH_BYTES;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new UserFacingError(`cannot create spool directory ${this.dir}: ${(err as Error).message}`, 'OSP_ERR_SPOOL_OPEN');
    }
    this.lockPath = join(this.dir, 'lock');
    takeLock(this.lockPath, this.dir);
    let maxSeq = 0;
    const found: Array<{ seq: number; name: string }> = [];
    for (const name of readdirSync(this.dir)) {
      const m = SEGMENT_RE.exec(name);
      if (m) found.push({ seq: Number(m[1]), name });
    }
    found.sort((a, b) => a.seq - b.seq);
    for (const { seq, name } of found) {
      const path = join(this.dir, name);
      const bytes = statSync(path).size;
      maxSeq = Math.max(maxSeq, seq);
      if (bytes === 0) {
        rmSync(path, { force: true });
        continue;
      }
      this.segments.push({ seq, path, bytes, fh: null, scanned: false, chunks: [], busy: false });
      this.totalBytes += bytes;
    }
    this.nextSeq = maxSeq + 1;
    if (this.segments.length > 0) {
      diagnostics.info(`${this.name}: replaying ${this.segments.length} spool segment(s), ${this.totalBytes} bytes, from ${this.dir}`);
    }
    this.reportSize();
  }

  stats(): SpoolStats {
    let pending = 0;
    for (const s of this.segments) for (const c of s.chunks) if (c.state === 'queued' || c.state === 'inflight') pending += c.count;
    for (const c of this.memoryChunks) if (c.state === 'queued' || c.state === 'inflight') pending += c.count;
    return { bytes: this.totalBytes, segments: this.segments.length, pendingRecords: pending, unscannedSegments: this.segments.filter((s) => !s.scanned).length };
  }

  /** Called after every append, ack and drop (the sender waits on it; flush() checks progress). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Id of the newest chunk created so far: flush() waits until nothing at or below it is pending. */
  get lastChunkId(): number {
    return this.nextChunkId - 1;
  }

  /** True when some record with chunk id <= `id` (or any not-yet-read replayed record) is still owed. */
  hasPendingUpTo(id: number): boolean {
    for (const s of this.segments) {
      if (!s.scanned) return true;
      for (const c of s.chunks) if (c.id <= id && (c.state === 'queued' || c.state === 'inflight')) return true;
    }
    return this.memoryChunks.some((c) => c.id <= id && (c.state === 'queued' || c.state === 'inflight'));
  }

  /**
   * Durably appends one batch (lines without newlines). Resolves after the data is fsync'd; appends
   * are serialized in call order. Never rejects: when the disk fails, the batch is kept in memory
   * only (warned once) so delivery goes on.
   */
  append(lines: string[]): Promise<void> {
    const run = this.appendChain.then(() => this.appendNow(lines));
    this.appendChain = run.catch(() => undefined);
    return run;
  }

  private async appendNow(lines: string[]): Promise<void> {
    if (this.closed || lines.length === 0) {
      if (this.closed && lines.length > 0) events.recordsDropped('sink', 'after_close', lines.length);
      return;
    }
    const text = `${lines.join('\n')}\n`;
    const buf = Buffer.from(text, 'utf8');
    if (buf.length > this.maxBytes) {
      events.recordsDropped('sink', 'spool_full', lines.length);
      diagnostics.warnOnce(`spool-huge:${this.name}`, `${this.name}: a batch of ${buf.length} bytes is larger than the whole spool (${this.maxBytes} bytes); dropped`);
      return;
    }
    let seg: Segment | null = null;
    let offset = 0;
    try {
      seg = await this.writable();
      seg.busy = true;
      offset = seg.bytes;
      await seg.fh!.write(buf, 0, buf.length);
      await seg.fh!.datasync();
      seg.bytes += buf.length;
      this.totalBytes += buf.length;
    } catch (err) {
      if (seg) seg.busy = false;
      diagnostics.warnOnce(
        `spool-write:${this.name}`,
        `${this.name}: cannot write the spool in ${this.dir} (${(err as Error).message}); keeping records in memory only until it works again`,
      );
      if (seg) await this.sealAfterError(seg);
      const chunk = this.newChunk(null, 0, buf.length, lines, true);
      this.memoryChunks.push(chunk);
      this.boundMemoryChunks();
      this.changed();
      return;
    }
    const chunk = this.newChunk(seg, offset, buf.length, lines, false);
    seg.chunks.push(chunk);
    seg.busy = false;
    if (seg.bytes >= this.segmentMaxBytes) await this.seal(seg);
    await this.enforceCap();
    this.reportSize();
    this.changed();
  }

  /** Memory-only batches (the disk failed) are bounded like the cache: past it, the oldest waiting one goes. */
  private boundMemoryChunks(): void {
    let bytes = this.memoryChunks.reduce((n, c) => n + c.length, 0);
    for (const c of [...this.memoryChunks]) {
      if (bytes <= this.maxCachedBytes) break;
      if (c.state !== 'queued') continue;
      bytes -= c.length;
      c.state = 'dropped';
      this.release(c);
      this.memoryChunks.splice(this.memoryChunks.indexOf(c), 1);
      events.recordsDropped('sink', 'write_error', c.count);
    }
  }

  private newChunk(segment: Segment | null, offset: number, length: number, lines: string[], forceCache: boolean): Chunk {
    const cache = forceCache || this.cachedBytes + length <= this.maxCachedBytes;
    if (cache) this.cachedBytes += length;
    return { id: this.nextChunkId++, segment, offset, length, count: lines.length, lines: cache ? lines : null, state: 'queued' };
  }

  private async writable(): Promise<Segment> {
    if (this.current) return this.current;
    const seq = this.nextSeq++;
    const path = join(this.dir, segmentName(seq));
    const fh = await open(path, 'wx', 0o600);
    // The new name must survive a crash too, not just the data.
    await fsyncDir(this.dir);
    const seg: Segment = { seq, path, bytes: 0, fh, scanned: true, chunks: [], busy: false };
    this.segments.push(seg);
    this.current = seg;
    return seg;
  }

  private async seal(seg: Segment): Promise<void> {
    if (this.current === seg) this.current = null;
    const fh = seg.fh;
    seg.fh = null;
    await fh?.close().catch(() => undefined);
  }

  private async sealAfterError(seg: Segment): Promise<void> {
    await this.seal(seg);
    try {
      const real = statSync(seg.path).size;
      this.totalBytes += real - seg.bytes;
      seg.bytes = real;
    } catch {
      // gone: leave the accounting as it was
    }
  }

  /**
   * The oldest chunk that is waiting to be sent, reading a replayed segment when the sender gets to
   * it. Marks it in flight. Undefined when nothing is waiting.
   */
  async next(): Promise<Chunk | undefined> {
    const mem = this.memoryChunks.find((c) => c.state === 'queued');
    if (mem) {
      mem.state = 'inflight';
      return mem;
    }
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (!seg.scanned) await this.scan(seg);
      const chunk = seg.chunks.find((c) => c.state === 'queued');
      if (chunk) {
        chunk.state = 'inflight';
        return chunk;
      }
    }
    return undefined;
  }

  /** The lines of a chunk, from memory or read back from its segment. */
  async load(chunk: Chunk): Promise<string[]> {
    if (chunk.lines) return chunk.lines;
    const seg = chunk.segment!;
    const fh = await open(seg.path, 'r');
    try {
      const buf = Buffer.alloc(chunk.length);
      await fh.read(buf, 0, chunk.length, chunk.offset);
      const lines = buf.toString('utf8').split('\n');
      lines.pop(); // the text after the final newline is empty
      return lines;
    } finally {
      await fh.close();
    }
  }

  /** A chunk the sender could not deliver yet goes back to the front of the line. */
  requeue(chunk: Chunk, remaining?: string[]): void {
    if (chunk.state !== 'inflight') return;
    chunk.state = 'queued';
    if (remaining && remaining.length < chunk.count) {
      // A 413 split delivered the first part: keep only what is still owed, in memory (it is small).
      chunk.count = remaining.length;
      if (!chunk.lines) this.cachedBytes += chunk.length;
      chunk.lines = remaining;
    }
  }

  /** True once the cap dropped the chunk (its records are counted as lost): the sender forgets it. */
  isDropped(chunk: Chunk): boolean {
    return chunk.state === 'dropped';
  }

  /** The destination has the chunk: forget it, and delete its segment once nothing in it is owed. */
  async ack(chunk: Chunk): Promise<void> {
    if (chunk.state === 'acked' || chunk.state === 'dropped') return;
    chunk.state = 'acked';
    this.release(chunk);
    if (!chunk.segment) {
      this.memoryChunks.splice(this.memoryChunks.indexOf(chunk), 1);
    } else {
      const seg = chunk.segment;
      if (seg.scanned && !seg.busy && seg.chunks.every((c) => c.state === 'acked' || c.state === 'dropped')) await this.remove(seg);
    }
    this.reportSize();
    this.changed();
  }

  private release(chunk: Chunk): void {
    if (chunk.lines) this.cachedBytes -= chunk.length;
    chunk.lines = null;
  }

  private async remove(seg: Segment): Promise<void> {
    const i = this.segments.indexOf(seg);
    if (i < 0) return;
    this.segments.splice(i, 1);
    this.totalBytes -= seg.bytes;
    await this.seal(seg);
    await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') diagnostics.warnOnce(`spool-unlink:${this.name}`, `${this.name}: cannot delete ${seg.path}: ${err.message}`);
    });
  }

  /**
   * Drops whole segments, oldest first, until the spool fits its cap. A batch in flight in the
   * oldest segment goes too (the sender forgets it when its export returns): "oldest first" holds
   * even while the destination is down and the oldest batch is being retried.
   */
  private async enforceCap(): Promise<void> {
    while (this.totalBytes > this.maxBytes && this.segments.length > 0) {
      const victim = this.segments.find((s) => s !== this.current) ?? this.segments[0]!;
      await this.dropSegment(victim);
    }
  }

  private async dropSegment(seg: Segment): Promise<void> {
    let lost = 0;
    if (seg.scanned) {
      for (const c of seg.chunks) {
        if (c.state === 'queued' || c.state === 'inflight') {
          lost += c.count;
          c.state = 'dropped';
          c.abort?.abort();
          this.release(c);
        }
      }
    } else {
      lost = countCompleteLines(await readFile(seg.path).catch(() => Buffer.alloc(0)));
    }
    await this.remove(seg);
    if (lost > 0) {
      events.recordsDropped('sink', 'spool_full', lost);
      diagnostics.warnOnce(
        `spool-full:${this.name}`,
        `${this.name}: spool in ${this.dir} reached its cap of ${this.maxBytes} bytes; dropping the oldest records (counted in osprey_records_dropped_total{reason="spool_full"})`,
      );
    }
  }

  /** Reads a segment left by an earlier run and cuts its good lines into chunks. */
  private async scan(seg: Segment): Promise<void> {
    let buf: Buffer;
    try {
      buf = await readFile(seg.path);
    } catch (err) {
      seg.scanned = true;
      diagnostics.warn(`${this.name}: cannot read spool segment ${seg.path}: ${(err as Error).message}; skipping it`);
      await this.remove(seg);
      return;
    }
    // Marked only now, with its chunks in place below: until then flush() counts it as pending.
    seg.scanned = true;
    if (!this.segments.includes(seg)) return; // the cap dropped it (and counted it) while it was read
    const text = buf.toString('utf8');
    const parts = text.split('\n');
    const tail = parts.pop() ?? '';
    let torn = tail.length > 0 ? 1 : 0;
    let corrupt = 0;
    let batch: string[] = [];
    let batchBytes = 0;
    const cut = (): void => {
      if (batch.length === 0) return;
      // Id 0: older than anything written in this run, so flush() waits for replayed records too.
      const chunk: Chunk = { id: 0, segment: seg, offset: 0, length: batchBytes, count: batch.length, lines: batch, state: 'queued' };
      this.cachedBytes += batchBytes;
      seg.chunks.push(chunk);
      batch = [];
      batchBytes = 0;
    };
    for (const line of parts) {
      if (line === '') continue;
      if (!isRecordLine(line)) {
        // A NUL-filled or half-written line inside the file is what a power cut leaves behind.
        if (line.includes('\u0000') || !line.endsWith('}')) torn++;
        else corrupt++;
        continue;
      }
      const bytes = Buffer.byteLength(line) + 1;
      if (batch.length >= this.replayBatchSize || (batch.length > 0 && batchBytes + bytes > this.replayBatchBytes)) cut();
      batch.push(line);
      batchBytes += bytes;
    }
    cut();
    if (torn > 0) {
      events.recordsDropped('sink', 'spool_torn', torn);
      diagnostics.warn(`${this.name}: skipped ${torn} torn record(s) in ${seg.path} (left by a crash)`);
    }
    if (corrupt > 0) {
      events.recordsDropped('sink', 'spool_corrupt', corrupt);
      diagnostics.warn(`${this.name}: skipped ${corrupt} unreadable record(s) in ${seg.path}`);
    }
    if (seg.chunks.length === 0) await this.remove(seg);
  }

  /** Stops appends, closes the open segment and releases the lock. What is not acknowledged stays for the next run. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.appendChain;
    this.closed = true;
    if (this.current) await this.seal(this.current);
    for (const s of this.segments) await this.seal(s);
    rmSync(this.lockPath, { force: true });
    openHere.delete(this.lockPath);
    this.changed();
  }

  private reportSize(): void {
    events.spoolSize(this.name, this.totalBytes);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }
}

function isRecordLine(line: string): boolean {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null && typeof (v as { span_id?: unknown }).span_id === 'string';
  } catch {
    return false;
  }
}

function countCompleteLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Spool directories this process has open: the lock file alone cannot tell our own lock from a previous incarnation's. */
const openHere = new Set<string>();

/**
 * One process per spool directory. The lock file holds the owner's pid; a lock is stale (taken
 * over) when that pid is gone, is not a node/osprey process (the pid was reused), or is our own
 * pid but not opened by us: in a container the agent may get the same pid (often 1) on every
 * restart, and must not lock itself out.
 */
function takeLock(lockPath: string, dir: string): void {
  if (openHere.has(lockPath)) {
    throw new UserFacingError(`spool directory ${dir} is already open in this process; give each sink its own spool directory`, 'OSP_ERR_SPOOL_LOCKED');
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      fsyncSync(fd);
      closeSync(fd);
      openHere.add(lockPath);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UserFacingError(`cannot lock spool directory ${dir}: ${(err as Error).message}`, 'OSP_ERR_SPOOL_OPEN');
      }
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      // vanished between open and read: try again
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isLiveOwner(owner)) {
      throw new UserFacingError(`spool directory ${dir} is in use by process ${owner}; give each agent its own --spool-dir`, 'OSP_ERR_SPOOL_LOCKED');
    }
    rmSync(lockPath, { force: true });
  }
  throw new UserFacingError(`cannot lock spool directory ${dir}`, 'OSP_ERR_SPOOL_OPEN');
}

function isLiveOwner(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|osprey/.test(cmdline);
  } catch {
    return true; // alive but unreadable: assume it is an agent
  }
}
