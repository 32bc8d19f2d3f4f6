/**
 * The agent → Osprey server sink: `POST {server}/api/v1/llm-calls` with `{"records": [...]}`,
 * gzip, bearer token; batching, retries and the on-disk spool come from src/sinks/delivery.
 */
import { createJsonExporter } from '../delivery/exporter.js';
import { createDeliverySink, type DeliverySink } from '../delivery/sink.js';
import { Spool } from '../spool/spool.js';
import { resolveHttpSinkConfig, type HttpSinkConfig, type RemoteSinkCommon } from './config.js';
import { encodeRecordsBody, parseIngestResponse } from './encoder.js';
import { displayUrl, ingestUrl, requestHeaders } from './request-builder.js';
import { createFetchTransport } from './transport.js';
import type { Exporter } from '../delivery/types.js';

export function createHttpSink(config: HttpSinkConfig): DeliverySink {
  const c = resolveHttpSinkConfig(config);
  const url = ingestUrl(c.baseUrl);
  const exporter = createJsonExporter({
    name: 'server',
    target: displayUrl(url),
    transport: createFetchTransport({ url, headers: requestHeaders({ token: c.token, gzip: c.gzip }) }),
    encode: encodeRecordsBody,
    interpret: parseIngestResponse,
    gzip: c.gzip,
    retry: c.retry,
  });
  return createRemoteSink('server', exporter, c);
}

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
