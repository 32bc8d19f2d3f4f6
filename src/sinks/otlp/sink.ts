/**
 * The OTLP sink: the same LlmCalls as OpenTelemetry GenAI spans over OTLP/HTTP JSON. Only the
 * encoder and the URL differ from the HTTP sink; batching, spool, retries and the transport are
 * the shared ones.
 */
import { createJsonExporter } from '../delivery/exporter.js';
import { createRemoteSink } from '../delivery/remote.js';
import type { DeliverySink } from '../delivery/sink.js';
import { displayUrl, requestHeaders } from '../http/request-builder.js';
import { createFetchTransport } from '../http/transport.js';
import { resolveOtlpSinkConfig, type OtlpSinkConfig } from './config.js';
import { defaultResource, encodeOtlpBody, parseOtlpResponse } from './encoder.js';

export function createOtlpSink(config: OtlpSinkConfig): DeliverySink {
  const c = resolveOtlpSinkConfig(config);
  const resource = defaultResource(c.serviceVersion);
  const exporter = createJsonExporter({
    name: 'otlp',
    target: displayUrl(c.tracesUrl),
    transport: createFetchTransport({ url: c.tracesUrl, headers: requestHeaders({ gzip: c.gzip, extra: c.headers }) }),
    encode: (lines) => encodeOtlpBody(lines, resource),
    interpret: parseOtlpResponse,
    gzip: c.gzip,
    retry: c.retry,
  });
  return createRemoteSink('otlp', exporter, c);
}
