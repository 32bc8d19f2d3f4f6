/**
 * Shared vocabulary of the guardrails engine: what a detector reports (a Match, offsets into one
 * string), what the engine reports about a record (a Finding, located in a message), and what goes
 * on the wire (`osprey.guardrails` entries). Closed unions, so a new detector or action is a
 * compile error wherever it is not handled.
 */

export type Direction = 'input' | 'output';

/** What happens when a rule fires. Ordered: a stronger action includes the weaker ones. */
export type Action = 'log' | 'alert' | 'redact' | 'block';
export const ACTIONS: readonly Action[] = ['log', 'alert', 'redact', 'block'];
export const ACTION_RANK: { readonly [A in Action]: number } = { log: 0, alert: 1, redact: 2, block: 3 };

/** `block` masks content too: a blocked call's exported record must not carry what it was blocked for. */
export function masksContent(action: Action): boolean {
  return action === 'redact' || action === 'block';
}

export type FindingType = 'pii' | 'secret' | 'prompt_injection' | 'custom';

/** Built-in detectors. `ip_address` is off unless configured. */
export type BuiltinDetector =
  | 'email'
  | 'phone'
  | 'ssn'
  | 'payment_card'
  | 'iban'
  | 'ip_address'
  | 'secrets'
  | 'prompt_injection';

export const BUILTIN_DETECTORS: readonly BuiltinDetector[] = [
  'email',
  'phone',
  'ssn',
  'payment_card',
  'iban',
  'ip_address',
  'secrets',
  'prompt_injection',
];

export type DetectorId = BuiltinDetector | 'custom';

/** The finding type each built-in detector reports. */
export const DETECTOR_TYPE: { readonly [D in BuiltinDetector]: FindingType } = {
  email: 'pii',
  phone: 'pii',
  ssn: 'pii',
  payment_card: 'pii',
  iban: 'pii',
  ip_address: 'pii',
  secrets: 'secret',
  prompt_injection: 'prompt_injection',
};

/**
 * One hit in one string, as a detector reports it. `start`/`end` are UTF-16 offsets into the
 * scanned string; `sample` is already masked. The raw value is never kept on a Match: callers that
 * must redact slice it from the text they own.
 */
export interface Match {
  type: FindingType;
  detector: DetectorId;
  /** Finer classification: `visa`, `openai_api_key`, `instruction_override`, a custom rule's name… */
  kind: string;
  start: number;
  end: number;
  /** 0..1: how sure the detector is (validated checksums score high, context-only hits lower). */
  score: number;
  sample: string;
}

/** Role of the message a finding came from, normalised for weighting (`developer` is a system role). */
export type RoleClass = 'system' | 'user' | 'assistant' | 'tool' | 'other';

export function roleClass(role: string): RoleClass {
  switch (role) {
    case 'system':
    case 'developer':
      return 'system';
    case 'user':
    case 'human':
      return 'user';
    case 'assistant':
    case 'model':
    case 'ai':
      return 'assistant';
    case 'tool':
    case 'function':
    case 'ipython':
      return 'tool';
    default:
      return 'other';
  }
}

/** Where in an LlmCall a finding was made. */
export interface FindingLocation {
  direction: Direction;
  /** Index into gen_ai.input.messages / gen_ai.output.messages; null for gen_ai.system_instructions. */
  message_index: number | null;
  /** The message's role as the provider spelled it (`system`, `developer`, `user`, `assistant`, `tool`…). */
  role: string;
  /** Index of the part within the message. */
  part_index: number;
  /** JSON path inside a structured part (`arguments.query`, `response.items[2].body`), '' for text. */
  path: string;
}

/** A Match placed in a record, with the action its rule decided. */
export interface Finding extends Match, FindingLocation {
  action: Action;
}

/** One element of the `osprey.guardrails` attribute: what leaves the agent (no offsets, no raw values). */
export interface GuardrailRecordEntry {
  type: FindingType;
  detector: DetectorId;
  kind: string;
  direction: Direction;
  message_index: number | null;
  role: string;
  sample: string;
  score: number;
  action: Action;
}

export type Decision = 'allow' | 'block';
