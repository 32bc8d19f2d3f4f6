/**
 * Guardrail counters, on the agent's one Prometheus registry. Labels are closed sets (detector,
 * direction, action), never a custom rule's name or anything from content.
 */
import { Counter } from 'prom-client';
import { registry } from '../telemetry/internal-events.js';
import type { Decision, Finding } from './types.js';

const findings = new Counter({
  name: 'osprey_guardrail_findings_total',
  help: 'Guardrail findings on LLM calls, by detector, direction and action',
  labelNames: ['detector', 'direction', 'action'] as const,
  registers: [registry],
});

const decisions = new Counter({
  name: 'osprey_guardrail_decisions_total',
  help: 'Guardrail decisions on LLM calls',
  labelNames: ['decision'] as const,
  registers: [registry],
});

export function recordEvaluation(list: readonly Finding[], decision: Decision): void {
  for (const f of list) findings.inc({ detector: f.detector, direction: f.direction, action: f.action });
  decisions.inc({ decision });
}
