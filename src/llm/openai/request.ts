import type { GenAiAttributes } from '../../telemetry/llm-call.js';
import { arrayField, isObject, numberField, parseJsonBody, stringField } from '../json.js';
import { readInputMessages } from './messages.js';

/** Reads a chat-completions request body into the request-side attributes. */
export function readChatRequest(body: Buffer, attrs: GenAiAttributes, warnings: string[]): void {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) {
    warnings.push(`request: body is not JSON (${parsed.reason})`);
    return;
  }
  const req = parsed.value;
  if (!isObject(req)) {
    warnings.push('request: JSON body is not an object');
    return;
  }
  const model = stringField(req, 'model');
  if (model !== undefined) attrs['gen_ai.request.model'] = model;
  attrs['osprey.stream'] = req['stream'] === true;

  const temperature = numberField(req, 'temperature');
  if (temperature !== undefined) attrs['gen_ai.request.temperature'] = temperature;
  const topP = numberField(req, 'top_p');
  if (topP !== undefined) attrs['gen_ai.request.top_p'] = topP;
  // max_tokens is deprecated in favour of max_completion_tokens (required by reasoning models).
  const maxTokens = numberField(req, 'max_completion_tokens') ?? numberField(req, 'max_tokens');
  if (maxTokens !== undefined) attrs['gen_ai.request.max_tokens'] = maxTokens;

  const messages = arrayField(req, 'messages');
  if (messages) attrs['gen_ai.input.messages'] = readInputMessages(messages, warnings);
  else warnings.push('request: no messages array');
  const tools = arrayField(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}
