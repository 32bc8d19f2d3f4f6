/** Enforcement (issue 10): the public surface for the CLI and the agent. */
export { parsePolicy, PolicyError, type Policy, type Rule, type Mode } from './policy.js';
export { parseEnforceConfig, DEFAULT_ENFORCE_CONFIG, type EnforceConfig } from './config.js';
export { Enforcer, EnforcerError, DEFAULT_PIN_DIR, type KernelStatus } from './enforcer.js';
export { AuditLog, readAudit, buildReport, formatReport, defaultAuditLog, type AuditEvent, type DecisionEvent } from './audit.js';
export { applyPolicy, enforceStatus, enforceOff, formatStatus, readPolicyFile, defaultContext, type EnforceContext, type EnforceState } from './service.js';
export { EnforceRuntime, callInfoOf, type CallInfo } from './runtime.js';
export { agentListerFromConfig } from './agents.js';
