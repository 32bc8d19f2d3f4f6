/**
 * Anthropic Messages API (`POST /v1/messages` on api.anthropic.com): a `message` object, or with
 * `stream: true` the named SSE events of the documented streaming format: `message_start` (input
 * tokens), `content_block_start` / `content_block_delta` (`text_delta`, `input_json_delta`) /
 * `content_block_stop`, a `ping`, `message_delta` (stop_reason, cumulative output tokens), `message_stop`.
 * Errors are `{ type: 'error', error: { type, message } }`: 401 without a key, 404 for a model
 * that is not `claude-…`.
 */
import {
  FAKE_TOOL_ARGUMENTS,
  FAKE_TOOL_ARGUMENTS_JSON,
  asArray,
  contentText,
  fakeId,
  firstToolName,
  isObject,
  jsonReply,
  markerOf,
  pieces,
  replyText,
  sseReply,
  str,
  words,
  type FakeReply,
  type FakeRequest,
  type JsonObject,
} from './common.js';

export const ANTHROPIC_FAKE = {
  label: 'Claude',
  inputTokens: 25,
  outputTokens: 12,
  /** Reported as cache_read_input_tokens when a system block carries `cache_control`, else 0. */
  cachedSystemTokens: 96,
  /** message_start's output_tokens, before message_delta says the final count. */
  startOutputTokens: 1,
  /** Size of the input_json_delta fragments a tool_use input is streamed in. */
  jsonFragment: 9,
} as const;

/** The dated snapshot behind an alias: `claude-sonnet-4-5` → `claude-sonnet-4-5-20250929`; dated names are kept. */
export function anthropicResponseModel(model: string): string {
  return /-\d{8}$/.test(model) ? model : `${model}-20250929`;
}

function lastUserText(messages: unknown): string {
  const users = asArray(messages).filter((m) => isObject(m) && m['role'] === 'user') as JsonObject[];
  return contentText(users[users.length - 1]?.['content'] ?? '');
}

/** True when any system block asks to be cached: then the fake reports it as read from the cache. */
function systemIsCached(system: unknown): boolean {
  return asArray(system).some((b) => isObject(b) && b['cache_control'] !== undefined);
}

function apiError(status: number, type: string, message: string): FakeReply {
  return jsonReply(status, { type: 'error', error: { type, message } });
}

export function handleAnthropic(req: FakeRequest): FakeReply | undefined {
  if (req.method !== 'POST' || req.path !== '/v1/messages') return undefined;
  if (req.headers['x-api-key'] === undefined && req.headers['authorization'] === undefined) {
    return apiError(401, 'authentication_error', 'x-api-key header is required');
  }
  const body = req.json;
  if (!isObject(body) || typeof body['model'] !== 'string' || !Array.isArray(body['messages'])) {
    return apiError(400, 'invalid_request_error', 'model: Field required');
  }
  if (typeof body['max_tokens'] !== 'number') return apiError(400, 'invalid_request_error', 'max_tokens: Field required');
  // Only Claude models exist here: anything else is the API's 404 (a classic: an OpenAI model name).
  if (!body['model'].startsWith('claude-')) return apiError(404, 'not_found_error', `model: ${body['model']}`);

  const marker = markerOf(lastUserText(body['messages']));
  const text = replyText(ANTHROPIC_FAKE.label, marker);
  const tool = firstToolName(body['tools'], (t) => str(t['name']));
  const usage = {
    input_tokens: ANTHROPIC_FAKE.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: systemIsCached(body['system']) ? ANTHROPIC_FAKE.cachedSystemTokens : 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: ANTHROPIC_FAKE.outputTokens,
    service_tier: 'standard',
  };
  const stopReason = tool === undefined ? 'end_turn' : 'tool_use';
  const message = {
    id: fakeId('msg_', marker),
    type: 'message',
    role: 'assistant',
    model: anthropicResponseModel(body['model']),
  };
  const toolUse = tool === undefined ? undefined : { type: 'tool_use', id: fakeId('toolu_', marker), name: tool };

  if (body['stream'] !== true) {
    const content: unknown[] = [{ type: 'text', text }];
    if (toolUse) content.push({ ...toolUse, input: FAKE_TOOL_ARGUMENTS });
    return jsonReply(200, { ...message, content, stop_reason: stopReason, stop_sequence: null, usage });
  }

  const events: Array<{ event: string; data: JsonObject }> = [];
  const emit = (event: string, data: JsonObject): void => {
    events.push({ event, data: { type: event, ...data } });
  };
  emit('message_start', {
    message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: ANTHROPIC_FAKE.startOutputTokens } },
  });
  emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  emit('ping', {});
  for (const w of words(text)) emit('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } });
  emit('content_block_stop', { index: 0 });
  if (toolUse) {
    emit('content_block_start', { index: 1, content_block: { ...toolUse, input: {} } });
    emit('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } });
    for (const p of pieces(FAKE_TOOL_ARGUMENTS_JSON, ANTHROPIC_FAKE.jsonFragment)) {
      emit('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: p } });
    }
    emit('content_block_stop', { index: 1 });
  }
  emit('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: ANTHROPIC_FAKE.outputTokens } });
  emit('message_stop', {});
  return sseReply(events);
}
