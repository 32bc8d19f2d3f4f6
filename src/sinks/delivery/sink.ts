/**
 * The sink every remote destination shares: records are queued in memory by a Batcher, each batch
 * is durably appended to the on-disk Spool, and one sender loop takes the oldest spooled batch,
 * exports it (retrying with backoff), and deletes it from the spool only once the destination has
 * acknowledged it. A slow or absent destination only makes the spool grow (up to its cap); the
 * capture path only ever touches the in-memory queue.
 *
 * Per outcome: delivered → ack (records the destination rejected individually are counted and
 * not retried); 413 → split the batch in halves and send each, down to single records; 400 →
 * count the batch as rejected; 401/403 → warn loudly once, keep spooling, try again every
 * `pausedRetryMs`; other statuses (404, 500) → same pause, records kept; transient failures past
 * the retry deadline → keep the batch and try again after `holdMs` (or the server's Retry-After).
 */
import { events, type ExportOutcomeLabel } from '../../telemetry/internal-events.js';
import type { LlmCall } from '../../telemetry/llm-call.js';
import { diagnostics } from '../../telemetry/log.js';
import type { Spool, SpoolStats } from '../spool/spool.js';
import type { Sink } from '../types.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import { MAX_BACKOFF_MS, sleep } from './retry.js';
import type { ExportOutcome, Exporter } from './types.js';

/** One export (all its retries) gives up after this long; the batch stays spooled and is tried again. */
export const DEFAULT_EXPORT_DEADLINE_MS = 60_000;
/** Wait before retrying a batch whose export gave up on transient errors. */
export const DEFAULT_HOLD_MS = MAX_BACKOFF_MS;
/** Wait before trying again after 401/403 or an unexpected status. */
export const DEFAULT_PAUSED_RETRY_MS = 60_000;
export const DEFAULT_FLUSH_TIMEOUT_MS = 30_000;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export type BatchOptions = Omit<BatcherOptions<string>, 'sizeOf' | 'onBatch' | 'onError' | 'onDrop' | 'name'>;

export interface DeliveryOptions {
  exporter: Exporter;
  spool: Spool;
  batch?: BatchOptions;
  exportDeadlineMs?: number;
  holdMs?: number;
  pausedRetryMs?: number;
  /** flush() waits at most this long for acknowledgements (records not acknowledged stay spooled). */
  flushTimeoutMs?: number;
  /** close() tries to deliver what is spooled for at most this long, then leaves the rest for the next run. */
  shutdownTimeoutMs?: number;
}

export interface DeliveryStats {
  queued: number;
  delivered: number;
  rejected: number;
  spool: SpoolStats;
  state: 'idle' | 'sending' | 'holding' | 'paused' | 'stopped';
}

export interface DeliverySink extends Sink {
  /** Resolves once every record written so far is fsync'd in the spool (not necessarily delivered). */
  sync(): Promise<void>;
  stats(): DeliveryStats;
}

type Delivery = { kind: 'done' } | { kind: 'hold'; delayMs: number; remaining: string[]; paused: boolean };

