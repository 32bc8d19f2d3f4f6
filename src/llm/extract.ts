/**
 * The one extraction skeleton every adapter runs: parse the request, decide between error, stream
 * and JSON response, hand each to the provider's wire-format readers, and apply what they read.
 * Providers differ only in their WireFormat; the never-throw guarantee and the error handling live here.
 */
import { headerValue } from '../protocols/types.js';
import { isObject, parseJsonBody, type JsonObject } from './json.js';
import { readApiError, recordError, type ApiError } from './error.js';
import { applyOutcome, type ChatOutcome, type FinishMapper } from './outcome.js';
import { pathOf, queryOf } from './route.js';
import type { AdapterAttributes, HttpExchange, LlmExtraction } from './types.js';

/** What readers may need to know about the request beyond its body. */
export interface RequestContext {
  /** Request path without the query. */
  path: string;
  query: URLSearchParams;
  /**
   * The model named by the URL rather than the body (Azure deployment, Gemini `models/{model}`);
   * it becomes gen_ai.request.model, whatever the body says.
   */
  pathModel: string | undefined;
}

/** One operation of one provider API: how to read its request, its response and its stream. */
export interface WireFormat {
  /** gen_ai.operation.name (OTel GenAI well-known values). */
  readonly operation: string;
  /** Request-side attributes from the JSON-parsed request object; sets osprey.stream when the request asks for a stream. */
  readRequest(req: JsonObject, attrs: AdapterAttributes, warnings: string[], ctx: RequestContext): void;
  /** A complete (non-streaming) JSON response object. */
  readResponse(body: JsonObject, warnings: string[]): ChatOutcome;
  /** A streamed response body, as captured: possibly cut short, possibly with garbage in it. */
  readStream(body: Buffer, warnings: string[], ctx: RequestContext): ChatOutcome;
  /** Whether the response is a stream; defaults to `defaultIsStream`. */
  isStream?(contentType: string | undefined, attrs: AdapterAttributes, ctx: RequestContext): boolean;
  /** Reads an error body; defaults to `readApiError`. */
  readError?(body: unknown): ApiError | undefined;
  readonly finish: FinishMapper;
}

/** A format plus what the URL told about the request: what an adapter resolves a path to. */
export interface ResolvedOperation {
  format: WireFormat;
  pathModel?: string;
}

/**
 * SSE and NDJSON are streams by their content type. Without one (some gateways), the request's
 * stream flag decides. Anything else (application/json) is a complete object.
 */
export function defaultIsStream(contentType: string | undefined, attrs: AdapterAttributes): boolean {
  if (contentType === undefined) return attrs['osprey.stream'];
  const type = contentType.toLowerCase();
  return type.includes('text/event-stream') || type.includes('ndjson');
}

/** Never throws: what cannot be read becomes a warning, and the record keeps what was read. */
export function extractWith(exchange: HttpExchange, provider: string, op: ResolvedOperation): LlmExtraction {
  const { format } = op;
  const warnings: string[] = [];
  const attributes: AdapterAttributes = {
    'gen_ai.provider.name': provider,
    'gen_ai.operation.name': format.operation,
    'osprey.stream': false,
  };
  try {
    const ctx: RequestContext = { path: pathOf(exchange.request.target), query: queryOf(exchange.request.target), pathModel: op.pathModel };
    readRequest(exchange.request.body, format, attributes, warnings, ctx);
    readResponse(exchange.response, format, attributes, warnings, ctx);
  } catch (err) {
    // Nothing above should throw; if a body shape slips past the readers, the record keeps what was
    // read so far and the pipeline keeps running. The prefix lets tests prove this never happens.
    warnings.push(`internal: ${(err as Error).message}`);
  }
  const model = attributes['gen_ai.request.model'];
  return { spanName: model === undefined ? format.operation : `${format.operation} ${model}`, attributes, warnings };
}

function readRequest(body: Buffer, format: WireFormat, attrs: AdapterAttributes, warnings: string[], ctx: RequestContext): void {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) warnings.push(`request: body is not JSON (${parsed.reason})`);
  else if (!isObject(parsed.value)) warnings.push('request: JSON body is not an object');
  else format.readRequest(parsed.value, attrs, warnings, ctx);
  if (ctx.pathModel !== undefined) attrs['gen_ai.request.model'] = ctx.pathModel;
}

function readResponse(
  response: HttpExchange['response'],
  format: WireFormat,
  attrs: AdapterAttributes,
  warnings: string[],
  ctx: RequestContext,
): void {
  const readError = format.readError ?? readApiError;
  if (response.status >= 400) {
    const parsed = parseJsonBody(response.body);
    if (!parsed.ok) warnings.push(`response: error body is not JSON (${parsed.reason})`);
    recordError(attrs, parsed.ok ? readError(parsed.value) : undefined, String(response.status));
    return;
  }
  const contentType = headerValue(response.headers, 'content-type');
  if ((format.isStream ?? defaultIsStream)(contentType, attrs, ctx)) {
    attrs['osprey.stream'] = true;
    applyOutcome(attrs, format.readStream(response.body, warnings, ctx), format.finish);
    return;
  }
  const parsed = parseJsonBody(response.body);
  if (!parsed.ok) {
    warnings.push(`response: body is not JSON (${parsed.reason})`);
    return;
  }
  if (!isObject(parsed.value)) {
    warnings.push('response: JSON body is not an object');
    return;
  }
  applyOutcome(attrs, format.readResponse(parsed.value, warnings), format.finish);
}
