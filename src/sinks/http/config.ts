/**
 * Settings of the HTTP sink (agent → Osprey server), with defaults, checked once at startup. A bad
 * value fails with a SinkConfigError that names the field, so `osprey agent` prints one clear line.
 */
import { checkCommon, parseBaseUrl, SinkConfigError, type RemoteSinkCommon } from '../delivery/config.js';

export { SinkConfigError } from '../delivery/config.js';

export const DEFAULT_SPOOL_DIR = '/var/lib/osprey/spool';

export interface HttpSinkConfig extends RemoteSinkCommon {
  /** Base URL of the Osprey server, e.g. `http://127.0.0.1:7070`. */
  server: string;
  /** Ingest token, sent as `Authorization: Bearer <token>`. */
  token: string;
}

export interface ResolvedHttpSinkConfig extends HttpSinkConfig {
  baseUrl: URL;
  gzip: boolean;
}

export function resolveHttpSinkConfig(c: HttpSinkConfig): ResolvedHttpSinkConfig {
  const baseUrl = parseBaseUrl('server', c.server);
  if (typeof c.token !== 'string' || c.token === '') throw new SinkConfigError('token', 'an ingest token is required with a server (--token or OSPREY_TOKEN)');
  if (/\s/.test(c.token)) throw new SinkConfigError('token', 'must not contain whitespace');
  checkCommon(c);
  return { ...c, baseUrl, gzip: c.gzip ?? true };
}
