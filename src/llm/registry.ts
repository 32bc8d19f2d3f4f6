import { anthropicAdapter } from './anthropic/api.js';
import { azureOpenAiAdapter } from './azure/openai.js';
import { cohereAdapter } from './cohere/api.js';
import { endpointAdapter, type EndpointConfig } from './endpoints.js';
import { geminiAdapter, vertexGeminiAdapter } from './gemini/api.js';
import { ollamaAdapter } from './ollama/api.js';
import { openaiAdapter } from './openai/api.js';
import { openaiCompatibleAdapters } from './openai/compatible.js';
import type { LlmAdapter, RouteInfo } from './types.js';

/**
 * Every provider API the agent knows, first match wins: a new provider is one line here. Hosts do
 * not overlap, except Ollama's port rule, which comes last so a named provider behind a
 * forwarded :11434 keeps its name.
 */
export const BUILTIN_ADAPTERS: readonly LlmAdapter[] = [
  openaiAdapter,
  azureOpenAiAdapter,
  anthropicAdapter,
  geminiAdapter,
  vertexGeminiAdapter,
  cohereAdapter,
  ...openaiCompatibleAdapters,
  ollamaAdapter,
];

export interface AdapterRegistry {
  /** Declared endpoints in config order, then the built-ins. */
  readonly adapters: readonly LlmAdapter[];
  /** The adapter that reads this request, or undefined when it is not an LLM call we read. */
  find(route: RouteInfo): LlmAdapter | undefined;
}

/** Endpoints declared in the agent's config take precedence over the built-in adapters. */
export function createAdapterRegistry(endpoints: readonly EndpointConfig[] = []): AdapterRegistry {
  const adapters = [...endpoints.map(endpointAdapter), ...BUILTIN_ADAPTERS];
  return { adapters, find: (route) => adapters.find((a) => a.matches(route)) };
}

const DEFAULT_REGISTRY = createAdapterRegistry();

/** The built-in adapter that reads this request, or undefined when the exchange is not an LLM call we read. */
export function findAdapter(route: RouteInfo): LlmAdapter | undefined {
  return DEFAULT_REGISTRY.find(route);
}
