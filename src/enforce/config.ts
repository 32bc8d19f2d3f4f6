/**
 * The `enforce:` section of the agent's YAML config (src/config/agent-config.ts): a policy, inline
 * or in its own file, and where enforcement keeps its state.
 *
 * ```yaml
 * enforce:
 *   policy_file: /etc/osprey/enforce.yaml   # a policy file (src/enforce/policy.ts), or inline:
 *   rules: [...]                            # version / defaults / scopes / rules, as in a policy file
 *   audit_log: /var/lib/osprey/enforce-audit.jsonl
 *   pin_dir: /sys/fs/bpf/osprey/enforce
 * ```
 */
import { UserFacingError } from '../util/errors.js';
import { DEFAULT_AUDIT_LOG } from './audit.js';
import { DEFAULT_PIN_DIR } from './enforcer.js';
import { parsePolicy, PolicyError, type Policy } from './policy.js';

export interface EnforceConfig {
  /** Policy file to apply, or null. */
  readonly policyFile: string | null;
  /** Inline policy document (already validated), or null. */
  readonly policyDocument: unknown;
  readonly policy: Policy | null;
  readonly auditLog: string;
  readonly pinDir: string;
}

export const DEFAULT_ENFORCE_CONFIG: EnforceConfig = { policyFile: null, policyDocument: null, policy: null, auditLog: DEFAULT_AUDIT_LOG, pinDir: DEFAULT_PIN_DIR };

const OWN_FIELDS = ['policy_file', 'audit_log', 'pin_dir'] as const;
const POLICY_FIELDS = ['version', 'defaults', 'scopes', 'rules'] as const;

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function absolutePath(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v.startsWith('/')) throw new UserFacingError(`enforce.${field}: must be an absolute path (got ${JSON.stringify(v)})`, 'OSP_ERR_CONFIG');
  return v;
}

/** Parses the section; errors name the field (`enforce.rules[2] (name).deny[0]: …`). */
export function parseEnforceConfig(raw: unknown): EnforceConfig {
  if (raw === undefined || raw === null) return DEFAULT_ENFORCE_CONFIG;
  if (!isTable(raw)) throw new UserFacingError('enforce: must be a table (policy_file, or rules inline; audit_log, pin_dir)', 'OSP_ERR_CONFIG');
  const known: readonly string[] = [...OWN_FIELDS, ...POLICY_FIELDS];
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) throw new UserFacingError(`enforce.${k}: unknown field; known fields are ${known.join(', ')}`, 'OSP_ERR_CONFIG');
  }
  const inline = POLICY_FIELDS.some((k) => raw[k] !== undefined);
  if (inline && raw.policy_file !== undefined) throw new UserFacingError('enforce: has both policy_file and inline rules: use one', 'OSP_ERR_CONFIG');
  let policyDocument: unknown = null;
  let policy: Policy | null = null;
  if (inline) {
    policyDocument = Object.fromEntries(POLICY_FIELDS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));
    try {
      policy = parsePolicy(policyDocument);
    } catch (e) {
      if (e instanceof PolicyError) throw new PolicyError(`enforce.${e.field}`, e.message.slice(e.field.length + 2));
      throw e;
    }
  }
  return {
    policyFile: raw.policy_file === undefined ? null : absolutePath(raw.policy_file, 'policy_file'),
    policyDocument,
    policy,
    auditLog: raw.audit_log === undefined ? DEFAULT_AUDIT_LOG : absolutePath(raw.audit_log, 'audit_log'),
    pinDir: raw.pin_dir === undefined ? DEFAULT_PIN_DIR : absolutePath(raw.pin_dir, 'pin_dir'),
  };
}
