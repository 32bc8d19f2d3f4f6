import { Spool } from '../spool/spool.js';
import type { RemoteSinkCommon } from './config.js';
import { createDeliverySink, type DeliverySink } from './sink.js';
import type { Exporter } from './types.js';

/** Spool + batcher + sender around an exporter: what every remote sink is made of. */
export function createRemoteSink(name: string, exporter: Exporter, c: RemoteSinkCommon): DeliverySink {
  const spool = Spool.open({
    dir: c.spoolDir,
    name,
    maxBytes: c.spoolMaxBytes,
    segmentMaxBytes: c.spoolSegmentBytes,
    replayBatchSize: c.batch?.maxBatchSize,
    replayBatchBytes: c.batch?.maxBatchBytes,
  });
  return createDeliverySink({
    exporter,
    spool,
    batch: c.batch,
    exportDeadlineMs: c.exportDeadlineMs,
    holdMs: c.holdMs,
    pausedRetryMs: c.pausedRetryMs,
    flushTimeoutMs: c.flushTimeoutMs,
    shutdownTimeoutMs: c.shutdownTimeoutMs,
  });
}
