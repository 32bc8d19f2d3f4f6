/**
 * Shared pieces of the multi-provider fake: what a provider handler receives and returns, and the
 * rules every provider's answers follow. Answers are pure functions of the request, so a test (or
 * the demo) knows the exact record the agent must produce:
 * - the marker is the `[token]` in the last user message (`none` without one);
 * - the reply text is `replyText(label, marker)`, streamed word by word;
 * - a request that declares tools is answered with a call to its first tool, with FAKE_TOOL_ARGUMENTS;
 * - ids are `fakeId(prefix, marker)`; token counts are constants of each provider's module.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A request as a provider handler sees it: body already read, JSON already parsed when it is JSON. */
export interface FakeRequest {
  method: string;
  /** Host header or :authority, lower-cased, without the port. */
  host: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/**
 * An answer: status, content type, and the body as the pieces the server writes one at a time
 * (a streamed answer is written event by event, as a real provider does).
 */
export interface FakeReply {
  status: number;
  contentType: string;
  chunks: string[];
  /** True for streams (chunked transfer); false: one body with a content-length. */
  streamed: boolean;
}

/** Answers the request, or returns undefined when this provider has no such endpoint. */
export type ProviderHandler = (req: FakeRequest) => FakeReply | undefined;

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The arguments of every fake tool call (a JSON object; some APIs send it as a string). */
export const FAKE_TOOL_ARGUMENTS = { city: 'Paris', days: 3 } as const;
export const FAKE_TOOL_ARGUMENTS_JSON = JSON.stringify(FAKE_TOOL_ARGUMENTS);

/** Fixed creation time of every answer (seconds since the epoch), so answers do not depend on the clock. */
export const FAKE_CREATED = 1_767_225_600;

/** The `[marker]` of a user message: letters, digits, `-`, `_` and `.`; `none` when there is none. */
export function markerOf(text: string): string {
  return /\[([A-Za-z0-9_.-]+)\]/.exec(text)?.[1] ?? 'none';
}

/** The assistant's answer text: names the marker and the provider that answered. */
export function replyText(label: string, marker: string): string {
  return `Hello ${marker}! ${label} answers from the local fake.`;
}

/** A provider-shaped id derived from the marker, e.g. `msg_` + marker. */
export function fakeId(prefix: string, marker: string): string {
  return `${prefix}${marker}`;
}

/** Words with their following space, as a model streams text: `a b` → [`a `, `b`]. */
export function words(text: string): string[] {
  return text.split(/(?<= )/);
}

/** A string cut into pieces of at most `size` characters (tool-call arguments arrive this way). */
export function pieces(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** Text of an OpenAI-style `content`: a string, or an array of `{ type: 'text' | 'input_text', text }` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((p) => (isObject(p) ? (str(p['text']) ?? '') : ''))
    .join('');
}

/** The text of the last message whose role is `user` in an OpenAI-style message list. */
export function lastUserText(messages: unknown): string {
  const users = asArray(messages).filter((m) => isObject(m) && m['role'] === 'user') as JsonObject[];
  const last = users[users.length - 1];
  return last ? contentText(last['content']) : '';
}

export function jsonReply(status: number, body: unknown): FakeReply {
  return { status, contentType: 'application/json', chunks: [JSON.stringify(body)], streamed: false };
}

/** SSE: one chunk per event; `event:` line when named. `eol` is `\r\n` for servers that frame with CRLF. */
export function sseReply(events: ReadonlyArray<{ event?: string; data: unknown }>, eol = '\n'): FakeReply {
  const chunks = events.map(({ event, data }) => {
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    return `${event === undefined ? '' : `event: ${event}${eol}`}data: ${payload}${eol}${eol}`;
  });
  return { status: 200, contentType: 'text/event-stream; charset=utf-8', chunks, streamed: true };
}

/** Newline-delimited JSON: one object per line, one chunk per line. */
export function ndjsonReply(lines: readonly unknown[]): FakeReply {
  return { status: 200, contentType: 'application/x-ndjson', chunks: lines.map((l) => `${JSON.stringify(l)}\n`), streamed: true };
}

/** The first tool a request declares, by the name field of its API's tool shape, or undefined. */
export function firstToolName(tools: unknown, nameOf: (tool: JsonObject) => string | undefined): string | undefined {
  for (const t of asArray(tools)) {
    if (!isObject(t)) continue;
    const name = nameOf(t);
    if (name !== undefined) return name;
  }
  return undefined;
}
