import { numberField, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, type ChatOutcome } from '../outcome.js';
import { sseJsonEvents } from '../sse-events.js';
import { readCohereChatResponse } from './chat.js';

/** Appends `piece` to a string field of `obj` (fragments of text, tool plan, tool arguments). */
function append(obj: JsonObject, key: string, piece: string | undefined): void {
  if (piece !== undefined) obj[key] = (stringField(obj, key) ?? '') + piece;
}

/** `delta.message` of a v2 stream event, where every event keeps its payload. */
function deltaMessage(data: JsonObject): JsonObject {
  const delta = objectField(data, 'delta');
  return (delta && objectField(delta, 'message')) ?? {};
}

/**
 * Rebuilds a v2 chat stream (SSE events whose data repeat the name in `type`) into the response it
 * stands for, and reads that: `message-start` (id), `content-start` / `content-delta` (text),
 * `tool-plan-delta`, `tool-call-start` / `tool-call-delta` (arguments as JSON fragments) /
 * `tool-call-end`, and `message-end` with `finish_reason` and `usage`.
 */
export function readCohereChatStream(body: Buffer, warnings: string[]): ChatOutcome {
  const { events } = sseJsonEvents(body, warnings);
  if (events.length === 0) {
    warnings.push('response: stream has no events');
    return emptyOutcome();
  }
  const response: JsonObject = {};
  const message: JsonObject = { role: 'assistant' };
  const content = new Map<number, JsonObject>();
  const toolCalls = new Map<number, JsonObject>();
  let sawEnd = false;
  for (const { event, data } of events) {
    const index = numberField(data, 'index') ?? 0;
    const delta = deltaMessage(data);
    switch (stringField(data, 'type') ?? event) {
      case 'message-start':
        response['id'] = data['id'];
        if (typeof delta['role'] === 'string') message['role'] = delta['role'];
        break;
      case 'content-start':
        content.set(index, { ...(objectField(delta, 'content') ?? { type: 'text' }) });
        break;
      case 'content-delta': {
        const piece = objectField(delta, 'content');
        const block = content.get(index) ?? { type: 'text' };
        content.set(index, block);
        append(block, 'text', piece && stringField(piece, 'text'));
        append(block, 'thinking', piece && stringField(piece, 'thinking'));
        break;
      }
      case 'tool-plan-delta':
        append(message, 'tool_plan', stringField(delta, 'tool_plan'));
        break;
      case 'tool-call-start': {
        const call = objectField(delta, 'tool_calls') ?? {};
        toolCalls.set(index, { ...call, function: { ...(objectField(call, 'function') ?? {}) } });
        break;
      }
      case 'tool-call-delta': {
        const fn = objectField(objectField(delta, 'tool_calls') ?? {}, 'function');
        const call = toolCalls.get(index);
        const target = call && objectField(call, 'function');
        if (target) append(target, 'arguments', fn && stringField(fn, 'arguments'));
        break;
      }
      case 'message-end': {
        sawEnd = true;
        const end = objectField(data, 'delta') ?? {};
        response['finish_reason'] = end['finish_reason'];
        response['usage'] = end['usage'];
        // A stream that fails says so here: finish_reason ERROR, with the message beside it.
        if (end['error'] !== undefined) response['error'] = end['error'];
        break;
      }
      default:
        break;
    }
  }
  if (!sawEnd) warnings.push('response: stream ended without message-end');
  message['content'] = [...content.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  message['tool_calls'] = [...toolCalls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  response['message'] = message;
  return readCohereChatResponse(response, warnings);
}
