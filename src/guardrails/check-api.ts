/**
 * `POST /api/guardrails/check`, as pure functions over the NodeLoom SDK shapes (the server mounts
 * them on a route; this module knows nothing of HTTP). The same engine as the agent: one check per
 * requested family, each timed.
 *
 * | request flag           | check type         | detectors                                   |
 * |------------------------|--------------------|---------------------------------------------|
 * | detectPromptInjection  | PROMPT_INJECTION   | prompt-injection families                   |
 * | redactPii              | PII                | email, phone, SSN, payment card, IBAN (+IP) |
 * | filterContent          | CONTENT_FILTER     | credentials and keys in the text            |
 * | applyCustomRules       | CUSTOM_RULES       | the configured custom patterns              |
 *
 * `redactedContent` is the text with every PII match (when redactPii), every credential (always:
 * the response must not echo a secret) and every custom match whose rule redacts or blocks masked.
 * CONTENT_FILTER covers credentials only; there is no toxicity classifier in this engine.
 */
import type { GuardrailsConfig } from './config.js';
import { GuardrailsCheckRequestError } from './errors.js';
import { maskSpans } from './evaluate.js';
import { activeFor, scanText, type ActiveDetectors } from './scan.js';
import { masksContent, type Match } from './types.js';

export type OnViolation = 'BLOCKED' | 'WARNED' | 'LOGGED';
export type CheckType = 'PROMPT_INJECTION' | 'PII' | 'CONTENT_FILTER' | 'CUSTOM_RULES';
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface GuardrailCheckRequest {
  text: string;
  detectPromptInjection: boolean;
  redactPii: boolean;
  filterContent: boolean;
  applyCustomRules: boolean;
  onViolation: OnViolation;
  agentName: string | null;
}

export interface GuardrailCheckViolation {
  type: 'PROMPT_INJECTION' | 'PII' | 'SECRET' | 'CUSTOM_RULE';
  severity: Severity;
  action: OnViolation;
  message: string;
  confidence: number;
  details: Record<string, unknown>;
}

export interface GuardrailCheckResult {
  type: CheckType;
  passed: boolean;
  violationsFound: number;
  durationMs: number;
}

export interface GuardrailCheckResponse {
  passed: boolean;
  violations: GuardrailCheckViolation[];
  redactedContent: string;
  checks: GuardrailCheckResult[];
}

/** Largest `text` accepted (characters); the route should answer 413 above its own body limit. */
export const MAX_CHECK_TEXT = 1_000_000;
const ON_VIOLATION: readonly OnViolation[] = ['BLOCKED', 'WARNED', 'LOGGED'];

