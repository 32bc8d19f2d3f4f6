/**
 * Adapters are data: a provider name, a host test and a path resolver. The resolver says which
 * wire format a path speaks (and whether the URL names the model); `extract` re-resolves the same
 * path, so `matches` and `extract` can never disagree.
 */
import { extractWith, type ResolvedOperation, type WireFormat } from './extract.js';
import { pathOf } from './route.js';
import type { HttpExchange, LlmAdapter, LlmExtraction, RouteInfo } from './types.js';

/** Request path (no query) → the operation it is, or undefined when this API has no such path. */
export type PathResolver = (path: string) => ResolvedOperation | undefined;

/** An API's operations by path suffix, most specific first (`/chat/completions` before `/completions`). */
export type OperationTable = ReadonlyArray<readonly [suffix: string, format: WireFormat]>;

export interface AdapterDefinition {
  provider: string;
  host: (route: RouteInfo) => boolean;
  resolve: PathResolver;
}

/** Every LLM API call we read is a POST; GETs on the same paths list or fetch stored objects. */
export function defineAdapter(def: AdapterDefinition): LlmAdapter {
  return {
    provider: def.provider,
    matches: (route) => route.method === 'POST' && def.host(route) && def.resolve(pathOf(route.path)) !== undefined,
    extract: (exchange) => extractResolved(exchange, def),
  };
}

function extractResolved(exchange: HttpExchange, def: AdapterDefinition): LlmExtraction {
  const op = def.resolve(pathOf(exchange.request.target));
  if (op) return extractWith(exchange, def.provider, op);
  // Only reachable when extract is called without matches; say so rather than guess a format.
  return {
    spanName: 'unknown',
    attributes: { 'gen_ai.provider.name': def.provider, 'gen_ai.operation.name': 'unknown', 'osprey.stream': false },
    warnings: ['request: path is not an operation this adapter reads'],
  };
}

/** True when `path` is `prefix` or below it, segment-wise: `/v1` covers `/v1/x`, not `/v1beta/x`. */
export function isUnder(path: string, prefix: string): boolean {
  if (prefix === '' || prefix === '/') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/' || prefix.endsWith('/'));
}

/** A provider's own host: the path is exactly one of the bases followed by an operation suffix. */
export function exactlyUnder(bases: readonly string[], table: OperationTable): PathResolver {
  return (path) => {
    for (const base of bases) {
      if (!isUnder(path, base)) continue;
      const rest = path.slice(base.length);
      const hit = table.find(([suffix]) => rest === suffix);
      if (hit) return { format: hit[1] };
    }
    return undefined;
  };
}

/**
 * A gateway the user declared: below its prefix, any path that ends with an operation suffix. Base
 * URLs of gateways vary (`/v1`, `/openai/v1`, `/api/providers/x`), the operation names at the end do not.
 */
export function endingWith(prefix: string, table: OperationTable): PathResolver {
  return (path) => {
    if (!isUnder(path, prefix)) return undefined;
    const hit = table.find(([suffix]) => path.endsWith(suffix));
    return hit ? { format: hit[1] } : undefined;
  };
}

/** First resolver that knows the path. */
export function anyOf(...resolvers: PathResolver[]): PathResolver {
  return (path) => {
    for (const resolve of resolvers) {
      const op = resolve(path);
      if (op) return op;
    }
    return undefined;
  };
}
