/**
 * One Sink that writes every record to several (JSONL + server + OTLP). Each destination is
 * independent: one that throws from write() or fails to flush does not stop the others; flush()
 * and close() wait for all of them, then reject if any failed (with every failure attached).
 */
import type { LlmCall } from '../telemetry/llm-call.js';
import { diagnostics } from '../telemetry/log.js';
import type { Sink } from './types.js';

export interface NamedSink {
  name: string;
  sink: Sink;
}

async function settleAll(sinks: NamedSink[], what: 'flush' | 'close', run: (s: Sink) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(sinks.map((s) => run(s.sink)));
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: sinks[i]!.name, reason: r.reason as unknown }] : []));
  if (failures.length === 0) return;
  const detail = failures.map((f) => `${f.name}: ${(f.reason as Error)?.message ?? String(f.reason)}`).join('; ');
  throw new AggregateError(
    failures.map((f) => f.reason),
    `${what} failed for ${detail}`,
  );
}

export function createFanoutSink(sinks: NamedSink[]): Sink {
  if (sinks.length === 1) return sinks[0]!.sink;
  let closing: Promise<void> | null = null;
  return {
    write(record: LlmCall): void {
      for (const s of sinks) {
        try {
          s.sink.write(record);
        } catch (err) {
          // write() must never throw; if one does anyway, the other destinations still get the record.
          diagnostics.warnOnce(`fanout-write:${s.name}`, `${s.name} sink: write failed: ${(err as Error).message}`);
        }
      }
    },
    flush: () => settleAll(sinks, 'flush', (s) => s.flush()),
    close: () => (closing ??= settleAll(sinks, 'close', (s) => s.close())),
  };
}
