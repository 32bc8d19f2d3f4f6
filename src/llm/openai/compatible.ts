/**
 * Providers whose public API is OpenAI's wire format under another base URL: the OpenAI readers
 * with the provider named from the host. Names are OTel GenAI well-known values where one exists
 * (mistral_ai, groq, perplexity, deepseek, x_ai); the others follow the same lower_snake style.
 */
import { defineAdapter, exactlyUnder } from '../adapter.js';
import { isHost } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { OPENAI_OPERATIONS } from './api.js';

interface CompatibleHost {
  provider: string;
  hosts: readonly string[];
  /** Base paths the operations sit under (`/chat/completions` follows one of these). */
  bases: readonly string[];
}

export const OPENAI_COMPATIBLE_HOSTS: readonly CompatibleHost[] = [
  { provider: 'mistral_ai', hosts: ['api.mistral.ai'], bases: ['/v1'] },
  { provider: 'together_ai', hosts: ['api.together.xyz', 'api.together.ai'], bases: ['/v1'] },
  { provider: 'groq', hosts: ['api.groq.com'], bases: ['/openai/v1'] },
  { provider: 'fireworks_ai', hosts: ['api.fireworks.ai'], bases: ['/inference/v1'] },
  // Perplexity documents the bare path; the OpenAI SDK pointed at it with a `/v1` base works too.
  { provider: 'perplexity', hosts: ['api.perplexity.ai'], bases: ['', '/v1'] },
  // DeepSeek accepts both `https://api.deepseek.com` and `…/v1` as base URL; `/beta` holds its FIM completions.
  { provider: 'deepseek', hosts: ['api.deepseek.com'], bases: ['', '/v1', '/beta'] },
  { provider: 'x_ai', hosts: ['api.x.ai'], bases: ['/v1'] },
];

export const openaiCompatibleAdapters: readonly LlmAdapter[] = OPENAI_COMPATIBLE_HOSTS.map(({ provider, hosts, bases }) =>
  defineAdapter({
    provider,
    host: (route) => hosts.some((h) => isHost(route.serverName, h)),
    resolve: exactlyUnder(bases, OPENAI_OPERATIONS),
  }),
);
