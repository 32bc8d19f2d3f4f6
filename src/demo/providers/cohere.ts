/**
 * Cohere v2 chat (`POST /v2/chat` on api.cohere.com): `{ id, finish_reason, message, usage }`, or
 * with `stream: true` the documented SSE events, named and repeated in `type`: `message-start`,
 * `content-start` / `content-delta` / `content-end`, `tool-plan-delta`, `tool-call-start` /
 * `tool-call-delta` / `tool-call-end`, and `message-end` with `finish_reason` and `usage`
 * (`billed_units` and `tokens`). Responses name no model.
 */
import {
  FAKE_TOOL_ARGUMENTS_JSON,
  fakeId,
  firstToolName,
  isObject,
  jsonReply,
  lastUserText,
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

export const COHERE_FAKE = {
  label: 'Command A',
  /** usage.tokens: what the model read and wrote, Cohere's prompt template included. */
  inputTokens: 73,
  outputTokens: 12,
  /** usage.billed_units: what was billed. */
  billedInputTokens: 7,
  billedOutputTokens: 12,
  argumentsFragment: 8,
} as const;

/** The reasoning Cohere sends before it calls a tool. */
export function cohereToolPlan(tool: string): string {
  return `I will call ${tool} to answer this.`;
}

export function handleCohere(req: FakeRequest): FakeReply | undefined {
  if (req.method !== 'POST' || req.path !== '/v2/chat') return undefined;
  if (!String(req.headers['authorization'] ?? '').startsWith('Bearer ')) return jsonReply(401, { id: 'fake-unauthorized', message: 'no api key supplied' });
  const body = req.json;
  if (!isObject(body) || typeof body['model'] !== 'string' || !Array.isArray(body['messages'])) {
    return jsonReply(400, { id: 'fake-bad-request', message: 'invalid request: model and messages are required' });
  }
  const marker = markerOf(lastUserText(body['messages']));
  const id = fakeId('cohere-', marker);
  const text = replyText(COHERE_FAKE.label, marker);
  const tool = firstToolName(body['tools'], (t) => (isObject(t['function']) ? str(t['function']['name']) : undefined));
  const toolCall = tool === undefined ? undefined : { id: `${tool}_${marker}`, type: 'function', function: { name: tool, arguments: FAKE_TOOL_ARGUMENTS_JSON } };
  const finish = toolCall ? 'TOOL_CALL' : 'COMPLETE';
  const usage = {
    billed_units: { input_tokens: COHERE_FAKE.billedInputTokens, output_tokens: COHERE_FAKE.billedOutputTokens },
    tokens: { input_tokens: COHERE_FAKE.inputTokens, output_tokens: COHERE_FAKE.outputTokens },
  };

  if (body['stream'] !== true) {
    const message: JsonObject = toolCall
      ? { role: 'assistant', tool_plan: cohereToolPlan(tool as string), tool_calls: [toolCall] }
      : { role: 'assistant', content: [{ type: 'text', text }] };
    return jsonReply(200, { id, message, finish_reason: finish, usage });
  }

  const events: Array<{ event: string; data: JsonObject }> = [];
  const emit = (type: string, data: JsonObject): void => {
    events.push({ event: type, data: { type, ...data } });
  };
  emit('message-start', { id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } });
  if (toolCall) {
    for (const w of words(cohereToolPlan(toolCall.function.name))) emit('tool-plan-delta', { delta: { message: { tool_plan: w } } });
    emit('tool-call-start', { index: 0, delta: { message: { tool_calls: { ...toolCall, function: { name: toolCall.function.name, arguments: '' } } } } });
    for (const p of pieces(FAKE_TOOL_ARGUMENTS_JSON, COHERE_FAKE.argumentsFragment)) {
      emit('tool-call-delta', { index: 0, delta: { message: { tool_calls: { function: { arguments: p } } } } });
    }
    emit('tool-call-end', { index: 0 });
  } else {
    emit('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } });
    for (const w of words(text)) emit('content-delta', { index: 0, delta: { message: { content: { text: w } } }, logprobs: null });
    emit('content-end', { index: 0 });
  }
  emit('message-end', { delta: { finish_reason: finish, usage } });
  return sseReply(events);
}
