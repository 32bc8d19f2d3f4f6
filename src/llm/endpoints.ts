/**
 * Endpoints a user declares in the agent's YAML config, so that gateways and self-hosted models
 * (LiteLLM, vLLM, internal proxies) are read like the API they speak:
 *
 * ```yaml
 * endpoints:
 *   - name: litellm
 *     match: litellm.internal:4000          # host[:port][/path-prefix]
 *     api: openai                           # openai | anthropic | ollama | gemini | cohere
 *   - name: vllm-llama
 *     match: 10.0.3.7:8000/v1
 *     api: openai
 *     provider: vllm                        # gen_ai.provider.name; default: the API's own
 * ```
 *
 * `host` may be `*` (any host, for a port) or `*.suffix`. A scheme (`http://`) is tolerated and
 * dropped. Below the prefix, any path that ends like one of the API's operations is read.
 */
import { defineAdapter, endingWith, type PathResolver } from './adapter.js';
import { ANTHROPIC_OPERATIONS } from './anthropic/api.js';
import { COHERE_OPERATIONS } from './cohere/api.js';
import { geminiPaths } from './gemini/api.js';
import { isObject } from './json.js';
import { OLLAMA_OPERATIONS } from './ollama/api.js';
import { OPENAI_OPERATIONS } from './openai/api.js';
import { isHost, isHostUnder } from './route.js';
import type { LlmAdapter, RouteInfo } from './types.js';
import { UserFacingError } from '../util/errors.js';

export const ENDPOINT_APIS = ['openai', 'anthropic', 'ollama', 'gemini', 'cohere'] as const;
export type EndpointApi = (typeof ENDPOINT_APIS)[number];

export interface EndpointConfig {
  name: string;
  /** As written in the config. */
  match: string;
  /** Lower-cased host, `*` or `*.suffix`. */
  host: string;
  /** null: any port. */
  port: number | null;
  /** `''` or a path starting with `/`, without a trailing `/`. */
  pathPrefix: string;
  api: EndpointApi;
  /** gen_ai.provider.name for its records. */
  provider: string;
}

/** A config error that names the entry and the field, with a stable code. */
export class EndpointConfigError extends UserFacingError {
  constructor(
    /** The entry's name, or `#<index>` when it has none. */
    readonly entry: string,
    readonly field: string,
    detail: string,
  ) {
    super(`config endpoints[${entry}].${field}: ${detail}`, 'OSP_ERR_CONFIG_ENDPOINT');
  }
}

/** Each API's path resolver below a prefix, and the provider name its records carry by default. */
const API_SPECS: { [A in EndpointApi]: { provider: string; paths: (prefix: string) => PathResolver } } = {
  openai: { provider: 'openai', paths: (prefix) => endingWith(prefix, OPENAI_OPERATIONS) },
  anthropic: { provider: 'anthropic', paths: (prefix) => endingWith(prefix, ANTHROPIC_OPERATIONS) },
  ollama: { provider: 'ollama', paths: (prefix) => endingWith(prefix, [...OLLAMA_OPERATIONS, ...OPENAI_OPERATIONS]) },
  gemini: { provider: 'gcp.gemini', paths: (prefix) => geminiPaths(prefix) },
  cohere: { provider: 'cohere', paths: (prefix) => endingWith(prefix, COHERE_OPERATIONS) },
};

const KNOWN_FIELDS = new Set(['name', 'match', 'api', 'provider']);
// host: a DNS name or IPv4 address, `*`, `*.suffix`, or a bracketed IPv6 address.
const MATCH = /^(\*|\*\.[a-z0-9.-]+|[a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?(\/.*)?$/i;

/** The `endpoints:` section (already YAML-parsed). Absent or null is no endpoints. Throws EndpointConfigError. */
export function parseEndpointsConfig(raw: unknown): EndpointConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new EndpointConfigError('*', 'endpoints', 'must be a list of entries');
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const config = parseEntry(entry, i);
    if (seen.has(config.name)) throw new EndpointConfigError(config.name, 'name', 'is used by an earlier entry');
    seen.add(config.name);
    return config;
  });
}

function parseEntry(entry: unknown, index: number): EndpointConfig {
  const anonymous = `#${index}`;
  if (!isObject(entry)) throw new EndpointConfigError(anonymous, 'entry', 'must be a mapping with name, match and api');
  const name = entry['name'];
  if (typeof name !== 'string' || name.trim() === '') throw new EndpointConfigError(anonymous, 'name', 'must be a non-empty string');
  for (const key of Object.keys(entry)) {
    if (!KNOWN_FIELDS.has(key)) throw new EndpointConfigError(name, key, `unknown field (expected one of ${[...KNOWN_FIELDS].join(', ')})`);
  }
  const api = entry['api'];
  if (typeof api !== 'string' || !(ENDPOINT_APIS as readonly string[]).includes(api)) {
    throw new EndpointConfigError(name, 'api', `must be one of ${ENDPOINT_APIS.join(', ')}`);
  }
  const provider = entry['provider'];
  if (provider !== undefined && (typeof provider !== 'string' || provider.trim() === '')) {
    throw new EndpointConfigError(name, 'provider', 'must be a non-empty string when given');
  }
  const match = entry['match'];
  if (typeof match !== 'string') throw new EndpointConfigError(name, 'match', 'must be a string host[:port][/path-prefix]');
  const endpointApi = api as EndpointApi;
  return { name, match, ...parseMatch(name, match), api: endpointApi, provider: (provider as string | undefined)?.trim() ?? API_SPECS[endpointApi].provider };
}

function parseMatch(name: string, match: string): Pick<EndpointConfig, 'host' | 'port' | 'pathPrefix'> {
  const m = MATCH.exec(match.trim().replace(/^https?:\/\//i, ''));
  if (!m) throw new EndpointConfigError(name, 'match', `"${match}" is not host[:port][/path-prefix]`);
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw new EndpointConfigError(name, 'match', `port ${port} is out of range`);
  const path = m[3] ?? '';
  if (/[?#]/.test(path)) throw new EndpointConfigError(name, 'match', 'the path prefix cannot have a query or fragment');
  return { host: m[1]!.toLowerCase(), port, pathPrefix: path.replace(/\/+$/, '') };
}

function hostMatches(pattern: string, serverName: string | null): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return isHostUnder(serverName, pattern.slice(2));
  // Host headers spell IPv6 literals with brackets, SNI never carries them: compare without.
  const bare = (h: string): string => h.replace(/^\[(.*)\]$/, '$1');
  return serverName !== null && isHost(bare(serverName), bare(pattern));
}

/** The adapter for one declared endpoint; its records also carry `osprey.endpoint.name`. */
export function endpointAdapter(endpoint: EndpointConfig): LlmAdapter {
  const adapter = defineAdapter({
    provider: endpoint.provider,
    host: (route: RouteInfo) => (endpoint.port === null || route.serverPort === endpoint.port) && hostMatches(endpoint.host, route.serverName),
    resolve: API_SPECS[endpoint.api].paths(endpoint.pathPrefix),
  });
  return {
    ...adapter,
    extract: (exchange) => {
      const extraction = adapter.extract(exchange);
      extraction.attributes['osprey.endpoint.name'] = endpoint.name;
      return extraction;
    },
  };
}
