/**
 * Every internal telemetry event of the agent, one function each: it increments a Prometheus
 * counter and, where a human should know, logs once. Stages and reasons are closed unions so a
 * dashboard query never meets a surprise label, and tests can assert exactly which events fired.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { diagnostics } from './log.js';
import type { Http2DropReason } from '../protocols/http2/types.js';

export const registry = new Registry();

export type DropStage = 'kernel' | 'decode' | 'stream' | 'http' | 'llm' | 'sink';
export type DropReason =
  // kernel (from the loader's counters)
  | 'ringbuf_full_data'
  | 'ringbuf_full_meta'
  | 'too_large'
  | 'read_fault'
  // decode
  | 'unknown_kind'
  | 'short_record'
  // stream
  | 'gap'
  | 'over_capacity'
  | 'too_many_connections'
  // http
  | 'parse_error'
  | 'orphan_response'
  | 'unanswered_request'
  | 'decode_error'
  | `h2_${Http2DropReason}` // an HTTP/2 stream that could not be reported, by the session's reason
  // llm
  | 'adapter_error'
  // sink
  | 'write_error'
  // sink: delivery to a server (src/sinks/delivery, src/sinks/spool)
  | 'spool_full' // the spool reached its byte cap; its oldest segment was deleted
  | 'spool_torn' // a spool line cut short by a crash (kill -9, power loss) was skipped on replay
  | 'spool_corrupt' // a complete spool line that is not a JSON record was skipped on replay
  | 'queue_full' // the in-memory queue in front of the spool was full (the disk is stalled)
  | 'rejected' // the destination said these records are permanently bad (200 with errors, or 400)
  | 'after_close'; // written to a sink after close()

const dropped = new Counter({
  name: 'osprey_records_dropped_total',
  help: 'Things the agent could not deliver, by pipeline stage and reason',
  labelNames: ['stage', 'reason'] as const,
  registers: [registry],
});

const callsEmitted = new Counter({
  name: 'osprey_llm_calls_total',
  help: 'LlmCall records emitted, by provider',
  labelNames: ['provider'] as const,
  registers: [registry],
});

const nonLlmExchanges = new Counter({
  name: 'osprey_http_exchanges_ignored_total',
  help: 'HTTP exchanges seen that no LLM adapter claims (counted, not emitted)',
  registers: [registry],
});

const probesAttached = new Gauge({
  name: 'osprey_probe_targets',
  help: 'Binaries with TLS uprobes attached',
  labelNames: ['library'] as const,
  registers: [registry],
});

/** Bytes are added on every data record: a plain sum there, handed to the counter only when scraped. */
const pendingBytes = { egress: 0, ingress: 0 };
new Counter({
  name: 'osprey_plaintext_bytes_total',
  help: 'Plaintext bytes received from the kernel',
  labelNames: ['direction'] as const,
  registers: [registry],
  collect() {
    for (const direction of ['egress', 'ingress'] as const) {
      if (pendingBytes[direction] > 0) this.inc({ direction }, pendingBytes[direction]);
      pendingBytes[direction] = 0;
    }
  },
});

const delivered = new Counter({
  name: 'osprey_sink_records_delivered_total',
  help: 'Records acknowledged by a remote destination, by sink',
  labelNames: ['sink'] as const,
  registers: [registry],
});

const exportAttempts = new Counter({
  name: 'osprey_sink_export_attempts_total',
  help: 'Export requests to a remote destination, by sink and outcome',
  labelNames: ['sink', 'outcome'] as const,
  registers: [registry],
});

const spoolBytes = new Gauge({
  name: 'osprey_spool_bytes',
  help: 'Bytes held in the on-disk delivery spool (not yet acknowledged by the destination), by sink',
  labelNames: ['sink'] as const,
  registers: [registry],
});

export type ExportOutcomeLabel = 'success' | 'retryable' | 'too_large' | 'bad_request' | 'unauthorized' | 'failure';

/** Kernel counters arrive cumulative; remember the last value to add only the increase. */
const lastKernelDrops = new Map<DropReason, number>();

export const events = {
  recordsDropped(stage: DropStage, reason: DropReason, count = 1): void {
    dropped.inc({ stage, reason }, count);
    diagnostics.debug(`dropped ${count} at ${stage}: ${reason}`);
  },
  kernelDropsTotal(reason: DropReason, cumulative: number): void {
    const before = lastKernelDrops.get(reason) ?? 0;
    if (cumulative > before) {
      dropped.inc({ stage: 'kernel', reason }, cumulative - before);
      diagnostics.warnOnce(`kernel:${reason}`, `kernel dropped data (${reason}); see osprey_records_dropped_total`);
    }
    lastKernelDrops.set(reason, cumulative);
  },
  llmCallEmitted(provider: string): void {
    callsEmitted.inc({ provider });
  },
  nonLlmExchange(): void {
    nonLlmExchanges.inc();
  },
  probeTargetAttached(library: string): void {
    probesAttached.inc({ library });
  },
  plaintextBytes(direction: 'egress' | 'ingress', n: number): void {
    pendingBytes[direction] += n;
  },
  recordsDelivered(sink: string, count: number): void {
    delivered.inc({ sink }, count);
  },
  exportAttempt(sink: string, outcome: ExportOutcomeLabel): void {
    exportAttempts.inc({ sink, outcome });
  },
  spoolSize(sink: string, bytes: number): void {
    spoolBytes.set({ sink }, bytes);
  },
};

/** Current value of the drop counter for one stage/reason (tests and `osprey agent` summaries). */
export async function droppedCount(stage: DropStage, reason: DropReason): Promise<number> {
  const metric = await dropped.get();
  return metric.values.find((v) => v.labels.stage === stage && v.labels.reason === reason)?.value ?? 0;
}
