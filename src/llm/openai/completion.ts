import type { MessagePart } from '../../telemetry/llm-call.js';
import { arrayField, isObject, numberField, objectField, stringField } from '../json.js';
import { readApiError } from './error.js';
import { readToolCall } from './messages.js';
import { emptyOutcome, readUsage, type ChatOutcome, type ChoiceOutcome } from './outcome.js';

/** Reads a non-streaming `chat.completion` object (already JSON-parsed). */
export function readChatCompletion(body: unknown, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  if (!isObject(body)) {
    warnings.push('response: JSON body is not an object');
    return outcome;
  }
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
  if (!isObject(c) || !message) {
    warnings.push(`${where}: no message, skipped`);
    return undefined;
  }
  const parts: MessagePart[] = [];
  const content = stringField(message, 'content');
  if (content) parts.push({ type: 'text', content });
  arrayField(message, 'tool_calls')?.forEach((tc, j) => {
    const part = readToolCall(tc, warnings, `${where}.message.tool_calls[${j}]`);
    if (part) parts.push(part);
  });
  return { role: stringField(message, 'role') ?? 'assistant', parts, finishReason: stringField(c, 'finish_reason') ?? null };
}
