import type { MessagePart } from '../../telemetry/llm-call.js';
import { readApiError } from '../error.js';
import { arrayField, isObject, numberField, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, type ChatOutcome, type ChoiceOutcome } from '../outcome.js';
import { readToolCall, reasoningText } from './messages.js';
import { readUsage } from './usage.js';

/**
 * Reads a non-streaming `chat.completion` object, or a legacy `text_completion` one: the same
 * envelope, whose choices carry a `message` in the first and a `text` in the second.
 */
export function readChatCompletion(body: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.id = stringField(body, 'id');
  outcome.model = stringField(body, 'model');
  outcome.error = readApiError(body);
  readUsage(outcome, body);
  const choices = arrayField(body, 'choices');
  if (choices === undefined && outcome.error === undefined) warnings.push('response: no choices array');
  const indexed: Array<[number, ChoiceOutcome]> = [];
  choices?.forEach((c, i) => {
    const choice = readChoice(c, warnings, `response.choices[${i}]`);
    if (choice) indexed.push([isObject(c) ? (numberField(c, 'index') ?? i) : i, choice]);
  });
  outcome.choices = indexed.sort((a, b) => a[0] - b[0]).map(([, choice]) => choice);
  return outcome;
}

function readChoice(c: unknown, warnings: string[], where: string): ChoiceOutcome | undefined {
  const message = isObject(c) ? objectField(c, 'message') : undefined;
  const text = isObject(c) ? stringField(c, 'text') : undefined;
  if (!isObject(c) || (!message && text === undefined)) {
    warnings.push(`${where}: no message, skipped`);
    return undefined;
  }
  const parts: MessagePart[] = [];
  const reasoning = message && reasoningText(message);
  if (reasoning) parts.push({ type: 'reasoning', content: reasoning });
  const content = message ? stringField(message, 'content') : text;
  if (content) parts.push({ type: 'text', content });
  arrayField(message ?? {}, 'tool_calls')?.forEach((tc, j) => {
    const part = readToolCall(tc, warnings, `${where}.message.tool_calls[${j}]`);
    if (part) parts.push(part);
  });
  const role = (message && stringField(message, 'role')) ?? 'assistant';
  return { role, parts, finishReason: stringField(c, 'finish_reason') ?? null };
}
