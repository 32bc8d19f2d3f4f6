import { readApiError, type ApiError } from '../error.js';
import { numberField, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, type ChatOutcome } from '../outcome.js';
import { parseToolArguments } from '../parts.js';
import { sseJsonEvents } from '../sse-events.js';
import { readMessageObject } from './messages.js';

/** A content block being rebuilt from `content_block_delta`s. */
interface BlockAccumulator {
  block: JsonObject;
  /** `input_json_delta.partial_json` fragments of a tool_use block's input. */
  json: string[];
}

/**
 * Rebuilds the message of an Anthropic SSE stream and reads it like a JSON response:
 * `message_start` (id, model, input tokens), `content_block_start` / `content_block_delta`
 * (`text_delta`, `input_json_delta`, `thinking_delta`) / `content_block_stop`, `message_delta`
 * (stop_reason, cumulative output tokens), `message_stop`; `ping`s are ignored and an `error`
 * event (overloaded mid-stream) is recorded.
 */
export function readMessagesStream(body: Buffer, warnings: string[]): ChatOutcome {
  const { events } = sseJsonEvents(body, warnings);
  let message: JsonObject | undefined;
  const usage: JsonObject = {};
  const blocks = new Map<number, BlockAccumulator>();
  let stopReason: unknown;
  let sawStop = false;
  let error: ApiError | undefined;
  for (const { event, data } of events) {
    switch (stringField(data, 'type') ?? event) {
      case 'message_start':
        message = objectField(data, 'message') ?? message;
        mergeUsage(usage, message && objectField(message, 'usage'));
        break;
      case 'content_block_start': {
        const block = objectField(data, 'content_block');
        if (block) blocks.set(numberField(data, 'index') ?? blocks.size, { block: { ...block }, json: [] });
        break;
      }
      case 'content_block_delta':
        applyDelta(blocks.get(numberField(data, 'index') ?? 0), objectField(data, 'delta'));
        break;
      case 'message_delta': {
        const delta = objectField(data, 'delta');
        if (delta && 'stop_reason' in delta) stopReason = delta['stop_reason'];
        mergeUsage(usage, objectField(data, 'usage'));
        break;
      }
      case 'message_stop':
        sawStop = true;
        break;
      case 'error':
        error = readApiError(data);
        break;
      default:
        break;
    }
  }
  if (!sawStop && error === undefined) warnings.push('response: stream ended without message_stop');
  const outcome = message || blocks.size > 0 ? readMessageObject(rebuild(message ?? {}, usage, blocks, stopReason), warnings) : emptyOutcome();
  outcome.error ??= error;
  return outcome;
}

/** Usage arrives in message_start and again, cumulative, in message_delta: later numbers replace earlier ones. */
function mergeUsage(into: JsonObject, from: JsonObject | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) if (typeof v === 'number') into[k] = v;
}

function applyDelta(acc: BlockAccumulator | undefined, delta: JsonObject | undefined): void {
  if (!acc || !delta) return;
  const append = (field: string, piece: string | undefined): void => {
    if (piece !== undefined) acc.block[field] = (stringField(acc.block, field) ?? '') + piece;
  };
  switch (delta['type']) {
    case 'text_delta':
      append('text', stringField(delta, 'text'));
      break;
    case 'thinking_delta':
      append('thinking', stringField(delta, 'thinking'));
      break;
    case 'input_json_delta': {
      const json = stringField(delta, 'partial_json');
      if (json !== undefined) acc.json.push(json);
      break;
    }
    default:
      break;
  }
}

/**
 * The message as a non-streaming response would have carried it. A tool_use block starts with
 * `input: {}` and gets its real input as JSON fragments; without fragments the start value stands.
 */
function rebuild(message: JsonObject, usage: JsonObject, blocks: Map<number, BlockAccumulator>, stopReason: unknown): JsonObject {
  const content = [...blocks.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, { block, json }]) => {
      const joined = json.join('');
      return joined === '' ? block : { ...block, input: parseToolArguments(joined) };
    });
  const rebuilt: JsonObject = { ...message, usage, content };
  if (stopReason !== undefined) rebuilt['stop_reason'] = stopReason;
  return rebuilt;
}
