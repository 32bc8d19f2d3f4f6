/**
 * Ollama's native API: `POST /api/chat` (messages) and `POST /api/generate` (a prompt). Both
 * stream by default, as NDJSON: one JSON object per line, the text in fragments, and a last line
 * with `done: true`, `done_reason`, `prompt_eval_count` (input tokens) and `eval_count` (output tokens).
 */
import type { MessagePart } from '../../telemetry/llm-call.js';
import { readApiError } from '../error.js';
import { arrayField, countField, isObject, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, finishMapper, type ChatOutcome } from '../outcome.js';
import { blobPart, textPart } from '../parts.js';
import { readModelAndStream, readSampling, type SamplingFields } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';
import { readInputMessages, readToolCall } from '../openai/messages.js';

/** Sampling parameters live in `options`, with llama.cpp names (`num_predict` is the output cap). */
const OLLAMA_SAMPLING: SamplingFields = { temperature: ['temperature'], topP: ['top_p'], maxTokens: ['num_predict'] };

/** `images` are base64 strings without a MIME type; `thinking` (`think: true`) is the model's reasoning. */
function ollamaExtras(m: JsonObject): MessagePart[] {
  const parts: MessagePart[] = [];
  const thinking = stringField(m, 'thinking');
  if (thinking) parts.push({ type: 'reasoning', content: thinking });
  for (const image of arrayField(m, 'images') ?? []) if (typeof image === 'string') parts.push(blobPart('image', undefined, image));
  return parts;
}

function readCommon(req: JsonObject, attrs: AdapterAttributes): void {
  // `stream` defaults to true in Ollama's API, unlike every other API here.
  readModelAndStream(req, attrs, true);
  const options = objectField(req, 'options');
  if (options) readSampling(options, attrs, OLLAMA_SAMPLING);
  const tools = arrayField(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}

export function readOllamaChatRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  readCommon(req, attrs);
  const messages = arrayField(req, 'messages');
  if (messages) attrs['gen_ai.input.messages'] = readInputMessages(messages, warnings, ollamaExtras);
  else warnings.push('request: no messages array');
}

export function readOllamaGenerateRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  readCommon(req, attrs);
  const system = stringField(req, 'system');
  if (system) attrs['gen_ai.system_instructions'] = [textPart(system)];
  const prompt = stringField(req, 'prompt');
  if (prompt === undefined) warnings.push('request: no prompt string');
  else attrs['gen_ai.input.messages'] = [{ role: 'user', parts: [...(prompt === '' ? [] : [textPart(prompt)]), ...ollamaExtras(req)] }];
}

/**
 * One response object, whole or merged from a stream: `/api/chat` answers in `message`
 * (`content`, `thinking`, `tool_calls` with object arguments), `/api/generate` in `response`.
 */
export function readOllamaResponse(body: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.model = stringField(body, 'model');
  outcome.error = readApiError(body);
  outcome.inputTokens = countField(body, 'prompt_eval_count');
  outcome.outputTokens = countField(body, 'eval_count');
  const message = objectField(body, 'message');
  const generated = stringField(body, 'response');
  if (!message && generated === undefined) {
    if (outcome.error === undefined) warnings.push('response: neither message nor response');
    return outcome;
  }
  const parts: MessagePart[] = [];
  const thinking = stringField(message ?? body, 'thinking');
  if (thinking) parts.push({ type: 'reasoning', content: thinking });
  const text = message ? stringField(message, 'content') : generated;
  if (text) parts.push(textPart(text));
  arrayField(message ?? {}, 'tool_calls')?.forEach((tc, j) => {
    const part = readToolCall(tc, warnings, `response.message.tool_calls[${j}]`);
    if (part) parts.push(part);
  });
  // Servers that predate `done_reason` only say `done: true` when the answer is whole.
  const finish = stringField(body, 'done_reason') ?? (body['done'] === true ? 'stop' : null);
  outcome.choices = [{ role: (message && stringField(message, 'role')) ?? 'assistant', parts, finishReason: finish }];
  return outcome;
}

/** Ollama answers a tool call with `stop`; such a message finishes with `tool_call`. */
export const OLLAMA_FINISH = finishMapper({ stop: 'stop', length: 'length' }, true);

/** Text fields that arrive in fragments, one per line. */
const FRAGMENT_FIELDS = ['content', 'thinking'] as const;

/**
 * Folds NDJSON lines into one response object: fragments of `message.content`, `message.thinking`
 * and `response` are joined, tool calls collected, and the last line's counts and reason kept.
 */
export function mergeOllamaLines(lines: JsonObject[]): JsonObject {
  const merged: JsonObject = {};
  let message: JsonObject | undefined;
  const toolCalls: unknown[] = [];
  let generated: string | undefined;
  for (const line of lines) {
    for (const [k, v] of Object.entries(line)) if (k !== 'message' && k !== 'response') merged[k] = v;
    const response = stringField(line, 'response');
    if (response !== undefined) generated = (generated ?? '') + response;
    const m = objectField(line, 'message');
    if (!m) continue;
    message ??= { role: stringField(m, 'role') ?? 'assistant' };
    for (const key of FRAGMENT_FIELDS) {
      const piece = stringField(m, key);
      if (piece !== undefined) message[key] = (stringField(message, key) ?? '') + piece;
    }
    toolCalls.push(...(arrayField(m, 'tool_calls') ?? []));
  }
  if (message) merged['message'] = toolCalls.length > 0 ? { ...message, tool_calls: toolCalls } : message;
  if (generated !== undefined) merged['response'] = generated;
  return merged;
}