export function createDeliverySink(opts: DeliveryOptions): DeliverySink {
  const { exporter, spool } = opts;
  const name = exporter.name;
  const exportDeadlineMs = opts.exportDeadlineMs ?? DEFAULT_EXPORT_DEADLINE_MS;
  const holdMs = opts.holdMs ?? DEFAULT_HOLD_MS;
  const pausedRetryMs = opts.pausedRetryMs ?? DEFAULT_PAUSED_RETRY_MS;
  const flushTimeoutMs = opts.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;

  let delivered = 0;
  let rejected = 0;
  let state: DeliveryStats['state'] = 'idle';
  let outage: string | null = null;
  let closing: Promise<void> | null = null;
  const stop = new AbortController();

  const batcher = new Batcher<string>({
    ...opts.batch,
    name,
    sizeOf: (line) => line.length + 1,
    onBatch: (lines) => spool.append(lines),
    onDrop: (count, reason) => events.recordsDropped('sink', reason, count),
  });

  // The sender sleeps until the spool changes (an append, an ack) or close() stops it. `dirty`
  // catches a change that lands while the sender is busy looking for work.
  let wake: (() => void) | null = null;
  let dirty = false;
  const poke = (): void => {
    dirty = true;
    const w = wake;
    wake = null;
    w?.();
  };
  const unsubscribe = spool.onChange(poke);
  stop.signal.addEventListener('abort', poke, { once: true });
  const changed = (): Promise<void> => new Promise((resolve) => (wake = resolve));

  const outageListeners = new Set<() => void>();
  function noteOutage(what: string, paused: boolean): void {
    if (outage !== null) return;
    outage = what;
    for (const l of outageListeners) l();
    const msg = paused
      ? `${name}: ${what}. Delivery to ${exporter.target} is paused and records are kept in the spool (${spool.dir}); retrying every ${Math.round(pausedRetryMs / 1000)} s`
      : `${name}: cannot deliver to ${exporter.target} (${what}); records are kept in the spool (${spool.dir}) and retried`;
    diagnostics.warn(msg);
  }

  function noteRecovered(): void {
    if (outage === null) return;
    diagnostics.info(`${name}: delivery to ${exporter.target} resumed`);
    outage = null;
  }

  const label = (o: ExportOutcome): ExportOutcomeLabel =>
    o.kind === 'delivered' ? 'success' : o.kind === 'retry-later' ? 'retryable' : o.kind === 'too-large' ? 'too_large' : o.kind === 'bad-request' ? 'bad_request' : o.kind;

  async function deliver(lines: string[], signal: AbortSignal): Promise<Delivery> {
    const out = await exporter.export(lines, Date.now() + exportDeadlineMs, signal, (error) => {
      if (!signal.aborted) noteOutage(error, false);
    });
    events.exportAttempt(name, label(out));
    switch (out.kind) {
      case 'delivered': {
        noteRecovered();
        const bad = Math.min(out.rejected, lines.length);
        delivered += lines.length - bad;
        events.recordsDelivered(name, lines.length - bad);
        if (bad > 0) {
          rejected += bad;
          events.recordsDropped('sink', 'rejected', bad);
          diagnostics.warnOnce(`rejected:${name}`, `${name}: ${exporter.target} rejected ${bad} record(s) as invalid (first: ${out.firstError ?? 'no reason given'}); counted, not retried`);
        }
        return { kind: 'done' };
      }
      case 'too-large': {
        if (lines.length === 1) {
          events.recordsDropped('sink', 'too_large', 1);
          diagnostics.warnOnce(`too-large:${name}`, `${name}: ${exporter.target} refuses a single record as too large (413); dropped and counted`);
          return { kind: 'done' };
        }
        const mid = Math.ceil(lines.length / 2);
        const first = await deliver(lines.slice(0, mid), signal);
        if (first.kind === 'hold') return { ...first, remaining: [...first.remaining, ...lines.slice(mid)] };
        return deliver(lines.slice(mid), signal);
      }
      case 'bad-request':
        rejected += lines.length;
        events.recordsDropped('sink', 'rejected', lines.length);
        diagnostics.warnOnce(`bad-request:${name}`, `${name}: ${exporter.target} answered 400 to a batch of ${lines.length} record(s) (${out.error}); dropped and counted, not retried`);
        return { kind: 'done' };
      case 'unauthorized':
        noteOutage(`${exporter.target} refused the token (${out.error}); check --token`, true);
        return { kind: 'hold', delayMs: pausedRetryMs, remaining: lines, paused: true };
      case 'failure':
        noteOutage(`${exporter.target} answered ${out.error}`, true);
        return { kind: 'hold', delayMs: pausedRetryMs, remaining: lines, paused: true };
      case 'retry-later':
        if (!signal.aborted) noteOutage(out.error, false);
        return { kind: 'hold', delayMs: out.retryAfterMs ?? holdMs, remaining: lines, paused: false };
    }
  }

  async function run(): Promise<void> {
    while (!stop.signal.aborted) {
      dirty = false;
      const chunk = await spool.next();
      if (!chunk) {
        state = 'idle';
        if (!dirty && !stop.signal.aborted) await changed();
        continue;
      }
      state = 'sending';
      let lines: string[];
      try {
        lines = await spool.load(chunk);
      } catch (err) {
        if (spool.isDropped(chunk)) continue; // the cap deleted its segment meanwhile; already counted
        diagnostics.warn(`${name}: cannot read back a spooled batch (${(err as Error).message}); its ${chunk.count} record(s) are lost`);
        events.recordsDropped('sink', 'write_error', chunk.count);
        await spool.ack(chunk);
        continue;
      }
      // Aborted by close() or by the spool cap dropping this chunk (a retry must not deliver what was counted lost).
      chunk.abort = new AbortController();
      const result = await deliver(lines, AbortSignal.any([stop.signal, chunk.abort.signal]));
      chunk.abort = undefined;
      if (spool.isDropped(chunk)) continue;
      if (result.kind === 'done') {
        await spool.ack(chunk);
        continue;
      }
      spool.requeue(chunk, result.remaining);
      if (stop.signal.aborted) break;
      state = result.paused ? 'paused' : 'holding';
      // Idle until the next attempt: this wait alone does not keep the process alive (the records are on disk).
      await sleep(result.delayMs, stop.signal, true);
    }
    state = 'stopped';
  }
  const sender = run().catch((err: unknown) => {
    // A bug, not a delivery problem: say so, and keep the records (they are in the spool).
    diagnostics.warn(`${name}: delivery loop failed: ${(err as Error).stack ?? String(err)}`);
    state = 'stopped';
  });

  /**
   * Waits until nothing up to chunk `target` is owed, or `timeoutMs` passes, or the destination is
   * failing (an outage or a pause: waiting would only delay the caller; the records are safe on
   * disk). True when everything was delivered.
   */
  async function settled(target: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (spool.hasPendingUpTo(target)) {
      if (Date.now() >= deadline || state === 'stopped' || outage !== null) return false;
      let off = (): void => undefined;
      const outageNoted = new Promise<void>((resolve) => outageListeners.add(resolve));
      await Promise.race([new Promise<void>((resolve) => (off = spool.onChange(resolve))), outageNoted, sleep(Math.min(250, deadline - Date.now()))]);
      off();
      outageListeners.clear();
    }
    return true;
  }

  async function closeOnce(): Promise<void> {
    await batcher.shutdown();
    const all = await settled(spool.lastChunkId, shutdownTimeoutMs);
    stop.abort();
    await sender;
    unsubscribe();
    const left = spool.stats();
    await spool.close();
    if (!all && (left.pendingRecords > 0 || left.unscannedSegments > 0)) {
      diagnostics.warn(`${name}: ${left.pendingRecords > 0 ? `${left.pendingRecords} record(s)` : 'records'} not yet delivered to ${exporter.target} stay in ${spool.dir} and are sent on the next start`);
    }
  }

  return {
    write(record: LlmCall): void {
      let line: string;
      try {
        line = JSON.stringify(record);
      } catch (err) {
        events.recordsDropped('sink', 'write_error');
        diagnostics.warnOnce(`encode:${name}`, `${name}: a record could not be encoded (${(err as Error).message}); dropped`);
        return;
      }
      batcher.add(line);
    },
    sync: () => batcher.forceFlush(),
    async flush() {
      await batcher.forceFlush();
      await settled(spool.lastChunkId, flushTimeoutMs);
    },
    close: () => (closing ??= closeOnce()),
    stats: () => ({ queued: batcher.queued, delivered, rejected, spool: spool.stats(), state }),
  };
}
