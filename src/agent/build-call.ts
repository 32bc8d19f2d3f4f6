/**
 * Assembles the canonical LlmCall from what each stage knows: the adapter's GenAI attributes, the
 * exchange's HTTP facts, the connection's peer, and the process's identity. Everything that could
 * carry a secret passes through redaction here, the last stop before any sink.
 */
import { pathOf, rawQueryOf } from '../llm/route.js';
import { identityAttributes, type ProcessIdentity } from '../identity/identity.js';
import type { HttpExchange, LlmExtraction } from '../llm/types.js';
import type { TlsLibrary } from '../sensor/wire.js';
import type { PeerInfo } from '../stream/connection.js';
import { newSpanId, newTraceId } from '../telemetry/ids.js';
import type { LlmCall } from '../telemetry/llm-call.js';
import { redactSecretsInText, redactUrl } from '../telemetry/redact.js';
import { ATTR } from '../telemetry/semconv.js';
import { isoMicros } from '../telemetry/time.js';

export interface CallContext {
  /** Who made the call: process, container and Kubernetes identity (OTel resource names). */
  identity: ProcessIdentity;
  /** `osprey.agent.*` from the mapping rules; empty when no rule matched. */
  agent: Record<string, string>;
  peer: PeerInfo;
  library: TlsLibrary;
  /** Notes from earlier stages (body decoding) to keep beside the adapter's warnings. */
  notes: readonly string[];
}

export function buildLlmCall(exchange: HttpExchange, extraction: LlmExtraction, ctx: CallContext): LlmCall {
  // Some clients put keys in the path itself, not only in the query.
  const target = redactSecretsInText(redactUrl(exchange.request.target));
  const warnings = [...ctx.notes, ...extraction.warnings];
  const attributes: LlmCall['attributes'] = {
    ...extraction.attributes,
    [ATTR.serverAddress]: exchange.serverName ?? ctx.peer.remoteAddress ?? undefined,
    [ATTR.serverPort]: exchange.serverPort ?? undefined,
    [ATTR.urlPath]: pathOf(target),
    [ATTR.urlQuery]: rawQueryOf(target),
    [ATTR.httpMethod]: exchange.request.method,
    [ATTR.httpStatus]: exchange.response.status,
    [ATTR.protocolVersion]: exchange.protocolVersion,
    [ATTR.peerAddress]: ctx.peer.remoteAddress ?? undefined,
    [ATTR.peerPort]: ctx.peer.remotePort ?? undefined,
    [ATTR.clientAddress]: ctx.peer.localAddress ?? undefined,
    [ATTR.clientPort]: ctx.peer.localPort ?? undefined,
    // identityAttributes redacts the command line: it carries keys more often than one would hope.
    ...identityAttributes(ctx.identity),
    ...ctx.agent,
    [ATTR.tlsLibrary]: ctx.library,
    [ATTR.ttftMs]: round3((exchange.response.firstByteUs - exchange.request.endUs) / 1000),
    [ATTR.warnings]: warnings.length > 0 ? warnings.map(redactSecretsInText) : undefined,
  };
  // Copy the defined values into a fresh object: deleting keys would drop it into slow dictionary mode.
  const defined = {} as LlmCall['attributes'];
  for (const k in attributes) if (attributes[k] !== undefined) (defined as Record<string, unknown>)[k] = attributes[k];
  return {
    kind: 'llm_call',
    trace_id: newTraceId(),
    span_id: newSpanId(),
    parent_span_id: null,
    name: extraction.spanName,
    start_time: isoMicros(exchange.request.startUs),
    end_time: isoMicros(exchange.response.endUs),
    attributes: defined,
  };
}

function round3(x: number): number {
  return Math.round(Math.max(0, x) * 1000) / 1000;
}
