import type { InputMessage, MessagePart } from '../../telemetry/llm-call.js';
import { arrayField, isObject, objectField, stringField, type JsonObject } from '../json.js';
import { blobPart, mediaPart, toolCallPart, toolResultValue } from '../parts.js';

/**
 * Conversion from OpenAI chat message shapes to OTel GenAI message parts. Shared by the request
 * (chat history), the JSON response and the SSE stream, so all three read tool calls identically.
 */

/** `{ id, type: 'function', function: { name, arguments } }` as found in messages and responses. */
export function readToolCall(value: unknown, warnings: string[], where: string): MessagePart | undefined {
  const fn = isObject(value) ? objectField(value, 'function') : undefined;
  const name = fn && stringField(fn, 'name');
  if (!isObject(value) || !fn || name === undefined) {
    warnings.push(`${where}: tool call without function name, skipped`);
    return undefined;
  }
  return toolCallPart(stringField(value, 'id') ?? null, name, fn['arguments']);
}

/**
 * The chat history. `extraParts` reads what a dialect adds to a message beyond OpenAI's fields
 * (Ollama's `images`); its parts follow the message's own.
 */
/**
 * The model's reasoning, where OpenAI-compatible servers put it beside `content`: DeepSeek and
 * vLLM say `reasoning_content`, Groq and OpenRouter `reasoning`. OpenAI itself never sends it.
 */
export function reasoningText(message: JsonObject): string | undefined {
  return stringField(message, 'reasoning_content') ?? stringField(message, 'reasoning');
}

export function readInputMessages(
  messages: unknown[],
  warnings: string[],
  extraParts?: (m: JsonObject) => MessagePart[],
): InputMessage[] {
  const out: InputMessage[] = [];
  messages.forEach((m, i) => {
    const where = `request.messages[${i}]`;
    const role = isObject(m) ? stringField(m, 'role') : undefined;
    if (!isObject(m) || role === undefined) {
      warnings.push(`${where}: not a message with a role, skipped`);
      return;
    }
    const parts = readMessageParts(m, role, warnings, where);
    if (extraParts) parts.push(...extraParts(m));
    const message: InputMessage = { role, parts };
    const name = stringField(m, 'name');
    if (name !== undefined) message.name = name;
    out.push(message);
  });
  return out;
}

function readMessageParts(m: JsonObject, role: string, warnings: string[], where: string): MessagePart[] {
  if (role === 'tool') {
    return [{ type: 'tool_call_response', id: stringField(m, 'tool_call_id') ?? null, response: toolResultValue(m['content']) }];
  }
  const parts = readContent(m['content'], warnings, where);
  arrayField(m, 'tool_calls')?.forEach((tc, j) => {
    const part = readToolCall(tc, warnings, `${where}.tool_calls[${j}]`);
    if (part) parts.push(part);
  });
  return parts;
}

/** `content` is a string, null (assistant turns that only call tools) or an array of typed parts. */
function readContent(content: unknown, warnings: string[], where: string): MessagePart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) {
    warnings.push(`${where}.content: neither string nor array, skipped`);
    return [];
  }
  const parts: MessagePart[] = [];
  content.forEach((p, j) => {
    const part = readContentPart(p);
    if (part) parts.push(part);
    else warnings.push(`${where}.content[${j}]: unsupported content part, skipped`);
  });
  return parts;
}

function readContentPart(p: unknown): MessagePart | undefined {
  if (!isObject(p)) return undefined;
  switch (p['type']) {
    case 'text': {
      const text = stringField(p, 'text');
      return text === undefined ? undefined : { type: 'text', content: text };
    }
    case 'image_url': {
      const url = objectField(p, 'image_url');
      const href = url && stringField(url, 'url');
      return href === undefined ? undefined : mediaPart('image', href);
    }
    case 'input_audio': {
      const audio = objectField(p, 'input_audio');
      const data = audio && stringField(audio, 'data');
      if (!audio || data === undefined) return undefined;
      const format = stringField(audio, 'format');
      return blobPart('audio', format ? `audio/${format}` : undefined, data);
    }
    default:
      return undefined;
  }
}
