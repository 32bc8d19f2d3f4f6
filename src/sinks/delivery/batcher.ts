/**
 * Collects items in memory and hands them on in batches, shaped like OpenTelemetry JS's
 * BatchSpanProcessorBase: a batch leaves when it is full (count or bytes) or when the oldest
 * queued item is `scheduledDelayMs` old; the queue is bounded and what does not fit is dropped
 * and counted (warned about once, with the running total in the metric); the timer is unref'd;
 * forceFlush() and shutdown() are idempotent. `add()` never awaits, so the capture path never
 * waits for the consumer (here: the spool append).
 */
import { diagnostics } from '../../telemetry/log.js';

export const DEFAULT_MAX_BATCH_SIZE = 512;
export const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
export const DEFAULT_SCHEDULED_DELAY_MS = 1000;
export const DEFAULT_MAX_QUEUE_SIZE = 16_384;
export const DEFAULT_MAX_QUEUE_BYTES = 64 * 1024 * 1024;

export interface BatcherOptions<T> {
  /** Items per batch (?? 512). */
  maxBatchSize?: number;
  /** Bytes per batch, by `sizeOf` (?? 1 MiB); a single larger item still leaves, alone. */
  maxBatchBytes?: number;
  /** Longest an item waits for its batch to fill (?? 1000 ms). */
  scheduledDelayMs?: number;
  /** Items queued, at most (?? 16384). */
  maxQueueSize?: number;
  /** Bytes queued, at most (?? 64 MiB). */
  maxQueueBytes?: number;
  sizeOf: (item: T) => number;
  /** Consumes one batch. Batches are consumed one at a time, in order. A rejection is reported to `onError`. */
  onBatch: (items: T[]) => Promise<void>;
  onError?: (err: unknown, items: T[]) => void;
  /** Items refused because the queue was full (or the batcher shut down). */
  onDrop?: (count: number, reason: 'queue_full' | 'after_close') => void;
  /** Names the batcher in the one warning about drops. */
  name?: string;
}

export class Batcher<T> {
  private readonly maxBatchSize: number;
  private readonly maxBatchBytes: number;
  private readonly scheduledDelayMs: number;
  private readonly maxQueueSize: number;
  private readonly maxQueueBytes: number;
  private queue: T[] = [];
  private queueBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private shutdownPromise: Promise<void> | null = null;
  private droppedTotal = 0;

  constructor(private readonly opts: BatcherOptions<T>) {
    this.maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    this.maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.scheduledDelayMs = opts.scheduledDelayMs ?? DEFAULT_SCHEDULED_DELAY_MS;
    this.maxQueueSize = opts.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE;
    this.maxQueueBytes = opts.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    if (this.maxBatchSize > this.maxQueueSize) throw new RangeError('maxBatchSize must not exceed maxQueueSize');
  }

  get queued(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.droppedTotal;
  }

  /** Queues one item; false when it was dropped (queue full, or shut down). Never blocks. */
  add(item: T): boolean {
    if (this.shutdownPromise) {
      this.drop(1, 'after_close');
      return false;
    }
    const size = this.opts.sizeOf(item);
    if (this.queue.length >= this.maxQueueSize || (this.queue.length > 0 && this.queueBytes + size > this.maxQueueBytes)) {
      this.drop(1, 'queue_full');
      return false;
    }
    this.queue.push(item);
    this.queueBytes += size;
    if (this.queue.length >= this.maxBatchSize || this.queueBytes >= this.maxBatchBytes) this.kick();
    else this.arm();
    return true;
  }

  /** Resolves once every item queued before the call has been consumed (or failed). */
  forceFlush(): Promise<void> {
    this.disarm();
    return this.drain(true);
  }

  /** Flushes, then refuses further items. Idempotent: later calls return the same promise. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.forceFlush();
    return this.shutdownPromise;
  }

  private drop(count: number, reason: 'queue_full' | 'after_close'): void {
    this.droppedTotal += count;
    this.opts.onDrop?.(count, reason);
    if (reason === 'queue_full') {
      diagnostics.warnOnce(
        `batcher-full:${this.opts.name ?? ''}`,
        `${this.opts.name ?? 'batcher'}: queue full (${this.maxQueueSize} records / ${this.maxQueueBytes} bytes); dropping records, total in osprey_records_dropped_total{reason="queue_full"}`,
      );
    }
  }

  private arm(): void {
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // The oldest item is old enough: send what is queued, full batch or not.
      this.kick(true);
    }, this.scheduledDelayMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** Starts consuming now unless a consumer is already running (it will pick full batches up, and re-arm the timer for the rest). */
  private kick(all = false): void {
    this.disarm();
    if (!this.running) void this.drain(all);
  }

  /**
   * Consumes batches until the queue is empty (`all`) or until what is left is not yet a full batch.
   * One consumer at a time; a caller arriving while one runs waits for it and then goes on.
   */
  private async drain(all: boolean): Promise<void> {
    while (this.running) await this.running;
    const target = all ? this.queue.length : 0;
    let consumedForCaller = 0;
    const loop = async (): Promise<void> => {
      for (;;) {
        const full = this.queue.length >= this.maxBatchSize || this.queueBytes >= this.maxBatchBytes;
        const owed = consumedForCaller < target;
        if (this.queue.length === 0 || (!full && !owed)) break;
        const batch = this.take();
        consumedForCaller += batch.length;
        try {
          await this.opts.onBatch(batch);
        } catch (err) {
          this.opts.onError?.(err, batch);
        }
      }
    };
    this.running = loop();
    try {
      await this.running;
    } finally {
      this.running = null;
      // Items that arrived during the run and do not fill a batch wait for the timer.
      if (this.queue.length > 0 && !this.shutdownPromise) this.arm();
    }
  }

  private take(): T[] {
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && n < this.maxBatchSize) {
      const size = this.opts.sizeOf(this.queue[n]!);
      if (n > 0 && bytes + size > this.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    const batch = this.queue.splice(0, n);
    this.queueBytes -= bytes;
    return batch;
  }
}
