/**
 * LlmCall → OTLP/HTTP JSON (ExportTraceServiceRequest), as OpenTelemetry GenAI client spans.
 *
 * The record is already shaped like a span with semconv attribute names, so this is a re-encoding:
 * ids stay hex (the OTLP JSON mapping), times become nanosecond strings, attributes become
 * KeyValue/AnyValue. Arrays of one primitive type (`gen_ai.response.finish_reasons`: string[])
 * stay OTLP arrays; objects and anything containing objects (`gen_ai.input.messages`,
 * `gen_ai.tool.definitions`, `osprey.guardrails`) become JSON strings, as the GenAI conventions
 * recommend where structured attributes are not supported. Resource: service.name=osprey-agent
 * and host.name; process.* stay on the span, since one agent observes many processes.
 */
import { hostname } from 'node:os';
import type { AttributeValue, LlmCall } from '../../telemetry/llm-call.js';
import { ATTR } from '../../telemetry/semconv.js';
import type { AcceptedCounts } from '../delivery/exporter.js';

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: { code?: number; message?: string };
}

export interface ExportTraceServiceRequest {
  resourceSpans: Array<{
    resource: { attributes: KeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version?: string }; spans: OtlpSpan[] }>;
  }>;
}

/** opentelemetry.proto.trace.v1.Span.SpanKind */
export const SPAN_KIND_CLIENT = 3;
/** opentelemetry.proto.trace.v1.Status.StatusCode */
export const STATUS_CODE_ERROR = 2;

export interface OtlpResourceInfo {
  serviceName: string;
  serviceVersion?: string;
  hostName: string;
}

export function defaultResource(serviceVersion?: string): OtlpResourceInfo {
  return { serviceName: 'osprey-agent', serviceVersion, hostName: hostname() };
}

const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** ISO-8601 (0–9 fractional digits, Z or an offset) → Unix nanoseconds as a decimal string; null when unparseable. */
export function isoToUnixNano(iso: string): string | null {
  const m = ISO_RE.exec(iso);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return (BigInt(ms) * 1_000_000n + frac).toString();
}

/** One attribute value → AnyValue; null for values OTLP has no use for (null, undefined, NaN). */
export function toAnyValue(v: AttributeValue | undefined): AnyValue | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (!Number.isFinite(v)) return null;
      return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    default:
      break;
  }
  if (Array.isArray(v) && isHomogeneousPrimitiveArray(v)) {
    return { arrayValue: { values: v.map((x) => toAnyValue(x as AttributeValue)!).filter((x) => x !== null) } };
  }
  return { stringValue: JSON.stringify(v) };
}

function isHomogeneousPrimitiveArray(v: unknown[]): boolean {
  if (v.length === 0) return true;
  const t = typeof v[0];
  if (t !== 'string' && t !== 'boolean' && t !== 'number') return false;
  return v.every((x) => typeof x === t && (t !== 'number' || Number.isFinite(x)));
}

export function toKeyValues(attrs: Record<string, AttributeValue | undefined>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, raw] of Object.entries(attrs)) {
    const value = toAnyValue(raw);
    if (value) out.push({ key, value });
  }
  return out;
}

export function encodeSpan(call: LlmCall): OtlpSpan {
  const attrs = call.attributes;
  const start = isoToUnixNano(call.start_time) ?? '0';
  const end = isoToUnixNano(call.end_time) ?? start;
  const httpStatus = attrs[ATTR.httpStatus];
  const errorType = attrs[ATTR.errorType];
  const failed = (typeof httpStatus === 'number' && httpStatus >= 400) || typeof errorType === 'string';
  const message = attrs[ATTR.errorMessage] ?? errorType ?? (typeof httpStatus === 'number' ? `HTTP ${httpStatus}` : undefined);
  const span: OtlpSpan = {
    traceId: call.trace_id,
    spanId: call.span_id,
    name: call.name,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: toKeyValues(attrs),
    status: failed ? { code: STATUS_CODE_ERROR, ...(typeof message === 'string' ? { message } : {}) } : {},
  };
  if (call.parent_span_id) span.parentSpanId = call.parent_span_id;
  return span;
}

export function encodeTraces(calls: LlmCall[], resource: OtlpResourceInfo): ExportTraceServiceRequest {
  const resourceAttrs: Record<string, AttributeValue | undefined> = {
    'service.name': resource.serviceName,
    'service.version': resource.serviceVersion,
    'host.name': resource.hostName,
  };
  return {
    resourceSpans: [
      {
        resource: { attributes: toKeyValues(resourceAttrs) },
        scopeSpans: [{ scope: { name: 'osprey', ...(resource.serviceVersion ? { version: resource.serviceVersion } : {}) }, spans: calls.map(encodeSpan) }],
      },
    ],
  };
}

/** Spooled record lines → request body. */
export function encodeOtlpBody(lines: string[], resource: OtlpResourceInfo): string {
  return JSON.stringify(encodeTraces(lines.map((l) => JSON.parse(l) as LlmCall), resource));
}

/** ExportTraceServiceResponse: `partialSuccess.rejectedSpans` (int64, so a string or a number) are permanently rejected. */
export function parseOtlpResponse(body: string, sent: number): AcceptedCounts {
  let v: { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } };
  try {
    v = JSON.parse(body) as typeof v;
  } catch {
    return { accepted: sent, rejected: 0, firstError: null };
  }
  const ps = v?.partialSuccess;
  const n = Number(ps?.rejectedSpans ?? 0);
  const rejected = Number.isFinite(n) && n > 0 ? Math.min(n, sent) : 0;
  const firstError = typeof ps?.errorMessage === 'string' && ps.errorMessage !== '' ? ps.errorMessage : null;
  return { accepted: sent - rejected, rejected, firstError };
}
