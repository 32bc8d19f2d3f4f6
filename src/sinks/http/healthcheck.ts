/**
 * `GET {server}/api/health`, kept apart from the sending path (Vector's healthcheck): the agent
 * calls it once at startup to tell the user early that the server is unreachable or the URL is
 * wrong. Its answer never gates delivery; the spool and the sender handle an absent server.
 */
import { healthUrl } from './request-builder.js';
import { describeNetworkError } from './transport.js';

export const DEFAULT_HEALTHCHECK_TIMEOUT_MS = 5000;

export type HealthResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export async function healthcheck(base: URL, timeoutMs = DEFAULT_HEALTHCHECK_TIMEOUT_MS): Promise<HealthResult> {
  const url = healthUrl(base);
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    if (res.status === 200) return { ok: true, status: 200 };
    return { ok: false, status: res.status, error: `${url} answered HTTP ${res.status}` };
  } catch (err) {
    const e = err as { name?: string };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeNetworkError(err);
    return { ok: false, status: null, error: `${url}: ${why}` };
  }
}
