/**
 * Builders for OTel GenAI message parts, shared by every provider's readers so that a tool call or
 * an inline image looks the same in a record whichever API carried it.
 */
import type { MessagePart } from '../telemetry/llm-call.js';
import { isObject, parseJson } from './json.js';

/**
 * Tool call arguments often travel as a JSON-encoded string. Parsed when valid; kept as the raw
 * string when not (a stream cut short by max_tokens leaves half an object), so nothing the model
 * said is lost. Arguments sent as an object (Anthropic, Gemini, Ollama) are kept as they are.
 */
export function parseToolArguments(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? null;
  const parsed = parseJson(raw);
  return parsed.ok ? parsed.value : raw;
}

export function toolCallPart(id: string | null, name: string, rawArguments: unknown): MessagePart {
  return { type: 'tool_call', id, name, arguments: parseToolArguments(rawArguments) };
}

export function textPart(content: string): MessagePart {
  return { type: 'text', content };
}

/** Inline bytes (base64, as the API sent them). */
export function blobPart(modality: string, mimeType: string | undefined, content: string): MessagePart {
  return { type: 'blob', modality, ...(mimeType ? { mime_type: mimeType } : {}), content };
}

/** OTel modality of a MIME type: `image/png` → `image`; anything but image/audio/video is a document. */
export function modalityOf(mimeType: string | undefined): string {
  const top = mimeType?.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : 'document';
}

const BASE64_DATA_URL = /^data:([^;,]*)(?:;[^;,]*)*;base64,/;

/** Inline `data:…;base64,` media becomes a blob part (OTel keeps the bytes, base64); anything else a uri part. */
export function mediaPart(modality: string, href: string): MessagePart {
  const m = BASE64_DATA_URL.exec(href);
  if (!m) return { type: 'uri', modality, uri: href };
  return blobPart(modality, m[1] || undefined, href.slice(m[0].length));
}

/**
 * A tool result as the model read it: a string, or content parts. Parts that are all text are
 * joined into that text; any other mix (documents, images) is kept as sent.
 */
export function toolResultValue(content: unknown): unknown {
  if (!Array.isArray(content)) return content ?? null;
  const texts = content.map((c) => (isObject(c) && c['type'] === 'text' && typeof c['text'] === 'string' ? c['text'] : undefined));
  return texts.every((t) => t !== undefined) ? texts.join('') : content;
}
