/** URLs and headers of the Osprey server API, in one place. */

/** Joins an API path onto a base URL that may itself carry a path prefix (`https://host/osprey`). */
export function apiUrl(base: URL, path: string): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${prefix}${path}`, base.origin).toString();
}

export const INGEST_PATH = '/api/v1/llm-calls';
export const HEALTH_PATH = '/api/health';

export function ingestUrl(base: URL): string {
  return apiUrl(base, INGEST_PATH);
}

export function healthUrl(base: URL): string {
  return apiUrl(base, HEALTH_PATH);
}

export function requestHeaders(opts: { token?: string; gzip: boolean; extra?: Record<string, string> }): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.extra };
  if (opts.gzip) headers['content-encoding'] = 'gzip';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return headers;
}

/** The URL as logs may show it: no query string (it might carry a key). */
export function displayUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
