/**
 * Cohere v2 chat (`POST /v2/chat`). Requests use OpenAI-shaped messages (roles, text parts,
 * `tool_calls` with JSON-string arguments, `tool_call_id`), read by the OpenAI message reader; the
 * response and its stream are Cohere's own.
 */
import type { MessagePart } from '../../telemetry/llm-call.js';
import { readApiError, type ApiError } from '../error.js';
import { arrayField, countField, isObject, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, finishMapper, type ChatOutcome } from '../outcome.js';
import { textPart } from '../parts.js';
import { readModelAndStream, readSampling } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';
import { readInputMessages, readToolCall } from '../openai/messages.js';

export function readCohereChatRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  readModelAndStream(req, attrs);
  readSampling(req, attrs, { temperature: ['temperature'], topP: ['p'], maxTokens: ['max_tokens'] });
  const messages = arrayField(req, 'messages');
  if (messages) attrs['gen_ai.input.messages'] = readInputMessages(messages, warnings);
  else warnings.push('request: no messages array');
  const tools = arrayField(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}

/**
 * `usage.tokens` counts what the model consumed and produced; `usage.billed_units` what was billed
 * (without Cohere's own prompt template). The OTel attributes count tokens used, so `tokens` wins.
 */
function readCohereUsage(outcome: ChatOutcome, usage: JsonObject | undefined): void {
  if (!usage) return;
  const tokens = objectField(usage, 'tokens');
  const billed = objectField(usage, 'billed_units');
  const count = (key: string): number | undefined => (tokens && countField(tokens, key)) ?? (billed && countField(billed, key));
  outcome.inputTokens = count('input_tokens');
  outcome.outputTokens = count('output_tokens');
}

/** Text and thinking content, the tool plan (the model's reasoning before it calls tools), then the tool calls. */
function readMessageParts(message: JsonObject, warnings: string[]): MessagePart[] {
  const parts: MessagePart[] = [];
  const plan = stringField(message, 'tool_plan');
  if (plan) parts.push({ type: 'reasoning', content: plan });
  for (const c of arrayField(message, 'content') ?? []) {
    if (!isObject(c)) continue;
    const text = stringField(c, 'text');
    const thinking = stringField(c, 'thinking');
    if (c['type'] === 'thinking' && thinking) parts.push({ type: 'reasoning', content: thinking });
    else if (text) parts.push(textPart(text));
  }
  arrayField(message, 'tool_calls')?.forEach((tc, j) => {
    const part = readToolCall(tc, warnings, `response.message.tool_calls[${j}]`);
    if (part) parts.push(part);
  });
  return parts;
}

/** The v2 chat response (`{ id, finish_reason, message, usage }`); also the message rebuilt from a stream. */
export function readCohereChatResponse(body: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.id = stringField(body, 'id');
  outcome.error = readCohereError(body);
  readCohereUsage(outcome, objectField(body, 'usage'));
  const message = objectField(body, 'message');
  if (!message) {
    if (outcome.error === undefined) warnings.push('response: no message object');
    return outcome;
  }
  outcome.choices = [
    { role: stringField(message, 'role') ?? 'assistant', parts: readMessageParts(message, warnings), finishReason: stringField(body, 'finish_reason') ?? null },
  ];
  return outcome;
}

/** Cohere errors are `{ id, message }`; gateways in front of it may answer in the OpenAI shape. */
export function readCohereError(body: unknown): ApiError | undefined {
  const apiError = readApiError(body);
  if (apiError || !isObject(body)) return apiError;
  const message = stringField(body, 'message');
  return message === undefined ? undefined : { type: undefined, message };
}

export const COHERE_FINISH = finishMapper({
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_call',
  ERROR: 'error',
  TIMEOUT: 'error',
});
