/** Helpers adapters use to decide whether an exchange is theirs. */
import type { HttpExchange, RouteInfo } from './types.js';

/** The query part of a request target as sent, without the `?`; undefined when it has none. */
export function rawQueryOf(target: string): string | undefined {
  const q = target.indexOf('?');
  return q === -1 ? undefined : target.slice(q + 1);
}

/** The path part of a request target: `/v1/chat/completions?x=1` → `/v1/chat/completions`. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** The query parameters of a request target; empty when there is no `?`. */
export function queryOf(target: string): URLSearchParams {
  const q = target.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
}

/** Lower-cased, without the trailing dot a fully qualified name may end with. */
export function normalizeHost(serverName: string): string {
  const name = serverName.endsWith('.') ? serverName.slice(0, -1) : serverName;
  return name.toLowerCase();
}

/** Host names compare case-insensitively, and a fully qualified name may end with a dot. */
export function isHost(serverName: string | null, host: string): boolean {
  return serverName !== null && normalizeHost(serverName) === host;
}

/** `*.openai.azure.com` matches one or more labels before the suffix, never the bare suffix. */
export function isHostUnder(serverName: string | null, suffix: string): boolean {
  return serverName !== null && normalizeHost(serverName).endsWith(`.${suffix}`);
}

/** The route of an exchange, for adapters' `matches`. */
export function routeOf(exchange: HttpExchange): RouteInfo {
  return {
    serverName: exchange.serverName,
    serverPort: exchange.serverPort,
    method: exchange.request.method,
    path: pathOf(exchange.request.target),
  };
}

/** A path segment with `%xx` escapes undone; a malformed escape leaves it as sent. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
