import type { HeaderList } from '../protocols/types.js';
import type { GenAiAttributes, MessagePart } from '../telemetry/llm-call.js';

/**
 * One HTTP request/response exchange rebuilt from a connection, bodies already de-chunked and
 * content-decoded. This is the boundary between the stream/protocol stages and the LLM adapters.
 */
export interface HttpExchange {
  protocolVersion: '1.0' | '1.1' | '2';
  /** Server name from SNI, else Host / :authority (without port), else null. */
  serverName: string | null;
  /** Server port when known (socket tuple, Host header port, or 443 for TLS), else null. */
  serverPort: number | null;
  request: {
    method: string;
    /** Path and query, e.g. `/v1/chat/completions?api-version=1`. */
    target: string;
    headers: HeaderList;
    body: Buffer;
    /** Epoch microseconds of the first and last request byte seen. */
    startUs: number;
    endUs: number;
  };
  response: {
    status: number;
    headers: HeaderList;
    body: Buffer;
    /** Epoch microseconds of the first response byte and of the last one. */
    firstByteUs: number;
    endUs: number;
  };
}

/**
 * GenAI attributes some adapters add beyond the core set: OTel GenAI names (cache token counts,
 * system instructions given apart from the chat history, embedding size) and OpenAI's `openai.api.type`.
 * A subtype of GenAiAttributes, so everything that reads an extraction keeps working.
 */
export interface AdapterAttributes extends GenAiAttributes {
  /** Instructions sent beside the messages (Anthropic `system`, Gemini `systemInstruction`, Responses `instructions`). */
  'gen_ai.system_instructions'?: MessagePart[];
  /** Input tokens served from a provider cache (included in gen_ai.usage.input_tokens). */
  'gen_ai.usage.cache_read.input_tokens'?: number;
  /** Input tokens written to a provider cache (included in gen_ai.usage.input_tokens). */
  'gen_ai.usage.cache_creation.input_tokens'?: number;
  /** Length of the (first) embedding vector returned; the vectors themselves are never recorded. */
  'gen_ai.embeddings.dimension.count'?: number;
  'gen_ai.request.encoding_formats'?: string[];
  /** `chat_completions` or `responses`: both are operation `chat` per the OTel OpenAI conventions. */
  'openai.api.type'?: string;
  /** The `name` of the configured endpoint (agent config `endpoints:`) that matched, if any. */
  'osprey.endpoint.name'?: string;
}

/** What an adapter read out of an exchange: GenAI attributes plus anything it could not understand. */
export interface LlmExtraction {
  /** Span name per OTel GenAI: `{operation} {request model}`. */
  spanName: string;
  attributes: AdapterAttributes;
  /** Human-readable notes about parts that could not be read (unknown JSON shape, bad SSE event). */
  warnings: string[];
}

/**
 * What adapters match on: where the request went and what it asked for, before any body is read.
 * The port is part of it because some APIs live on a well-known port under any host name (Ollama on
 * :11434 as `localhost`, `127.0.0.1` or a container name).
 */
export interface RouteInfo {
  /** As HttpExchange.serverName: SNI, else Host / :authority without the port, else null. */
  serverName: string | null;
  serverPort: number | null;
  method: string;
  /** Request path; a query string, when present, is ignored by every matcher. */
  path: string;
}

export interface LlmAdapter {
  /** Provider name as in `gen_ai.provider.name` (OTel GenAI well-known values where they exist). */
  readonly provider: string;
  /** True when this adapter understands requests to this host, port and path. */
  matches(route: RouteInfo): boolean;
  /** Never throws: what cannot be read becomes a warning. */
  extract(exchange: HttpExchange): LlmExtraction;
}
