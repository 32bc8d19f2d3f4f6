/**
 * The agent → Osprey server sink: `POST {server}/api/v1/llm-calls` with `{"records": [...]}`,
 * gzip, bearer token; batching, retries and the on-disk spool come from src/sinks/delivery.
 */
import { createJsonExporter } from '../delivery/exporter.js';
import { createDeliverySink, type DeliverySink } from '../delivery/sink.js';
import { createRemoteSink } from '../delivery/remote.js';
import { resolveHttpSinkConfig, type HttpSinkConfig } from './config.js';
import { encodeRecordsBody, parseIngestResponse } from './encoder.js';
import { displayUrl, ingestUrl, requestHeaders } from './request-builder.js';
import { createFetchTransport } from './transport.js';

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
