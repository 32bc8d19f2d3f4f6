/**
 * Azure OpenAI on a resource host (`{resource}.openai.azure.com`): the OpenAI wire format in its
 * Azure dialect (see openai-compatible.ts) under Azure's paths:
 * - `/openai/deployments/{deployment}/chat/completions?api-version=…`: the deployment is the model;
 * - `/openai/responses?api-version=…`: the deployment is named in the body;
 * - the v1 API, `/openai/v1/chat/completions` and `/openai/v1/responses`, without api-version.
 * The key comes in the `api-key` header (or as an Entra ID bearer token).
 */
import { jsonReply, type FakeReply, type FakeRequest } from './common.js';
import { chatCompletion, responsesApi } from './openai-compatible.js';

const DEPLOYMENT_CHAT = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

function azureError(status: number, message: string): FakeReply {
  return jsonReply(status, { error: { code: String(status), message } });
}

export function handleAzure(req: FakeRequest): FakeReply | undefined {
  if (req.method !== 'POST') return undefined;
  const deployment = DEPLOYMENT_CHAT.exec(req.path)?.[1];
  const v1 = req.path === '/openai/v1/chat/completions' || req.path === '/openai/v1/responses';
  if (deployment === undefined && req.path !== '/openai/responses' && !v1) return undefined;
  if (!v1 && !req.query.has('api-version')) return azureError(404, 'Resource not found');
  if (req.headers['api-key'] === undefined && req.headers['authorization'] === undefined) {
    return azureError(401, 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.');
  }
  if (deployment !== undefined) return chatCompletion(req, 'azure', decodeURIComponent(deployment));
  if (req.path.endsWith('/chat/completions')) return chatCompletion(req, 'azure');
  return responsesApi(req, 'azure');
}
