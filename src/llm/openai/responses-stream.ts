import { readApiError } from '../error.js';
import { arrayField, isObject, numberField, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, type ChatOutcome } from '../outcome.js';
import { sseJsonEvents } from '../sse-events.js';
import { readResponseObject } from './responses.js';

/** The events that end a Responses stream; each carries the whole final `response` object. */
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * Rebuilds a Responses API stream (named SSE events whose data repeat the name in `type`).
 * The terminal event carries the whole response, so when it arrived, it is read as is. When the
 * capture ends before it, output items are rebuilt from `response.output_item.added`,
 * `response.output_text.delta` and `response.function_call_arguments.delta`, and read the same way.
 */
export function readResponsesStream(body: Buffer, warnings: string[]): ChatOutcome {
  const { events } = sseJsonEvents(body, warnings);
  const items = new Map<number, JsonObject>();
  let response: JsonObject = {};
  let final: JsonObject | undefined;
  let streamError: ChatOutcome['error'];
  for (const { event, data } of events) {
    const type = stringField(data, 'type') ?? event;
    const payload = objectField(data, 'response');
    if (type !== undefined && TERMINAL.has(type) && payload) final = payload;
    else if (payload) response = payload;
    if (type === 'error') streamError = readApiError(data) ?? { type: stringField(data, 'code') ?? 'error', message: stringField(data, 'message') };
    else readItemEvent(type, data, items);
  }
  if (!final) warnings.push('response: stream ended without response.completed');
  const outcome = final ? readResponseObject(final, warnings) : readCutStream(response, items, warnings);
  outcome.error ??= streamError;
  return outcome;
}

/** What a stream cut before its terminal event said so far: no finish reason, no usage yet. */
function readCutStream(response: JsonObject, items: Map<number, JsonObject>, warnings: string[]): ChatOutcome {
  if (Object.keys(response).length === 0 && items.size === 0) return emptyOutcome();
  const output = [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
  const outcome = readResponseObject({ ...response, output }, warnings);
  outcome.choices = outcome.choices.filter((c) => c.parts.length > 0).map((c) => ({ ...c, finishReason: null }));
  return outcome;
}

function itemAt(items: Map<number, JsonObject>, data: JsonObject): JsonObject {
  const index = numberField(data, 'output_index') ?? 0;
  let item = items.get(index);
  if (!item) {
    item = { type: 'message', role: 'assistant', content: [] };
    items.set(index, item);
  }
  return item;
}

function readItemEvent(type: string | undefined, data: JsonObject, items: Map<number, JsonObject>): void {
  switch (type) {
    case 'response.output_item.added':
    case 'response.output_item.done': {
      const item = objectField(data, 'item');
      // Copied: deltas are appended to it, and the event object must stay as it was.
      if (item) items.set(numberField(data, 'output_index') ?? 0, { ...item, content: [...(arrayField(item, 'content') ?? [])] });
      return;
    }
    case 'response.output_text.delta': {
      const delta = stringField(data, 'delta');
      if (delta === undefined) return;
      const content = arrayField(itemAt(items, data), 'content');
      if (!content) return;
      const index = numberField(data, 'content_index') ?? 0;
      const part = content[index];
      content[index] = { type: 'output_text', text: (isObject(part) ? (stringField(part, 'text') ?? '') : '') + delta };
      return;
    }
    case 'response.function_call_arguments.delta': {
      const delta = stringField(data, 'delta');
      const item = itemAt(items, data);
      if (delta !== undefined) item['arguments'] = (stringField(item, 'arguments') ?? '') + delta;
      return;
    }
    default:
      return;
  }
}
