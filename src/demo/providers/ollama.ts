/**
 * Ollama's HTTP API (plaintext, usually :11434): `POST /api/chat` and `POST /api/generate`
 * stream by default as NDJSON (`application/x-ndjson`), one object per line with a text fragment
 * and `done: false`, then a last line with `done: true`, `done_reason`, `prompt_eval_count`,
 * `eval_count` and durations; with `stream: false` one JSON object. Tool calls arrive whole, their
 * arguments an object. Its OpenAI-compatible API lives under `/v1` (see openai-compatible.ts).
 */
import {
  FAKE_TOOL_ARGUMENTS,
  firstToolName,
  isObject,
  jsonReply,
  lastUserText,
  markerOf,
  ndjsonReply,
  replyText,
  str,
  words,
  type FakeReply,
  type FakeRequest,
  type JsonObject,
} from './common.js';
import { handleOpenAiCompatible } from './openai-compatible.js';

export const OLLAMA_FAKE = {
  label: 'Ollama',
  promptEvalCount: 26,
  evalCount: 10,
} as const;

/** A fixed clock: line `i` of an answer is `i` milliseconds after it. */
function createdAt(i: number): string {
  return `2026-01-01T00:00:00.${String(i).padStart(3, '0')}000000Z`;
}

const FINAL_COUNTS = {
  total_duration: 912_345_678,
  load_duration: 21_234_567,
  prompt_eval_count: OLLAMA_FAKE.promptEvalCount,
  prompt_eval_duration: 51_234_567,
  eval_count: OLLAMA_FAKE.evalCount,
  eval_duration: 812_345_678,
};

function ollamaError(status: number, error: string): FakeReply {
  return jsonReply(status, { error });
}

/** `/api/chat`: the answer in `message` (content fragments, or tool calls with object arguments). */
function chat(body: JsonObject, model: string): FakeReply {
  const marker = markerOf(lastUserText(body['messages']));
  const text = replyText(OLLAMA_FAKE.label, marker);
  const tool = firstToolName(body['tools'], (t) => (isObject(t['function']) ? str(t['function']['name']) : undefined));
  const toolCalls = tool === undefined ? undefined : [{ function: { name: tool, arguments: FAKE_TOOL_ARGUMENTS } }];
  if (body['stream'] === false) {
    const message = { role: 'assistant', content: toolCalls ? '' : text, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
    return jsonReply(200, { model, created_at: createdAt(0), message, done_reason: 'stop', done: true, ...FINAL_COUNTS });
  }
  const lines: JsonObject[] = toolCalls
    ? [{ model, created_at: createdAt(0), message: { role: 'assistant', content: '', tool_calls: toolCalls }, done: false }]
    : words(text).map((w, i) => ({ model, created_at: createdAt(i), message: { role: 'assistant', content: w }, done: false }));
  lines.push({ model, created_at: createdAt(lines.length), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', ...FINAL_COUNTS });
  return ndjsonReply(lines);
}

/** `/api/generate`: the completion in `response` fragments; the last line also carries `context`. */
function generate(body: JsonObject, model: string): FakeReply {
  const text = replyText(OLLAMA_FAKE.label, markerOf(str(body['prompt']) ?? ''));
  const final = { done: true, done_reason: 'stop', context: [518, 25580, 29962, 3492], ...FINAL_COUNTS };
  if (body['stream'] === false) return jsonReply(200, { model, created_at: createdAt(0), response: text, ...final });
  const lines: JsonObject[] = words(text).map((w, i) => ({ model, created_at: createdAt(i), response: w, done: false }));
  lines.push({ model, created_at: createdAt(lines.length), response: '', ...final });
  return ndjsonReply(lines);
}

export function handleOllama(req: FakeRequest): FakeReply | undefined {
  if (req.path.startsWith('/v1/')) return handleOpenAiCompatible(req, 'ollama', '/v1');
  if (req.method !== 'POST' || (req.path !== '/api/chat' && req.path !== '/api/generate')) return undefined;
  const body = req.json;
  if (!isObject(body)) return ollamaError(400, 'invalid request body');
  const model = str(body['model']);
  if (model === undefined || model === '') return ollamaError(400, 'model is required');
  return req.path === '/api/chat' ? chat(body, model) : generate(body, model);
}
