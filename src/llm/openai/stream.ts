import type { MessagePart } from '../../telemetry/llm-call.js';
import { readApiError } from '../error.js';
import { arrayField, isObject, nonEmpty, numberField, objectField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, type ChatOutcome, type ChoiceOutcome } from '../outcome.js';
import { sseJsonEvents } from '../sse-events.js';
import { toolCallPart } from '../parts.js';
import { reasoningText } from './messages.js';
import { readUsage } from './usage.js';

/** A choice being rebuilt from `delta`s: text and tool-call arguments arrive as fragments. */
interface ChoiceAccumulator {
  role: string;
  text: string[];
  reasoning: string[];
  /** Keyed by `delta.tool_calls[].index`, which is what ties fragments of one call together. */
  toolCalls: Map<number, { id: string | null; name: string | undefined; args: string[] }>;
  finishReason: string | null;
}

/**
 * Rebuilds a chat completion from its SSE stream of `chat.completion.chunk` objects ending with
 * `data: [DONE]`. Usage only exists when the client asked for `stream_options.include_usage`:
 * then a final chunk with `choices: []` carries it; otherwise the token counts stay unknown.
 * Legacy completions stream the same envelope with `choices[].text` instead of a delta; both are read.
 */
export function readChatCompletionStream(body: Buffer, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  const choices = new Map<number, ChoiceAccumulator>();
  const { events, sawDone } = sseJsonEvents(body, warnings);
  for (const { data } of events) readChunk(data, outcome, choices);
  if (!sawDone && outcome.error === undefined) warnings.push('response: stream ended without [DONE]');
  outcome.choices = [...choices.entries()].sort((a, b) => a[0] - b[0]).map(([i, acc]) => finishChoice(acc, warnings, i));
  return outcome;
}

function readChunk(chunk: JsonObject, outcome: ChatOutcome, choices: Map<number, ChoiceAccumulator>): void {
  // Azure opens its stream with a content-filter chunk whose id and model are empty strings.
  outcome.id ??= nonEmpty(stringField(chunk, 'id'));
  outcome.model ??= nonEmpty(stringField(chunk, 'model'));
  outcome.error ??= readApiError(chunk);
  readUsage(outcome, chunk);
  // Groq streams its usage in the last chunk under `x_groq`, whether or not include_usage was asked for.
  readUsage(outcome, objectField(chunk, 'x_groq'));
  for (const c of arrayField(chunk, 'choices') ?? []) {
    if (!isObject(c)) continue;
    const index = numberField(c, 'index') ?? 0;
    let acc = choices.get(index);
    if (!acc) {
      acc = { role: 'assistant', text: [], reasoning: [], toolCalls: new Map(), finishReason: null };
      choices.set(index, acc);
    }
    const delta = objectField(c, 'delta');
    if (delta) readDelta(delta, acc);
    const text = stringField(c, 'text');
    if (text) acc.text.push(text);
    // The last chunk that names a reason wins; earlier ones (if a server repeats it) are superseded.
    acc.finishReason = stringField(c, 'finish_reason') ?? acc.finishReason;
  }
}

function readDelta(delta: JsonObject, acc: ChoiceAccumulator): void {
  const role = stringField(delta, 'role');
  if (role) acc.role = role;
  const content = stringField(delta, 'content');
  if (content) acc.text.push(content);
  const reasoning = reasoningText(delta);
  if (reasoning) acc.reasoning.push(reasoning);
  for (const tc of arrayField(delta, 'tool_calls') ?? []) {
    if (!isObject(tc)) continue;
    const index = numberField(tc, 'index') ?? 0;
    let call = acc.toolCalls.get(index);
    if (!call) {
      call = { id: null, name: undefined, args: [] };
      acc.toolCalls.set(index, call);
    }
    // id and name come whole in the first delta of a call; some compatible servers repeat them
    // in later deltas, so the first value is kept rather than concatenated.
    call.id ??= stringField(tc, 'id') ?? null;
    const fn = objectField(tc, 'function');
    if (!fn) continue;
    call.name ??= stringField(fn, 'name');
    const args = stringField(fn, 'arguments');
    if (args) call.args.push(args);
  }
}

function finishChoice(acc: ChoiceAccumulator, warnings: string[], index: number): ChoiceOutcome {
  const parts: MessagePart[] = [];
  if (acc.reasoning.length > 0) parts.push({ type: 'reasoning', content: acc.reasoning.join('') });
  if (acc.text.length > 0) parts.push({ type: 'text', content: acc.text.join('') });
  for (const [i, call] of [...acc.toolCalls.entries()].sort((a, b) => a[0] - b[0])) {
    if (call.name === undefined) warnings.push(`response: choice ${index} tool call ${i} has no function name`);
    parts.push(toolCallPart(call.id, call.name ?? '', call.args.join('')));
  }
  return { role: acc.role, parts, finishReason: acc.finishReason };
}
