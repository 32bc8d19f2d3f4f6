/**
 * Settings of the OTLP sink: `POST {url}/v1/traces`, OTLP/HTTP JSON. Defaults and checks like the
 * HTTP sink's; a bad value names the field.
 */
import { checkCommon, parseBaseUrl, SinkConfigError, type RemoteSinkCommon } from '../delivery/config.js';
import { apiUrl } from '../http/request-builder.js';

export interface OtlpSinkConfig extends RemoteSinkCommon {
  /** Collector base URL (`http://collector:4318`), or the full traces URL ending in `/v1/traces`. */
  url: string;
  /** Extra request headers (e.g. a collector's auth header). */
  headers?: Record<string, string>;
  /** service.version on the resource. */
  serviceVersion?: string;
}

export interface ResolvedOtlpSinkConfig extends OtlpSinkConfig {
  tracesUrl: string;
  gzip: boolean;
}

export const TRACES_PATH = '/v1/traces';

export function otlpTracesUrl(base: URL): string {
  if (base.pathname.replace(/\/+$/, '').endsWith(TRACES_PATH)) return `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  return apiUrl(base, TRACES_PATH);
}

export function resolveOtlpSinkConfig(c: OtlpSinkConfig): ResolvedOtlpSinkConfig {
  const base = parseBaseUrl('url', c.url);
  for (const [k, v] of Object.entries(c.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(k) || /[\r\n]/.test(v)) throw new SinkConfigError('headers', `invalid header ${JSON.stringify(k)}`);
  }
  checkCommon(c);
  return { ...c, tracesUrl: otlpTracesUrl(base), gzip: c.gzip ?? true };
}

/**
 * The OpenTelemetry exporter convention for headers: `OTEL_EXPORTER_OTLP_HEADERS` (or the
 * `_TRACES_` one, which wins) as `key1=value1,key2=value2`, values percent-encoded.
 */
export function parseOtlpHeadersEnv(value: string | undefined, field = 'OTEL_EXPORTER_OTLP_HEADERS'): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined || value.trim() === '') return headers;
  for (const pair of value.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SinkConfigError(field, `expected key=value pairs separated by commas, got ${JSON.stringify(pair.trim())}`);
    const key = pair.slice(0, eq).trim().toLowerCase();
    let v: string;
    try {
      v = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      throw new SinkConfigError(field, `bad percent-encoding in the value of ${key}`);
    }
    headers[key] = v;
  }
  return headers;
}
