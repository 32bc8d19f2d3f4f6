import { createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { LlmCall } from '../../telemetry/llm-call.js';
import { UserFacingError } from '../../util/errors.js';
import type { Sink } from '../types.js';
import { encodeJsonlLine } from './encoder.js';

/** Bytes queued for the destination before new records are dropped, so a stalled disk or reader cannot exhaust memory. */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export interface JsonlSinkOptions {
  maxBufferedBytes?: number;
}

export interface JsonlSink extends Sink {
  /** Records not written: over the buffer bound, after close, or after the destination failed. */
  readonly droppedRecords: number;
}

/**
 * Writes one LlmCall per line to a file (appending) or to stdout when `target` is `-`.
 * The file is opened synchronously so a bad path fails at startup with a clear message, not later
 * on the first record.
 */
export function createJsonlSink(target: string, options: JsonlSinkOptions = {}): JsonlSink {
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const toStdout = target === '-';
  const out: Writable = toStdout ? process.stdout : openAppendStream(target);

  let issued = 0;
  let completed = 0;
  let failure: Error | undefined;
  let corked = false;
  let closing: Promise<void> | undefined;
  let droppedRecords = 0;
  const waiters: Array<{ upTo: number; resolve: () => void; reject: (err: Error) => void }> = [];

  const settleWaiters = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (failure) w.reject(failure);
      else if (completed >= w.upTo) w.resolve();
      else continue;
      waiters.splice(i, 1);
    }
  };
  // One shared callback, not a closure per record: write callbacks fire in order, so a count is enough.
  const onWritten = (err?: Error | null): void => {
    completed++;
    if (err) failure ??= err;
    settleWaiters();
  };
  // Without a listener, an 'error' (EPIPE on stdout, ENOSPC on the file) would crash the agent.
  out.on('error', (err: Error) => {
    failure ??= err;
    settleWaiters();
  });
  const uncork = (): void => {
    if (!corked) return;
    corked = false;
    out.uncork();
  };

  function write(record: LlmCall): void {
    if (closing || failure || out.writableLength >= maxBufferedBytes) {
      droppedRecords++;
      return;
    }
    // Records written in the same tick leave in one writev instead of one syscall each.
    if (!corked) {
      corked = true;
      out.cork();
      process.nextTick(uncork);
    }
    issued++;
    out.write(encodeJsonlLine(record), onWritten);
  }

  function flush(): Promise<void> {
    uncork();
    if (failure) return Promise.reject(failure);
    if (completed >= issued) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ upTo: issued, resolve, reject }));
  }

  async function closeOnce(): Promise<void> {
    try {
      await flush();
    } finally {
      // stdout belongs to the process (logs, other sinks), so only a file is closed.
      if (!toStdout && !out.destroyed) {
        out.end();
        await finished(out);
      }
    }
  }

  return {
    write,
    flush,
    close: () => (closing ??= closeOnce()),
    get droppedRecords() {
      return droppedRecords;
    },
  };
}

function openAppendStream(path: string): Writable {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (err) {
    throw new UserFacingError(`cannot open JSONL output: ${(err as Error).message}`, 'OSP_ERR_SINK_OPEN');
  }
  return createWriteStream(path, { fd });
}
