import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openaiAdapter } from './openai/api.js';
import { createAdapterRegistry, findAdapter } from './registry.js';
import { parseEndpointsConfig } from './endpoints.js';
import type { RouteInfo } from './types.js';

const route = (serverName: string | null, path: string, serverPort: number | null = 443, method = 'POST'): RouteInfo => ({
  serverName,
  serverPort,
  method,
  path,
});

const providerOf = (r: RouteInfo): string | undefined => findAdapter(r)?.provider;

test('findAdapter: OpenAI operations, with or without a query string', () => {
  assert.equal(findAdapter(route('api.openai.com', '/v1/chat/completions')), openaiAdapter);
  assert.equal(findAdapter(route('api.openai.com', '/v1/chat/completions?x=1')), openaiAdapter);
  for (const path of ['/v1/responses', '/v1/embeddings', '/v1/completions']) assert.equal(findAdapter(route('api.openai.com', path)), openaiAdapter, path);
});

test('findAdapter: undefined for exchanges no adapter reads', () => {
  assert.equal(findAdapter(route('api.openai.com', '/v1/models', 443, 'GET')), undefined);
  assert.equal(findAdapter(route('api.openai.com', '/v1/responses/resp_1', 443, 'GET')), undefined);
  assert.equal(findAdapter(route('api.openai.com', '/v1/files')), undefined);
  assert.equal(findAdapter(route('example.com', '/v1/chat/completions')), undefined);
  assert.equal(findAdapter(route(null, '/v1/chat/completions')), undefined);
  assert.equal(findAdapter(route('api.anthropic.com', '/v1/messages/count_tokens')), undefined);
  assert.equal(findAdapter(route('api.anthropic.com', '/v1/messages/batches')), undefined);
  assert.equal(findAdapter(route('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:countTokens')), undefined);
  assert.equal(findAdapter(route('localhost', '/api/tags', 11434, 'GET')), undefined);
  assert.equal(findAdapter(route('localhost', '/api/chat', 8080)), undefined);
});

test('findAdapter: provider names, OTel GenAI well-known values where they exist', () => {
  const cases: Array<[RouteInfo, string]> = [
    [route('myres.openai.azure.com', '/openai/deployments/gpt4o-prod/chat/completions'), 'azure.ai.openai'],
    [route('myres.cognitiveservices.azure.com', '/openai/deployments/emb/embeddings'), 'azure.ai.openai'],
    [route('myres.openai.azure.com', '/openai/responses'), 'azure.ai.openai'],
    [route('myres.openai.azure.com', '/openai/v1/chat/completions'), 'azure.ai.openai'],
    [route('api.anthropic.com', '/v1/messages'), 'anthropic'],
    [route('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.5-flash:generateContent'), 'gcp.gemini'],
    [route('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.5-flash:streamGenerateContent'), 'gcp.gemini'],
    [route('us-central1-aiplatform.googleapis.com', '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent'), 'gcp.vertex_ai'],
    [route('api.cohere.com', '/v2/chat'), 'cohere'],
    [route('api.cohere.com', '/compatibility/v1/chat/completions'), 'cohere'],
    [route('api.mistral.ai', '/v1/chat/completions'), 'mistral_ai'],
    [route('api.mistral.ai', '/v1/embeddings'), 'mistral_ai'],
    [route('api.together.xyz', '/v1/chat/completions'), 'together_ai'],
    [route('api.together.ai', '/v1/completions'), 'together_ai'],
    [route('api.groq.com', '/openai/v1/chat/completions'), 'groq'],
    [route('api.fireworks.ai', '/inference/v1/chat/completions'), 'fireworks_ai'],
    [route('api.perplexity.ai', '/chat/completions'), 'perplexity'],
    [route('api.deepseek.com', '/chat/completions'), 'deepseek'],
    [route('api.deepseek.com', '/v1/chat/completions'), 'deepseek'],
    [route('api.x.ai', '/v1/chat/completions'), 'x_ai'],
    [route('api.x.ai', '/v1/responses'), 'x_ai'],
    [route('localhost', '/api/chat', 11434), 'ollama'],
    [route('127.0.0.1', '/api/generate', 11434), 'ollama'],
    [route('ollama', '/v1/chat/completions', 11434), 'ollama'],
    [route('ollama.com', '/api/chat', 443), 'ollama'],
  ];
  for (const [r, provider] of cases) assert.equal(providerOf(r), provider, `${r.serverName}:${r.serverPort}${r.path}`);
});

test('findAdapter: paths of one provider are not read on another host or base', () => {
  assert.equal(findAdapter(route('api.groq.com', '/v1/chat/completions')), undefined);
  assert.equal(findAdapter(route('api.mistral.ai', '/chat/completions')), undefined);
  assert.equal(findAdapter(route('openai.azure.com', '/openai/deployments/x/chat/completions')), undefined);
  assert.equal(findAdapter(route('evil-openai.azure.com.example', '/openai/deployments/x/chat/completions')), undefined);
  assert.equal(findAdapter(route('generativelanguage.googleapis.com', '/v1beta2/models/x:generateContent')), undefined);
  assert.equal(findAdapter(route('myres.openai.azure.com', '/openai/deployments/x/files')), undefined);
});

test('createAdapterRegistry: declared endpoints come first and take over a built-in host', () => {
  const registry = createAdapterRegistry(
    parseEndpointsConfig([
      { name: 'litellm', match: 'litellm.internal:4000', api: 'openai', provider: 'litellm' },
      { name: 'local-vllm', match: '*:8000/v1', api: 'openai' },
      { name: 'claude-proxy', match: 'gw.corp.example/anthropic', api: 'anthropic' },
      { name: 'ollama-9000', match: 'gpu-box:9000', api: 'ollama' },
      { name: 'openai-mirror', match: 'api.openai.com/v1', api: 'openai', provider: 'corp-mirror' },
    ]),
  );
  const find = (r: RouteInfo): string | undefined => registry.find(r)?.provider;
  assert.equal(find(route('litellm.internal', '/chat/completions', 4000)), 'litellm');
  assert.equal(find(route('litellm.internal', '/v1/chat/completions', 4000)), 'litellm');
  assert.equal(find(route('litellm.internal', '/v1/chat/completions', 4001)), undefined);
  assert.equal(find(route('10.0.3.7', '/v1/embeddings', 8000)), 'openai');
  assert.equal(find(route('10.0.3.7', '/embeddings', 8000)), undefined, 'outside the /v1 prefix');
  assert.equal(find(route('gw.corp.example', '/anthropic/v1/messages')), 'anthropic');
  assert.equal(find(route('gw.corp.example', '/openai/v1/messages')), undefined);
  assert.equal(find(route('gpu-box', '/api/chat', 9000)), 'ollama');
  assert.equal(find(route('gpu-box', '/v1/chat/completions', 9000)), 'ollama');
  assert.equal(find(route('api.openai.com', '/v1/chat/completions')), 'corp-mirror');
  assert.equal(registry.adapters.length, 5 + createAdapterRegistry().adapters.length);
  // The default registry is untouched.
  assert.equal(providerOf(route('api.openai.com', '/v1/chat/completions')), 'openai');
});
