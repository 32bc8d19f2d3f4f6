/**
 * Anthropic Messages API (`POST /v1/messages`): content blocks to OTel message parts, for the
 * request history, the JSON response and the message rebuilt from a stream alike.
 */
import type { InputMessage, MessagePart } from '../../telemetry/llm-call.js';
import { readApiError } from '../error.js';
import { arrayField, countField, isObject, objectField, stringField, type JsonObject } from '../json.js';
import { addCount, emptyOutcome, finishMapper, type ChatOutcome } from '../outcome.js';
import { blobPart, modalityOf, textPart, toolCallPart, toolResultValue } from '../parts.js';
import { readModelAndStream, readSampling } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';

export function readMessagesRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[]): void {
  readModelAndStream(req, attrs);
  readSampling(req, attrs, { temperature: ['temperature'], topP: ['top_p'], maxTokens: ['max_tokens'] });
  // The system prompt is not a message here: OTel puts such instructions in their own attribute.
  const system = req['system'];
  if (system !== undefined) attrs['gen_ai.system_instructions'] = readContent(system, warnings, 'request.system');
  const messages = arrayField(req, 'messages');
  if (messages) attrs['gen_ai.input.messages'] = readInputMessages(messages, warnings);
  else warnings.push('request: no messages array');
  const tools = arrayField(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}

function readInputMessages(messages: unknown[], warnings: string[]): InputMessage[] {
  const out: InputMessage[] = [];
  messages.forEach((m, i) => {
    const where = `request.messages[${i}]`;
    const role = isObject(m) ? stringField(m, 'role') : undefined;
    if (!isObject(m) || role === undefined) warnings.push(`${where}: not a message with a role, skipped`);
    else out.push({ role, parts: readContent(m['content'], warnings, where) });
  });
  return out;
}

/** `content` (and `system`) is a string or an array of content blocks. */
function readContent(content: unknown, warnings: string[], where: string): MessagePart[] {
  if (typeof content === 'string') return content === '' ? [] : [textPart(content)];
  if (!Array.isArray(content)) {
    warnings.push(`${where}: content neither string nor array, skipped`);
    return [];
  }
  return readBlocks(content, warnings, where);
}

function readBlocks(blocks: unknown[], warnings: string[], where: string): MessagePart[] {
  const parts: MessagePart[] = [];
  blocks.forEach((b, j) => {
    const part = isObject(b) ? readBlock(b) : undefined;
    if (part) parts.push(part);
    else if (!(isObject(b) && b['type'] === 'redacted_thinking')) warnings.push(`${where}.content[${j}]: unsupported content block, skipped`);
  });
  return parts;
}

function readBlock(b: JsonObject): MessagePart | undefined {
  const type = stringField(b, 'type');
  switch (type) {
    case 'text': {
      const text = stringField(b, 'text');
      return text === undefined ? undefined : textPart(text);
    }
    case 'thinking': {
      const thinking = stringField(b, 'thinking');
      return thinking === undefined ? undefined : { type: 'reasoning', content: thinking };
    }
    case 'image':
    case 'document':
      return readSource(objectField(b, 'source'), type === 'image' ? 'image' : 'document');
    // server_tool_use: a tool the API ran itself (web search, code execution).
    case 'tool_use':
    case 'server_tool_use': {
      const name = stringField(b, 'name');
      return name === undefined ? undefined : toolCallPart(stringField(b, 'id') ?? null, name, b['input']);
    }
    default:
      // tool_result, and the results of server tools (web_search_tool_result, …).
      if (type?.endsWith('tool_result')) return { type: 'tool_call_response', id: stringField(b, 'tool_use_id') ?? null, response: toolResultValue(b['content']) };
      return undefined;
  }
}

/** `source: { type: 'base64', media_type, data }`, `{ type: 'url', url }` or `{ type: 'text', data }` (plain-text documents). */
function readSource(source: JsonObject | undefined, modality: string): MessagePart | undefined {
  if (!source) return undefined;
  const mediaType = stringField(source, 'media_type');
  const data = stringField(source, 'data');
  const url = stringField(source, 'url');
  switch (source['type']) {
    case 'base64':
      return data === undefined ? undefined : blobPart(mediaType ? modalityOf(mediaType) : modality, mediaType, data);
    case 'url':
      return url === undefined ? undefined : { type: 'uri', modality, uri: url };
    case 'text':
      return data === undefined ? undefined : textPart(data);
    default:
      return undefined;
  }
}

/**
 * Anthropic's `input_tokens` excludes cached tokens; the OTel Anthropic conventions say
 * gen_ai.usage.input_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
 */
export function readMessagesUsage(outcome: ChatOutcome, usage: JsonObject | undefined): void {
  if (!usage) return;
  const input = countField(usage, 'input_tokens');
  outcome.cacheReadTokens = countField(usage, 'cache_read_input_tokens') ?? outcome.cacheReadTokens;
  outcome.cacheCreationTokens = countField(usage, 'cache_creation_input_tokens') ?? outcome.cacheCreationTokens;
  if (input !== undefined) outcome.inputTokens = addCount(addCount(input, outcome.cacheReadTokens), outcome.cacheCreationTokens);
  outcome.outputTokens = countField(usage, 'output_tokens') ?? outcome.outputTokens;
}

/** A `message` object: the whole JSON response, or the message rebuilt from a stream. */
export function readMessageObject(message: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.id = stringField(message, 'id');
  outcome.model = stringField(message, 'model');
  outcome.error = readApiError(message);
  readMessagesUsage(outcome, objectField(message, 'usage'));
  const content = arrayField(message, 'content');
  if (content === undefined) {
    if (outcome.error === undefined) warnings.push('response: no content array');
    return outcome;
  }
  outcome.choices = [
    {
      role: stringField(message, 'role') ?? 'assistant',
      parts: readBlocks(content, warnings, 'response'),
      finishReason: stringField(message, 'stop_reason') ?? null,
    },
  ];
  return outcome;
}

/** `refusal` is the model declining for safety reasons: the OTel content_filter. */
export const ANTHROPIC_FINISH = finishMapper({
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_call',
  refusal: 'content_filter',
});
