import type { HeaderList } from '../protocols/types.js';
import type { GenAiAttributes } from '../telemetry/llm-call.js';

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

/** What an adapter read out of an exchange: GenAI attributes plus anything it could not understand. */
export interface LlmExtraction {
  /** Span name per OTel GenAI: `{operation} {request model}`. */
  spanName: string;
  attributes: GenAiAttributes;
  /** Human-readable notes about parts that could not be read (unknown JSON shape, bad SSE event). */
  warnings: string[];
}

export interface LlmAdapter {
  /** Provider name as in `gen_ai.provider.name` (OTel GenAI well-known values where they exist). */
  readonly provider: string;
  /** True when this adapter understands requests to this host and path. */
  matches(serverName: string | null, method: string, path: string): boolean;
  extract(exchange: HttpExchange): LlmExtraction;
}
