/**
 * Guardrails: PII, credentials and prompt injection in LLM traffic, in and out, whole or streamed.
 *
 * - `parseGuardrailsConfig(raw)` — the `guardrails:` config section → GuardrailsConfig.
 * - `evaluateCall(call, config)` — findings, the record to export (masked, `osprey.guardrails`
 *   set) and the decision. The pipeline exports `redactedCall`, never `call`.
 * - `createStreamScanner(config, opts)` — `push(delta)` / `end()` over streamed text.
 * - `encodeGuardrailViolations(call, findings)` — NodeLoom `guardrail_violation` events.
 * - `parseGuardrailCheckRequest(body)` / `runGuardrailsCheck(req, config)` — POST /api/guardrails/check.
 * - `scanText(text, config, ctx)` — the engine on one string.
 */
export { parseGuardrailsConfig, DEFAULT_GUARDRAILS_CONFIG, DEFAULT_ACTIONS, DEFAULT_INJECTION_THRESHOLD } from './config.js';
export type { GuardrailsConfig, DetectorRule, CustomRule } from './config.js';
export { GuardrailsConfigError, GuardrailsCheckRequestError } from './errors.js';
export { evaluateCall, toRecordEntry, redactionLabel, GUARDRAILS_DECISION_ATTR } from './evaluate.js';
export type { EvaluateResult, EvaluateOptions } from './evaluate.js';
export { createStreamScanner, CARRY_MIN } from './stream.js';
export type { StreamScanner, StreamScannerOptions } from './stream.js';
export { encodeGuardrailViolations } from './nodeloom.js';
export type { NodeLoomGuardrailEvent, NodeLoomGuardrailViolation } from './nodeloom.js';
export { parseGuardrailCheckRequest, runGuardrailsCheck, MAX_CHECK_TEXT } from './check-api.js';
export type {
  GuardrailCheckRequest,
  GuardrailCheckResponse,
  GuardrailCheckViolation,
  GuardrailCheckResult,
  OnViolation,
  CheckType,
  Severity,
} from './check-api.js';
export { scanText, activeFor } from './scan.js';
export type { ScanContext, ActiveDetectors } from './scan.js';
export { scoreInjection } from './injection/score.js';
export type { InjectionResult, InjectionHit } from './injection/score.js';
export { INJECTION_FAMILIES } from './injection/signals.js';
export type { InjectionFamily } from './injection/signals.js';
export * from './types.js';
