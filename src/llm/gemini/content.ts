/**
 * Gemini `generateContent` (Google AI `generativelanguage.googleapis.com`, same body on Vertex AI):
 * request contents and response candidates to OTel messages. The REST API accepts both camelCase and
 * snake_case field names (proto JSON), and clients use either, so every field is read both ways.
 */
import type { InputMessage, MessagePart } from '../../telemetry/llm-call.js';
import { readApiError } from '../error.js';
import { countField, isObject, numberField, stringField, type JsonObject } from '../json.js';
import { emptyOutcome, finishMapper, type ChatOutcome, type ChoiceOutcome } from '../outcome.js';
import { blobPart, modalityOf, textPart, toolCallPart } from '../parts.js';
import type { RequestContext } from '../extract.js';
import { readSampling } from '../request-params.js';
import type { AdapterAttributes } from '../types.js';

/** `maxOutputTokens` → `max_output_tokens`. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A field under its camelCase name or its snake_case one. */
export function field(obj: JsonObject, camel: string): unknown {
  return obj[camel] ?? obj[snake(camel)];
}

export function objectAt(obj: JsonObject, camel: string): JsonObject | undefined {
  const v = field(obj, camel);
  return isObject(v) ? v : undefined;
}

export function arrayAt(obj: JsonObject, camel: string): unknown[] | undefined {
  const v = field(obj, camel);
  return Array.isArray(v) ? v : undefined;
}

function stringAt(obj: JsonObject, camel: string): string | undefined {
  const v = field(obj, camel);
  return typeof v === 'string' ? v : undefined;
}

function numberAt(obj: JsonObject, camel: string): number | undefined {
  return numberField(obj, camel) ?? numberField(obj, snake(camel));
}

function countAt(obj: JsonObject, camel: string): number | undefined {
  return countField(obj, camel) ?? countField(obj, snake(camel));
}

/** Gemini calls the assistant `model`, and older clients sent tool results as role `function`. */
function otelRole(role: string | undefined): string {
  if (role === 'model') return 'assistant';
  if (role === 'function') return 'tool';
  return role ?? 'user';
}

export function readGenerateContentRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[], ctx: RequestContext): void {
  // The model and the stream flag are in the URL (`models/{model}:streamGenerateContent`), not the body.
  attrs['osprey.stream'] = ctx.path.endsWith(':streamGenerateContent');
  const config = objectAt(req, 'generationConfig');
  if (config) readSampling(config, attrs, { temperature: ['temperature'], topP: ['topP', 'top_p'], maxTokens: ['maxOutputTokens', 'max_output_tokens'] });
  const system = field(req, 'systemInstruction');
  if (typeof system === 'string') attrs['gen_ai.system_instructions'] = [textPart(system)];
  else if (isObject(system)) attrs['gen_ai.system_instructions'] = readParts(arrayAt(system, 'parts') ?? [], warnings, 'request.systemInstruction');
  const contents = arrayAt(req, 'contents');
  if (contents) attrs['gen_ai.input.messages'] = readContents(contents, warnings);
  else warnings.push('request: no contents array');
  const tools = arrayAt(req, 'tools');
  if (tools) attrs['gen_ai.tool.definitions'] = tools;
}

function readContents(contents: unknown[], warnings: string[]): InputMessage[] {
  const out: InputMessage[] = [];
  contents.forEach((c, i) => {
    const where = `request.contents[${i}]`;
    const parts = isObject(c) ? arrayAt(c, 'parts') : undefined;
    if (!isObject(c) || !parts) warnings.push(`${where}: no parts, skipped`);
    else out.push({ role: otelRole(stringField(c, 'role')), parts: readParts(parts, warnings, where) });
  });
  return out;
}

function readParts(parts: unknown[], warnings: string[], where: string): MessagePart[] {
  const out: MessagePart[] = [];
  parts.forEach((p, j) => {
    const part = isObject(p) ? readPart(p) : undefined;
    if (part) out.push(part);
    else warnings.push(`${where}.parts[${j}]: unsupported part, skipped`);
  });
  return out;
}

/**
 * One `Part`: text (a `thought` is the model's reasoning), inline bytes, a file URI, a function
 * call or its response. Gemini function calls may carry no id; then the id is null.
 * Code execution is a tool the API runs itself, recorded as a call and its result.
 */
