import { UserFacingError } from '../util/errors.js';

/**
 * A `guardrails:` configuration the agent refuses to start with. `rule` names the rule as the user
 * wrote it (`detectors.payment_card`, `custom[2] "employee-id"`), `field` the offending key.
 */
export class GuardrailsConfigError extends UserFacingError {
  constructor(
    readonly rule: string,
    readonly field: string,
    detail: string,
  ) {
    super(`guardrails: rule ${rule}: field "${field}": ${detail}`, 'OSP_ERR_GUARDRAILS_CONFIG');
  }
}

/** A `POST /api/guardrails/check` body that is not a check request (the route answers 400). */
export class GuardrailsCheckRequestError extends UserFacingError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`guardrails check: field "${field}": ${detail}`, 'OSP_ERR_GUARDRAILS_CHECK_REQUEST');
  }
}
