/** The CLI side of the read API: one GET with the token, answers as JSON, failures as one readable line. */
import { UserFacingError } from '../../util/errors.js';

export interface ApiTarget {
  server: string;
  token?: string;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:7070';
const TIMEOUT_MS = 30_000;

export async function apiGet<T>(target: ApiTarget, path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const base = new URL(target.server);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base.origin);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
  let res: Response;
  try {
    res = await fetch(url, {
      headers: target.token === undefined ? {} : { authorization: `Bearer ${target.token}` },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new UserFacingError(`cannot reach ${base.origin}: ${cause}`, 'OSP_ERR_CLI_SERVER');
  }
  const text = await res.text();
  if (!res.ok) {
    let why = text;
    try {
      why = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: show it as is
    }
    const hint = res.status === 401 ? ' (pass --token or set OSPREY_TOKEN)' : '';
    throw new UserFacingError(`server answered ${res.status}: ${why}${hint}`, 'OSP_ERR_CLI_SERVER');
  }
  return JSON.parse(text) as T;
}
