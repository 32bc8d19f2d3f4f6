/**
 * Which LLM provider a server name belongs to, for discovery: a TLS connection to one of these
 * hosts (SNI) is a signal even when no request on it could be read (HTTP/2, gRPC, a dropped
 * stream). Provider names follow `gen_ai.provider.name`, as the adapters in src/llm do.
 *
 * The adapters decide what is parsed; this list only decides what counts as "talks to an LLM
 * provider", so it is a little wider (Bedrock, OpenRouter, Hugging Face…). Endpoints declared in
 * the config can be added by passing a classifier to AgentDiscovery.
 */
import { OPENAI_COMPATIBLE_HOSTS } from '../llm/openai/compatible.js';
import { OLLAMA_DEFAULT_PORT } from '../llm/ollama/api.js';
import { normalizeHost } from '../llm/route.js';

/** Exact host → provider. */
const EXACT: ReadonlyMap<string, string> = new Map<string, string>([
  ['api.openai.com', 'openai'],
  ['api.anthropic.com', 'anthropic'],
  ['generativelanguage.googleapis.com', 'gcp.gemini'],
  ['api.cohere.com', 'cohere'],
  ['api.cohere.ai', 'cohere'],
  ['ollama.com', 'ollama'],
  ['openrouter.ai', 'openrouter'],
  ['api.voyageai.com', 'voyage_ai'],
  ['api.replicate.com', 'replicate'],
  ['api-inference.huggingface.co', 'huggingface'],
  ['router.huggingface.co', 'huggingface'],
  ...OPENAI_COMPATIBLE_HOSTS.flatMap(({ provider, hosts }) => hosts.map((h): [string, string] => [h, provider])),
]);

/** Suffix (one or more labels before it) → provider. */
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['openai.azure.com', 'azure.ai.openai'],
  ['cognitiveservices.azure.com', 'azure.ai.openai'],
  ['services.ai.azure.com', 'azure.ai.openai'],
];

const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(?:[a-z0-9-]+-)?aiplatform\.googleapis\.com$/, 'gcp.vertex_ai'],
  [/^bedrock-runtime(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com$/, 'aws.bedrock'],
];

/** The provider behind this server name (and port), or null when it is not a known LLM provider. */
export function providerOfHost(serverName: string | null, serverPort: number | null = null): string | null {
  if (serverName) {
    const host = normalizeHost(serverName);
    const exact = EXACT.get(host);
    if (exact) return exact;
    for (const [suffix, provider] of SUFFIXES) if (host.endsWith(`.${suffix}`)) return provider;
    for (const [re, provider] of PATTERNS) if (re.test(host)) return provider;
  }
  return serverPort === OLLAMA_DEFAULT_PORT ? 'ollama' : null;
}
