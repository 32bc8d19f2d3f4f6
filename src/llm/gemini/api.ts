import { defineAdapter, isUnder, type PathResolver } from '../adapter.js';
import type { WireFormat } from '../extract.js';
import { decodePathSegment, isHost, normalizeHost } from '../route.js';
import type { LlmAdapter } from '../types.js';
import { GEMINI_FINISH, readGenerateContentRequest, readGenerateContentResponse } from './content.js';
import { readGenerateContentStream } from './stream.js';

/** OTel GenAI: `generate_content` is the operation "such as Gemini Generate Content". */
export const GEMINI_GENERATE_CONTENT: WireFormat = {
  operation: 'generate_content',
  readRequest: readGenerateContentRequest,
  readResponse: readGenerateContentResponse,
  readStream: readGenerateContentStream,
  // The stream is named by the method in the URL; without alt=sse it is served as application/json.
  isStream: (_contentType, _attrs, ctx) => ctx.path.endsWith(':streamGenerateContent'),
  finish: GEMINI_FINISH,
};

/** `…/models/{model}:generateContent` or `:streamGenerateContent` (also `tunedModels/{model}`). */
const MODEL_METHOD = /\/(?:models|tunedModels)\/([^/:]+):(?:generateContent|streamGenerateContent)$/;


/** Below `prefix`, a model method path; the model comes from the path. */
export function geminiPaths(prefix: string, pathShape?: RegExp): PathResolver {
  return (path) => {
    if (!isUnder(path, prefix) || (pathShape && !pathShape.test(path))) return undefined;
    const m = MODEL_METHOD.exec(path);
    return m ? { format: GEMINI_GENERATE_CONTENT, pathModel: decodePathSegment(m[1]!) } : undefined;
  };
}

/** Google AI Studio's Gemini API; `gcp.gemini` is the OTel GenAI well-known name for it. */
export const geminiAdapter: LlmAdapter = defineAdapter({
  provider: 'gcp.gemini',
  host: (route) => isHost(route.serverName, 'generativelanguage.googleapis.com'),
  resolve: geminiPaths('', /^\/v1(?:alpha|beta)?\/(?:models|tunedModels)\/[^/]+$/),
});

/** Vertex AI serves the same request and response bodies for Google's models, per project and region. */
export const vertexGeminiAdapter: LlmAdapter = defineAdapter({
  provider: 'gcp.vertex_ai',
  // Global `aiplatform.googleapis.com` or regional `us-central1-aiplatform.googleapis.com`.
  host: (route) => route.serverName !== null && /^(?:[a-z0-9-]+-)?aiplatform\.googleapis\.com$/.test(normalizeHost(route.serverName)),
  resolve: geminiPaths('', /^\/v1(?:beta1)?\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/]+$/),
});