function flag(body: Record<string, unknown>, field: string): boolean {
  const v = body[field];
  if (v === undefined || v === null) return true;
  if (typeof v !== 'boolean') throw new GuardrailsCheckRequestError(field, `must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

/** Validates a request body; unknown fields are ignored (the SDK forwards extra options). */
export function parseGuardrailCheckRequest(body: unknown): GuardrailCheckRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GuardrailsCheckRequestError('body', 'must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const text = b['text'];
  if (typeof text !== 'string') throw new GuardrailsCheckRequestError('text', 'must be a string');
  if (text.length > MAX_CHECK_TEXT) throw new GuardrailsCheckRequestError('text', `is ${text.length} characters; at most ${MAX_CHECK_TEXT}`);
  let onViolation: OnViolation = 'WARNED';
  if (b['onViolation'] !== undefined && b['onViolation'] !== null) {
    const v = b['onViolation'];
    const up = typeof v === 'string' ? v.toUpperCase() : v;
    if (!ON_VIOLATION.includes(up as OnViolation)) {
      throw new GuardrailsCheckRequestError('onViolation', `must be one of ${ON_VIOLATION.join(', ')} (got ${JSON.stringify(v)})`);
    }
    onViolation = up as OnViolation;
  }
  const agentName = b['agentName'];
  if (agentName !== undefined && agentName !== null && typeof agentName !== 'string') {
    throw new GuardrailsCheckRequestError('agentName', 'must be a string');
  }
  return {
    text,
    detectPromptInjection: flag(b, 'detectPromptInjection'),
    redactPii: flag(b, 'redactPii'),
    filterContent: flag(b, 'filterContent'),
    applyCustomRules: flag(b, 'applyCustomRules'),
    onViolation,
    agentName: typeof agentName === 'string' ? agentName : null,
  };
}

const NONE: ActiveDetectors = {
  email: false,
  phone: false,
  ssn: false,
  payment_card: false,
  iban: false,
  ip_address: false,
  secrets: false,
  prompt_injection: false,
};

const PII_SEVERITY: Record<string, Severity> = {
  email: 'MEDIUM',
  phone: 'MEDIUM',
  ip_address: 'LOW',
  ssn: 'HIGH',
  payment_card: 'HIGH',
  iban: 'HIGH',
};

function violationFor(m: Match, action: OnViolation): GuardrailCheckViolation {
  const details = { detector: m.detector, kind: m.kind, sample: m.sample, start: m.start, end: m.end };
  switch (m.type) {
    case 'prompt_injection':
      return {
        type: 'PROMPT_INJECTION',
        severity: m.score >= 0.9 ? 'HIGH' : 'MEDIUM',
        action,
        message: `Possible prompt injection (${m.kind.replace(/_/g, ' ')})`,
        confidence: m.score,
        details: { family: m.kind, evidence: m.sample, start: m.start, end: m.end },
      };
    case 'secret':
      return {
        type: m.detector === 'custom' ? 'CUSTOM_RULE' : 'SECRET',
        severity: 'CRITICAL',
        action,
        message: m.detector === 'custom' ? `Custom rule "${m.kind}" matched` : `Credential in content: ${m.kind.replace(/_/g, ' ')}`,
        confidence: m.score,
        details,
      };
    case 'pii':
      return {
        type: m.detector === 'custom' ? 'CUSTOM_RULE' : 'PII',
        severity: PII_SEVERITY[m.detector] ?? 'MEDIUM',
        action,
        message: m.detector === 'custom' ? `Custom rule "${m.kind}" matched` : `PII detected: ${m.detector.replace(/_/g, ' ')}${m.kind !== m.detector ? ` (${m.kind})` : ''}`,
        confidence: m.score,
        details,
      };
    case 'custom':
      return { type: 'CUSTOM_RULE', severity: 'MEDIUM', action, message: `Custom rule "${m.kind}" matched`, confidence: m.score, details };
  }
}

/**
 * Runs the requested checks on `req.text` with the engine configured by `config` (detectors
 * switched off there stay off). `now` is injectable for deterministic durations in tests.
 */
export function runGuardrailsCheck(req: GuardrailCheckRequest, config: GuardrailsConfig, now: () => number = () => performance.now()): GuardrailCheckResponse {
  const base = activeFor(config, 'input');
  const violations: GuardrailCheckViolation[] = [];
  const checks: GuardrailCheckResult[] = [];
  const mask: Match[] = [];
  const noCustom: GuardrailsConfig = config.custom.length === 0 ? config : { ...config, custom: [] };

  const run = (type: CheckType, active: ActiveDetectors, cfg: GuardrailsConfig, redact: (m: Match) => boolean): void => {
    const t0 = now();
    const matches = scanText(req.text, cfg, { direction: 'input', role: 'user' }, active);
    for (const m of matches) {
      violations.push(violationFor(m, req.onViolation));
      if (redact(m)) mask.push(m);
    }
    checks.push({ type, passed: matches.length === 0, violationsFound: matches.length, durationMs: Math.round((now() - t0) * 1000) / 1000 });
  };

  if (req.detectPromptInjection) run('PROMPT_INJECTION', { ...NONE, prompt_injection: base.prompt_injection }, noCustom, () => false);
  if (req.redactPii) {
    const pii: ActiveDetectors = { ...base, secrets: false, prompt_injection: false };
    run('PII', pii, noCustom, () => true);
  }
  if (req.filterContent) run('CONTENT_FILTER', { ...NONE, secrets: base.secrets }, noCustom, () => true);
  if (req.applyCustomRules && config.custom.length > 0) {
    run('CUSTOM_RULES', NONE, config, (m) => masksContent(config.custom.find((r) => r.name === m.kind)?.action ?? 'alert'));
  } else if (req.applyCustomRules) {
    checks.push({ type: 'CUSTOM_RULES', passed: true, violationsFound: 0, durationMs: 0 });
  }

  const redactedContent = mask.length > 0 ? maskSpans(req.text, mask, new Set()) : req.text;
  return { passed: violations.length === 0, violations, redactedContent, checks };
}
