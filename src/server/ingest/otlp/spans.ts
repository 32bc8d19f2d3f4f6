/**
 * OTLP trace export requests (protobuf or JSON) → flat spans with plain attribute maps. After
 * protobufjs' toObject (64-bit integers as decimal strings) both encodings share field names;
 * they still differ in ids (bytes vs hex) and bytes values (bytes vs base64), and JSON senders
 * may write 64-bit integers as numbers: the accessors below take either form.
 */
import type { AttributeValue } from '../../../telemetry/llm-call.js';
import { ExportTraceServiceRequest } from './proto.js';

export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startUs: number;
  endUs: number;
  /** Resource attributes underneath, span attributes on top. */
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string | null;
}

/** A span that cannot be stored, with why: counted in the partial-success answer. */
export interface RejectedSpan {
  error: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** JSON carries lower-case hex; protobuf carries raw bytes. All zeros means "no id". */
function idHex(v: unknown, bytes: number): string | null {
  let hex: string | null = null;
  if (v instanceof Uint8Array) hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  else if (typeof v === 'string') hex = v.toLowerCase();
  if (hex === null || hex === '' || /^0+$/.test(hex)) return null;
  return hex.length === bytes * 2 && /^[0-9a-f]+$/.test(hex) ? hex : null;
}

/** Nanoseconds as a decimal string (protobuf via toObject, and JSON) or a number (lenient JSON) → µs, or null. */
function nanosToUs(v: unknown): number | null {
  let ns: bigint;
  if (typeof v === 'string' && /^\d+$/.test(v)) ns = BigInt(v);
  else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ns = BigInt(Math.trunc(v));
  else return null;
  return ns === 0n ? null : Number(ns / 1000n);
}

function anyValue(v: unknown): AttributeValue {
  if (!isObj(v)) return null;
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return Number(String(v.intValue));
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return list(isObj(v.arrayValue) ? v.arrayValue.values : undefined).map(anyValue);
  if ('kvlistValue' in v) return keyValues(isObj(v.kvlistValue) ? v.kvlistValue.values : undefined);
  if ('bytesValue' in v) {
    const b = v.bytesValue;
    return b instanceof Uint8Array ? Buffer.from(b).toString('base64') : String(b);
  }
  return null;
}

function keyValues(kvs: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list(kvs)) if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  return out;
}

function flattenSpan(span: Obj, resource: Record<string, AttributeValue>): FlatSpan | RejectedSpan {
  const traceId = idHex(span.traceId, 16);
  if (traceId === null) return { error: 'traceId must be 16 non-zero bytes' };
  const spanId = idHex(span.spanId, 8);
  if (spanId === null) return { error: 'spanId must be 8 non-zero bytes' };
  const startUs = nanosToUs(span.startTimeUnixNano);
  const endUs = nanosToUs(span.endTimeUnixNano);
  if (startUs === null || endUs === null) return { error: 'startTimeUnixNano and endTimeUnixNano are required' };
  const status = isObj(span.status) ? span.status : {};
  return {
    traceId,
    spanId,
    parentSpanId: idHex(span.parentSpanId, 8),
    name: typeof span.name === 'string' ? span.name : '',
    kind: Number(span.kind ?? 0),
    startUs,
    endUs,
    attributes: { ...resource, ...keyValues(span.attributes) },
    statusCode: Number(status.code ?? 0),
    statusMessage: typeof status.message === 'string' && status.message !== '' ? status.message : null,
  };
}

/** Every span of a request, in order, each either flattened or rejected with a reason. */
export function flattenRequest(request: unknown): (FlatSpan | RejectedSpan)[] {
  const out: (FlatSpan | RejectedSpan)[] = [];
  for (const rs of list(isObj(request) ? request.resourceSpans : undefined)) {
    if (!isObj(rs)) continue;
    const resource = keyValues(isObj(rs.resource) ? rs.resource.attributes : undefined);
    for (const ss of list(rs.scopeSpans)) {
      if (!isObj(ss)) continue;
      for (const span of list(ss.spans)) out.push(isObj(span) ? flattenSpan(span, resource) : { error: 'span must be an object' });
    }
  }
  return out;
}

/** Protobuf bytes → the same object shape as OTLP JSON (ids stay bytes; the accessors above take both). */
export function decodeProtobufRequest(body: Uint8Array): unknown {
  const message = ExportTraceServiceRequest.decode(body);
  return ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, oneofs: false });
}
