/**
 * Gemini API (generativelanguage.googleapis.com): `POST /v1beta/models/{model}:generateContent`
 * answers one `GenerateContentResponse`; `:streamGenerateContent` answers the same objects in
 * pieces, as SSE `data:` events framed with CRLF when the URL says `alt=sse` (what the SDKs ask
 * for), else as the elements of one JSON array written piece by piece. Every chunk carries the
 * running usageMetadata; the last one has the finish reason and the final counts (thinking tokens
 * in thoughtsTokenCount). Function calls arrive whole, as `functionCall` parts, with finishReason STOP.
 * Errors are `{ error: { code, message, status } }`: 403 without a key, 404 for a model that is not
 * a Gemini, Gemma or LearnLM one.
 */
import {
  FAKE_TOOL_ARGUMENTS,
  asArray,
  fakeId,
  isObject,
  jsonReply,
  markerOf,
  replyText,
  sseReply,
  str,
  words,
  type FakeReply,
  type FakeRequest,
  type JsonObject,
} from './common.js';

export const GEMINI_FAKE = {
  label: 'Gemini',
  promptTokens: 9,
  candidatesTokens: 11,
  thoughtsTokens: 5,
} as const;

const MODEL_METHOD = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** Gemini accepts camelCase and snake_case field names alike. */
function field(obj: JsonObject, camel: string): unknown {
  return obj[camel] ?? obj[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

function lastUserText(contents: unknown): string {
  const users = asArray(contents).filter((c) => isObject(c) && (c['role'] === undefined || c['role'] === 'user')) as JsonObject[];
  const last = users[users.length - 1];
  return asArray(last && field(last, 'parts'))
    .map((p) => (isObject(p) ? (str(p['text']) ?? '') : ''))
    .join('');
}

function firstFunctionName(tools: unknown): string | undefined {
  for (const t of asArray(tools)) {
    if (!isObject(t)) continue;
    for (const d of asArray(field(t, 'functionDeclarations'))) if (isObject(d) && typeof d['name'] === 'string') return d['name'];
  }
  return undefined;
}

function apiError(code: number, status: string, message: string): FakeReply {
  return jsonReply(code, { error: { code, message, status } });
}

export function handleGemini(req: FakeRequest): FakeReply | undefined {
  const m = MODEL_METHOD.exec(req.path);
  if (req.method !== 'POST' || !m) return undefined;
  if (req.headers['x-goog-api-key'] === undefined && !req.query.has('key')) {
    return apiError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  }
  const body = req.json;
  if (!isObject(body) || !Array.isArray(field(body, 'contents'))) {
    return apiError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified');
  }
  const model = decodeURIComponent(m[2]!);
  if (!/^(gemini|gemma|learnlm)-/.test(model)) {
    return apiError(404, 'NOT_FOUND', `models/${model} is not found for API version ${m[1]}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`);
  }
  const marker = markerOf(lastUserText(field(body, 'contents')));
  const text = replyText(GEMINI_FAKE.label, marker);
  const fn = firstFunctionName(field(body, 'tools'));
  const envelope = { modelVersion: model, responseId: fakeId('gemini-', marker) };
  const promptDetails = [{ modality: 'TEXT', tokenCount: GEMINI_FAKE.promptTokens }];
  const finalUsage = {
    promptTokenCount: GEMINI_FAKE.promptTokens,
    candidatesTokenCount: GEMINI_FAKE.candidatesTokens,
    totalTokenCount: GEMINI_FAKE.promptTokens + GEMINI_FAKE.candidatesTokens + GEMINI_FAKE.thoughtsTokens,
    promptTokensDetails: promptDetails,
    thoughtsTokenCount: GEMINI_FAKE.thoughtsTokens,
  };
  const answerParts: JsonObject[] = fn === undefined ? [{ text }] : [{ functionCall: { name: fn, args: FAKE_TOOL_ARGUMENTS } }];

  if (m[3] === 'generateContent') {
    return jsonReply(200, {
      candidates: [{ content: { parts: answerParts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: finalUsage,
      ...envelope,
    });
  }

  const runningUsage = { promptTokenCount: GEMINI_FAKE.promptTokens, totalTokenCount: GEMINI_FAKE.promptTokens, promptTokensDetails: promptDetails };
  const chunk = (parts: JsonObject[], last: boolean): JsonObject => ({
    candidates: [{ content: { parts, role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
    usageMetadata: last ? finalUsage : runningUsage,
    ...envelope,
  });
  const chunks: JsonObject[] = [];
  if (fn === undefined) {
    // Gemini streams a few words per chunk.
    const ws = words(text);
    for (let i = 0; i < ws.length; i += 3) chunks.push(chunk([{ text: ws.slice(i, i + 3).join('') }], i + 3 >= ws.length));
  } else {
    chunks.push(chunk(answerParts, true));
  }
  if (req.query.get('alt') === 'sse') return sseReply(chunks.map((data) => ({ data })), '\r\n');
  // Without alt=sse: one JSON array, its elements written as they are produced.
  const pretty = chunks.map((c) => JSON.stringify(c, null, 2));
  return {
    status: 200,
    contentType: 'application/json; charset=UTF-8',
    chunks: [...pretty.map((c, i) => `${i === 0 ? '[' : ',\r\n'}${c}`), ']'],
    streamed: true,
  };
}
