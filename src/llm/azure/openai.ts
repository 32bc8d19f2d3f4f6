/**
 * Azure OpenAI: the OpenAI wire format on a resource's own host, `{resource}.openai.azure.com`
 * (newer resources: `.cognitiveservices.azure.com`, AI Foundry: `.services.ai.azure.com`).
 * - `/openai/deployments/{deployment}/chat/completions?api-version=…` (also `/completions`,
 *   `/embeddings`, `/responses`): the deployment the URL names is the request model; the body
 *   usually names none, and the response names the model actually behind the deployment.
 * - `/openai/responses?api-version=…` and the v1 API `/openai/v1/…`: the model is in the body.
 * Provider `azure.ai.openai`, the OTel GenAI well-known value.
 */
import { anyOf, defineAdapter, exactlyUnder, type PathResolver } from '../adapter.js';
import { decodePathSegment, isHostUnder } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { OPENAI_OPERATIONS, OPENAI_RESPONSES } from '../openai/api.js';

const AZURE_HOST_SUFFIXES = ['openai.azure.com', 'cognitiveservices.azure.com', 'services.ai.azure.com'];

const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)(\/.+)$/;


const byDeployment: PathResolver = (path) => {
  const m = DEPLOYMENT_PATH.exec(path);
  if (!m) return undefined;
  const hit = OPENAI_OPERATIONS.find(([suffix]) => m[2] === suffix);
  return hit ? { format: hit[1], pathModel: decodePathSegment(m[1]!) } : undefined;
};

const resolveAzure: PathResolver = anyOf(
  byDeployment,
  exactlyUnder(['/openai'], [['/responses', OPENAI_RESPONSES]]),
  exactlyUnder(['/openai/v1'], OPENAI_OPERATIONS),
);

export const azureOpenAiAdapter: LlmAdapter = defineAdapter({
  provider: 'azure.ai.openai',
  host: (route) => AZURE_HOST_SUFFIXES.some((suffix) => isHostUnder(route.serverName, suffix)),
  resolve: resolveAzure,
});
