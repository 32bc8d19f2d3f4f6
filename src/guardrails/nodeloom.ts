/**
 * Guardrail findings in the NodeLoom wire format: one standalone `event` named
 * `guardrail_violation` per direction that has findings, tied to the call's trace. Pure: the same
 * record and findings always give the same events; the NodeLoom sink batches and sends them.
 *
 * Only masked samples travel (the entries of `osprey.guardrails`), never offsets into content or
 * raw values.
 */
import type { LlmCall } from '../telemetry/llm-call.js';
import { toRecordEntry } from './evaluate.js';
import type { Direction, Finding, GuardrailRecordEntry } from './types.js';

export interface NodeLoomGuardrailViolation {
  type: GuardrailRecordEntry['type'];
  detector: GuardrailRecordEntry['detector'];
  kind: string;
  message_index: number | null;
  role: string;
  sample: string;
  score: number;
  action: GuardrailRecordEntry['action'];
}

export interface NodeLoomGuardrailEvent {
  type: 'event';
  name: 'guardrail_violation';
  level: 'warning';
  trace_id: string;
  /** The SDK's standalone events carry a timestamp; this is the call's end time. */
  timestamp: string;
  data: {
    source: 'ebpf';
    direction: Direction;
    violations: NodeLoomGuardrailViolation[];
  };
}

function violation(e: GuardrailRecordEntry): NodeLoomGuardrailViolation {
  return {
    type: e.type,
    detector: e.detector,
    kind: e.kind,
    message_index: e.message_index,
    role: e.role,
    sample: e.sample,
    score: e.score,
    action: e.action,
  };
}

function isFinding(x: Finding | GuardrailRecordEntry): x is Finding {
  return 'start' in x;
}

/**
 * Events for `findings` (as returned by evaluateCall, or the `osprey.guardrails` entries of an
 * exported record). Input first, then output; none when there are no findings.
 */
export function encodeGuardrailViolations(call: Pick<LlmCall, 'trace_id' | 'end_time'>, findings: readonly (Finding | GuardrailRecordEntry)[]): NodeLoomGuardrailEvent[] {
  const events: NodeLoomGuardrailEvent[] = [];
  for (const direction of ['input', 'output'] as const) {
    const violations = findings
      .filter((f) => f.direction === direction)
      .map((f) => violation(isFinding(f) ? toRecordEntry(f) : f));
    if (violations.length === 0) continue;
    events.push({
      type: 'event',
      name: 'guardrail_violation',
      level: 'warning',
      trace_id: call.trace_id,
      timestamp: call.end_time,
      data: { source: 'ebpf', direction, violations },
    });
  }
  return events;
}