function readPart(p: JsonObject): MessagePart | undefined {
  const text = stringAt(p, 'text');
  if (text !== undefined) return p['thought'] === true ? { type: 'reasoning', content: text } : textPart(text);
  const inline = objectAt(p, 'inlineData');
  if (inline) {
    const data = stringAt(inline, 'data');
    const mime = stringAt(inline, 'mimeType');
    return data === undefined ? undefined : blobPart(modalityOf(mime), mime, data);
  }
  const file = objectAt(p, 'fileData');
  if (file) {
    const uri = stringAt(file, 'fileUri');
    const mime = stringAt(file, 'mimeType');
    return uri === undefined ? undefined : { type: 'uri', modality: modalityOf(mime), ...(mime ? { mime_type: mime } : {}), uri };
  }
  const call = objectAt(p, 'functionCall');
  if (call) {
    const name = stringAt(call, 'name');
    return name === undefined ? undefined : toolCallPart(stringAt(call, 'id') ?? null, name, field(call, 'args') ?? {});
  }
  const response = objectAt(p, 'functionResponse');
  if (response) return { type: 'tool_call_response', id: stringAt(response, 'id') ?? null, response: field(response, 'response') ?? null };
  const code = objectAt(p, 'executableCode');
  if (code) return toolCallPart(null, 'code_execution', code);
  const result = objectAt(p, 'codeExecutionResult');
  if (result) return { type: 'tool_call_response', id: null, response: result };
  return undefined;
}

/**
 * `usageMetadata`: promptTokenCount includes cached content (cachedContentTokenCount). Thinking
 * tokens (thoughtsTokenCount) are generated and billed as output, as reasoning tokens are in
 * OpenAI's completion_tokens, so output = candidatesTokenCount + thoughtsTokenCount.
 */
function readUsageMetadata(outcome: ChatOutcome, usage: JsonObject | undefined): void {
  if (!usage) return;
  outcome.inputTokens = countAt(usage, 'promptTokenCount');
  const candidates = countAt(usage, 'candidatesTokenCount');
  const thoughts = countAt(usage, 'thoughtsTokenCount');
  outcome.outputTokens = candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0);
  outcome.cacheReadTokens = countAt(usage, 'cachedContentTokenCount');
}

/** A `GenerateContentResponse`: the whole JSON reply, one stream chunk, or a stream merged into one. */
export function readGenerateContentResponse(body: JsonObject, warnings: string[]): ChatOutcome {
  const outcome = emptyOutcome();
  outcome.id = stringAt(body, 'responseId');
  outcome.model = stringAt(body, 'modelVersion');
  outcome.error = readApiError(body);
  readUsageMetadata(outcome, objectAt(body, 'usageMetadata'));
  const candidates = arrayAt(body, 'candidates');
  // A blocked prompt gets no candidates, only the reason: recorded as an empty answer with that finish reason.
  const feedback = objectAt(body, 'promptFeedback');
  const blockReason = feedback && stringAt(feedback, 'blockReason');
  if (candidates === undefined) {
    if (blockReason !== undefined) outcome.choices = [{ role: 'assistant', parts: [], finishReason: blockReason }];
    else if (outcome.error === undefined) warnings.push('response: no candidates array');
    return outcome;
  }
  const indexed: Array<[number, ChoiceOutcome]> = [];
  candidates.forEach((c, i) => {
    if (!isObject(c)) {
      warnings.push(`response.candidates[${i}]: not an object, skipped`);
      return;
    }
    const content = objectAt(c, 'content');
    const parts = content ? readParts(arrayAt(content, 'parts') ?? [], warnings, `response.candidates[${i}].content`) : [];
    const role = otelRole((content && stringField(content, 'role')) ?? 'model');
    indexed.push([numberAt(c, 'index') ?? i, { role, parts, finishReason: stringAt(c, 'finishReason') ?? null }]);
  });
  outcome.choices = indexed.sort((a, b) => a[0] - b[0]).map(([, choice]) => choice);
  return outcome;
}

/** Gemini says STOP for a turn that calls functions too; such a turn finishes with `tool_call`. */
export const GEMINI_FINISH = finishMapper(
  {
    STOP: 'stop',
    MAX_TOKENS: 'length',
    SAFETY: 'content_filter',
    RECITATION: 'content_filter',
    BLOCKLIST: 'content_filter',
    PROHIBITED_CONTENT: 'content_filter',
    SPII: 'content_filter',
    IMAGE_SAFETY: 'content_filter',
    MALFORMED_FUNCTION_CALL: 'error',
    UNEXPECTED_TOOL_CALL: 'error',
  },
  true,
);
