/**
 * The canonical LlmCall record (see DESIGN.md). Shaped like an OpenTelemetry span with GenAI
 * semantic-convention attribute names, so OTLP export is a re-encoding and JSONL is one record per line.
 */

/** One part of a GenAI message, per the OTel GenAI input/output messages JSON schema. */
export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id: string | null; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string | null; response: unknown }
  | { type: 'blob' | 'uri' | 'reasoning'; [key: string]: unknown };

export interface InputMessage {
  role: string;
  parts: MessagePart[];
  name?: string;
}

export interface OutputMessage {
  role: string;
  parts: MessagePart[];
  finish_reason: string | null;
}

/** GenAI attributes an adapter fills in; the pipeline adds connection and process identity. */
export interface GenAiAttributes {
  'gen_ai.provider.name': string;
  'gen_ai.operation.name': string;
  'gen_ai.request.model'?: string;
  'gen_ai.response.model'?: string;
  'gen_ai.response.id'?: string;
  'gen_ai.response.finish_reasons'?: string[];
  'gen_ai.usage.input_tokens'?: number;
  'gen_ai.usage.output_tokens'?: number;
  'gen_ai.request.temperature'?: number;
  'gen_ai.request.max_tokens'?: number;
  'gen_ai.request.top_p'?: number;
  'gen_ai.input.messages'?: InputMessage[];
  'gen_ai.output.messages'?: OutputMessage[];
  'gen_ai.tool.definitions'?: unknown[];
  'error.type'?: string;
  'osprey.error.message'?: string;
  'osprey.stream': boolean;
}

export type AttributeValue = string | number | boolean | null | unknown[] | Record<string, unknown>;

export interface LlmCall {
  kind: 'llm_call';
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  /** ISO-8601 with microseconds, UTC. */
  start_time: string;
  end_time: string;
  attributes: GenAiAttributes & Record<string, AttributeValue | undefined>;
}
