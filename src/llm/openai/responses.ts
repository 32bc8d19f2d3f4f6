/**
 * OpenAI Responses API (`POST /v1/responses`). Per the OTel OpenAI conventions this is inference
 * like chat completions: gen_ai.operation.name is `chat`, and `openai.api.type` = `responses` tells
 * the two APIs apart (the conventions define no `responses` operation).
 */
import type { InputMessage, MessagePart } from '../../telemetry/llm-call.js';
import { readApiError } from '../error.js';
import { arrayField, countField, isObject, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, finishMapper, type ChatOutcome } from '../outcome.js';
import { mediaPart, textPart, toolCallPart } from '../parts.js';
import { readModelAndStream, readSampling } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';

export function readResponsesRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  attrs['openai.api.type'] = 'responses';
  readModelAndStream(req, attrs);
  readSampling(req, attrs, { temperature: ['temperature'], topP: ['top_p'], maxTokens: ['max_output_tokens'] });
  const instructions = stringField(req, 'instructions');
  if (instructions !== undefined) attrs['gen_ai.system_instructions'] = [textPart(instructions)];
  const input = req['input'];
  if (typeof input === 'string') attrs['gen_ai.input.messages'] = [{ role: 'user', parts: [textPart(input)] }];
  else if (Array.isArray(input)) attrs['gen_ai.input.messages'] = readInputItems(input, warnings);
  else if (stringField(req, 'previous_response_id') === undefined) warnings.push('request: no input');
  const tools = arrayField(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}

/** Input items: messages (with or without `type: 'message'`), earlier tool calls and their outputs. */
function readInputItems(items: unknown[], warnings: string[]): InputMessage[] {
  const out: InputMessage[] = [];
  items.forEach((item, i) => {
    const where = `request.input[${i}]`;
    if (!isObject(item)) {
      warnings.push(`${where}: not an object, skipped`);
      return;
    }
    const type = stringField(item, 'type') ?? 'message';
    const role = stringField(item, 'role');
    if (type === 'message' && role !== undefined) {
      out.push({ role, parts: readMessageContent(item['content'], warnings, where) });
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      out.push({ role: 'tool', parts: [{ type: 'tool_call_response', id: stringField(item, 'call_id') ?? null, response: item['output'] ?? null }] });
    } else {
      const part = readOutputItem(item);
      if (part) out.push({ role: 'assistant', parts: [part] });
      else warnings.push(`${where}: unsupported item type ${type}, skipped`);
    }
  });
  return out;
}

function readMessageContent(content: unknown, warnings: string[], where: string): MessagePart[] {
  if (typeof content === 'string') return content === '' ? [] : [textPart(content)];
  if (!Array.isArray(content)) {
    warnings.push(`${where}.content: neither string nor array, skipped`);
    return [];
  }
  const parts: MessagePart[] = [];
  content.forEach((p, j) => {
    const part = isObject(p) ? readContentPart(p) : undefined;
    if (part) parts.push(part);
    else warnings.push(`${where}.content[${j}]: unsupported content part, skipped`);
  });
  return parts;
}

function readContentPart(p: JsonObject): MessagePart | undefined {
  switch (p['type']) {
    case 'input_text':
    case 'output_text': {
      const text = stringField(p, 'text');
      return text === undefined ? undefined : textPart(text);
    }
    case 'refusal': {
      const refusal = stringField(p, 'refusal');
      return refusal === undefined ? undefined : textPart(refusal);
    }
    case 'input_image': {
      const url = stringField(p, 'image_url');
      return url === undefined ? undefined : mediaPart('image', url);
    }
    default:
      return undefined;
  }
}

/**
 * One output item as a message part, or undefined for an item that is not one (a message, whose
 * content becomes several parts). `function_call` is a tool call whose arguments are a JSON string;
 * hosted tools (`web_search_call`, `file_search_call`, …) are tool calls the server made itself.
 */
function readOutputItem(item: JsonObject): MessagePart | undefined {
  const type = stringField(item, 'type');
  if (type === 'reasoning') {
    const summary = (arrayField(item, 'summary') ?? []).map((s) => (isObject(s) ? (stringField(s, 'text') ?? '') : '')).join('\n');
    return summary === '' ? undefined : { type: 'reasoning', content: summary };
  }
  if (type === undefined || !type.endsWith('_call')) return undefined;
  const id = stringField(item, 'call_id') ?? stringField(item, 'id') ?? null;
  const name = stringField(item, 'name') ?? type.slice(0, -'_call'.length);
  return toolCallPart(id, name, item['arguments'] ?? item['input'] ?? item['action'] ?? null);
}

function readOutputParts(output: unknown[], warnings: string[]): MessagePart[] {
  const parts: MessagePart[] = [];
  output.forEach((item, i) => {
    if (!isObject(item)) {
      warnings.push(`response.output[${i}]: not an object, skipped`);
      return;
    }
    if (stringField(item, 'type') === 'message') parts.push(...readMessageContent(item['content'] ?? [], warnings, `response.output[${i}]`));
    else {
      const part = readOutputItem(item);
      if (part) parts.push(part);
    }
  });
  return parts;
}

/** Why a response ended: its status, or for an incomplete one the reason (`max_output_tokens`, `content_filter`). */
function finishReasonOf(response: JsonObject): string | null {
  const status = stringField(response, 'status');
  if (status !== 'incomplete') return status ?? null;
  const details = objectField(response, 'incomplete_details');
  return (details && stringField(details, 'reason')) ?? status;
}

/**
 * A `response` object: the whole reply to a non-streaming request, and the payload of the
 * stream's terminal events. All output items form one assistant message.
 */
export function readResponseObject(response: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.id = stringField(response, 'id');
  outcome.model = stringField(response, 'model');
  outcome.error = readApiError(response);
  const usage = objectField(response, 'usage');
  if (usage) {
    outcome.inputTokens = countField(usage, 'input_tokens');
    outcome.outputTokens = countField(usage, 'output_tokens');
    const details = objectField(usage, 'input_tokens_details');
    outcome.cacheReadTokens = details && countField(details, 'cached_tokens');
  }
  const output = arrayField(response, 'output');
  if (output === undefined) {
    if (outcome.error === undefined) warnings.push('response: no output array');
    return outcome;
  }
  outcome.choices = [{ role: 'assistant', parts: readOutputParts(output, warnings), finishReason: finishReasonOf(response) }];
  return outcome;
}

/**
 * The Responses API has no finish reason, only a status; gen_ai.response.finish_reasons keeps the
 * status (or the incomplete reason), and output messages get the OTel equivalent. A completed
 * response that calls a function is a `tool_call` finish, as in chat completions.
 */
export const RESPONSES_FINISH = finishMapper(
  { completed: 'stop', max_output_tokens: 'length', content_filter: 'content_filter', failed: 'error', cancelled: 'error' },
  true,
);
