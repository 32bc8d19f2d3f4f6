/**
 * The `guardrails:` section of the agent's YAML configuration, parsed once at start-up into an
 * immutable, compiled form. Every key is checked (a typo is an error, not a silently ignored rule),
 * and every error names the rule and the field.
 *
 * ```yaml
 * guardrails:
 *   enabled: true                      # default true
 *   detectors:                         # each: an action, false, or a table
 *     email: alert
 *     phone: { action: alert, regions: [US, GB, DE] }
 *     payment_card: redact
 *     ip_address: { enabled: true, action: log }   # off unless enabled
 *     secrets: { action: redact, directions: [input, output] }
 *     prompt_injection: { action: block, threshold: 0.8 }
 *   custom:
 *     - name: employee-id
 *       pattern: 'EMP-[0-9]{6}'          # RE2 syntax, linear-time (re2js)
 *       action: redact
 *       case_insensitive: false
 *       type: pii                        # pii | secret | custom (default custom)
 *       score: 0.9
 *       directions: [input]
 *   stream: { window: 4096, scan_every: 256 }
 * ```
 *
 * User patterns are compiled with re2js, a port of RE2: matching is linear in the input whatever
 * the pattern, so no pattern can stall the agent (no backtracking, no catastrophic cases); RE2 has
 * no look-around or backreferences, and using them is a config error here.
 */
import { RE2JS } from 're2js';
import { getCountries, type CountryCode } from 'libphonenumber-js/max';
import { GuardrailsConfigError } from './errors.js';
import { DEFAULT_PHONE_REGIONS } from './detectors/phone.js';
import { ACTIONS, BUILTIN_DETECTORS, type Action, type BuiltinDetector, type Direction, type FindingType } from './types.js';

export interface DetectorRule {
  readonly enabled: boolean;
  readonly action: Action;
  readonly directions: ReadonlySet<Direction>;
}

export interface CustomRule {
  readonly name: string;
  readonly pattern: string;
  readonly type: FindingType;
  readonly action: Action;
  readonly score: number;
  readonly directions: ReadonlySet<Direction>;
  readonly re: RE2JS;
}

export interface GuardrailsConfig {
  readonly enabled: boolean;
  readonly detectors: { readonly [D in BuiltinDetector]: DetectorRule };
  readonly phoneRegions: readonly CountryCode[];
  readonly injectionThreshold: number;
  readonly custom: readonly CustomRule[];
  readonly stream: { readonly windowChars: number; readonly scanEveryChars: number };
}

const BOTH: ReadonlySet<Direction> = new Set(['input', 'output']);

/** Defaults: validated PII and secrets on; what identifies money or a person masked, the rest alerted. */
export const DEFAULT_ACTIONS: { readonly [D in BuiltinDetector]: Action } = {
  email: 'alert',
  phone: 'alert',
  ssn: 'redact',
  payment_card: 'redact',
  iban: 'redact',
  ip_address: 'log',
  secrets: 'redact',
  prompt_injection: 'alert',
};

const DEFAULT_ENABLED: { readonly [D in BuiltinDetector]: boolean } = {
  email: true,
  phone: true,
  ssn: true,
  payment_card: true,
  iban: true,
  ip_address: false,
  secrets: true,
  prompt_injection: true,
};

export const DEFAULT_INJECTION_THRESHOLD = 0.7;
export const MAX_CUSTOM_RULES = 200;
export const MAX_PATTERN_LENGTH = 2000;

function defaultDetectors(): { [D in BuiltinDetector]: DetectorRule } {
  const out = {} as { [D in BuiltinDetector]: DetectorRule };
  for (const d of BUILTIN_DETECTORS) out[d] = { enabled: DEFAULT_ENABLED[d], action: DEFAULT_ACTIONS[d], directions: BOTH };
  return out;
}

export const DEFAULT_GUARDRAILS_CONFIG: GuardrailsConfig = Object.freeze({
  enabled: true,
  detectors: Object.freeze(defaultDetectors()),
  phoneRegions: DEFAULT_PHONE_REGIONS,
  injectionThreshold: DEFAULT_INJECTION_THRESHOLD,
  custom: [],
  stream: Object.freeze({ windowChars: 4096, scanEveryChars: 256 }),
});

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Raw, allowed: readonly string[], rule: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new GuardrailsConfigError(rule, key, `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}

function parseAction(v: unknown, rule: string, field = 'action', allowed: readonly Action[] = ACTIONS): Action {
  if (typeof v !== 'string' || !allowed.includes(v as Action)) {
    throw new GuardrailsConfigError(rule, field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  }
  return v as Action;
}

function parseBool(v: unknown, rule: string, field: string): boolean {
  if (typeof v !== 'boolean') throw new GuardrailsConfigError(rule, field, `must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

function parseUnit(v: unknown, rule: string, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new GuardrailsConfigError(rule, field, `must be a number from 0 to 1 (got ${JSON.stringify(v)})`);
  }
  return v;
}

function parseInt(v: unknown, rule: string, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new GuardrailsConfigError(rule, field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
}

function parseDirections(v: unknown, rule: string): ReadonlySet<Direction> {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((d) => d === 'input' || d === 'output')) {
    throw new GuardrailsConfigError(rule, 'directions', `must be a non-empty list of input, output (got ${JSON.stringify(v)})`);
  }
  return new Set(list as Direction[]);
}

const KNOWN_COUNTRIES: ReadonlySet<string> = new Set(getCountries());

function parseRegions(v: unknown, rule: string): CountryCode[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new GuardrailsConfigError(rule, 'regions', `must be a non-empty list of ISO 3166 country codes (got ${JSON.stringify(v)})`);
  }
  return v.map((r) => {
    if (typeof r !== 'string' || !KNOWN_COUNTRIES.has(r.toUpperCase())) {
      throw new GuardrailsConfigError(rule, 'regions', `unknown country code ${JSON.stringify(r)}`);
    }
    return r.toUpperCase() as CountryCode;
  });
}

interface DetectorExtras {
  regions?: CountryCode[];
  threshold?: number;
}

function parseDetector(d: BuiltinDetector, v: unknown, extras: DetectorExtras): DetectorRule {
  const rule = `detectors.${d}`;
  // prompt_injection has nothing to mask: its action is about the call, not the content.
  const actions = d === 'prompt_injection' ? ACTIONS.filter((a) => a !== 'redact') : ACTIONS;
  if (v === false || v === null) return { enabled: false, action: DEFAULT_ACTIONS[d], directions: BOTH };
  if (v === true) return { enabled: true, action: DEFAULT_ACTIONS[d], directions: BOTH };
  if (typeof v === 'string') return { enabled: true, action: parseAction(v, rule, 'action', actions), directions: BOTH };
  if (!isRecord(v)) {
    throw new GuardrailsConfigError(rule, d, `must be an action (${actions.join(', ')}), true/false, or a table (got ${JSON.stringify(v)})`);
  }
  const allowed = ['enabled', 'action', 'directions'];
  if (d === 'phone') allowed.push('regions');
  if (d === 'prompt_injection') allowed.push('threshold');
  checkKeys(v, allowed, rule);
  if (v['regions'] !== undefined) extras.regions = parseRegions(v['regions'], rule);
  if (v['threshold'] !== undefined) extras.threshold = parseUnit(v['threshold'], rule, 'threshold');
  return {
    enabled: v['enabled'] === undefined ? true : parseBool(v['enabled'], rule, 'enabled'),
    action: v['action'] === undefined ? DEFAULT_ACTIONS[d] : parseAction(v['action'], rule, 'action', actions),
    directions: v['directions'] === undefined ? BOTH : parseDirections(v['directions'], rule),
  };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function compilePattern(pattern: string, caseInsensitive: boolean, rule: string): RE2JS {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new GuardrailsConfigError(rule, 'pattern', `not a valid RE2 regular expression: ${detail}`);
  }
  if (re.matcher('').find()) {
    throw new GuardrailsConfigError(rule, 'pattern', 'matches the empty string, so it would match everywhere');
  }
  return re;
}

function parseCustom(v: unknown, index: number, seen: Set<string>): CustomRule {
  let rule = `custom[${index}]`;
  if (!isRecord(v)) throw new GuardrailsConfigError(rule, 'custom', `must be a table with name and pattern (got ${JSON.stringify(v)})`);
  const name = v['name'];
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new GuardrailsConfigError(rule, 'name', `must be 1–64 characters of letters, digits and _ . : - (got ${JSON.stringify(name)})`);
  }
  rule = `custom[${index}] "${name}"`;
  if (seen.has(name)) throw new GuardrailsConfigError(rule, 'name', 'another custom rule has the same name');
  seen.add(name);
  checkKeys(v, ['name', 'pattern', 'action', 'case_insensitive', 'type', 'score', 'directions'], rule);
  const pattern = v['pattern'];
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new GuardrailsConfigError(rule, 'pattern', `must be a non-empty string (got ${JSON.stringify(pattern)})`);
  }
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new GuardrailsConfigError(rule, 'pattern', `is ${pattern.length} characters; at most ${MAX_PATTERN_LENGTH}`);
  }
  const ci = v['case_insensitive'] === undefined ? false : parseBool(v['case_insensitive'], rule, 'case_insensitive');
  const type = v['type'] ?? 'custom';
  if (type !== 'pii' && type !== 'secret' && type !== 'custom') {
    throw new GuardrailsConfigError(rule, 'type', `must be one of pii, secret, custom (got ${JSON.stringify(type)})`);
  }
  return {
    name,
    pattern,
    type,
    action: v['action'] === undefined ? 'alert' : parseAction(v['action'], rule),
    score: v['score'] === undefined ? 0.9 : parseUnit(v['score'], rule, 'score'),
    directions: v['directions'] === undefined ? BOTH : parseDirections(v['directions'], rule),
    re: compilePattern(pattern, ci, rule),
  };
}

/**
 * Parses the `guardrails:` section (already decoded from YAML). `undefined`/`null` mean defaults.
 * Throws GuardrailsConfigError (code OSP_ERR_GUARDRAILS_CONFIG) naming the rule and field.
 */
export function parseGuardrailsConfig(raw: unknown): GuardrailsConfig {
  if (raw === undefined || raw === null) return DEFAULT_GUARDRAILS_CONFIG;
  if (raw === false) return { ...DEFAULT_GUARDRAILS_CONFIG, enabled: false };
  if (!isRecord(raw)) throw new GuardrailsConfigError('guardrails', 'guardrails', `must be a table (got ${JSON.stringify(raw)})`);
  checkKeys(raw, ['enabled', 'detectors', 'custom', 'stream'], 'guardrails');

  const enabled = raw['enabled'] === undefined ? true : parseBool(raw['enabled'], 'guardrails', 'enabled');
  const detectors = defaultDetectors();
  const extras: DetectorExtras = {};
  const rawDetectors = raw['detectors'];
  if (rawDetectors !== undefined && rawDetectors !== null) {
    if (!isRecord(rawDetectors)) throw new GuardrailsConfigError('detectors', 'detectors', `must be a table keyed by detector name`);
    checkKeys(rawDetectors, BUILTIN_DETECTORS, 'detectors');
    for (const d of BUILTIN_DETECTORS) {
      if (rawDetectors[d] !== undefined) detectors[d] = parseDetector(d, rawDetectors[d], extras);
    }
  }

  const custom: CustomRule[] = [];
  const rawCustom = raw['custom'];
  if (rawCustom !== undefined && rawCustom !== null) {
    if (!Array.isArray(rawCustom)) throw new GuardrailsConfigError('custom', 'custom', 'must be a list of rules');
    if (rawCustom.length > MAX_CUSTOM_RULES) {
      throw new GuardrailsConfigError('custom', 'custom', `has ${rawCustom.length} rules; at most ${MAX_CUSTOM_RULES}`);
    }
    const seen = new Set<string>();
    rawCustom.forEach((r, i) => custom.push(parseCustom(r, i, seen)));
  }

  let stream = DEFAULT_GUARDRAILS_CONFIG.stream;
  const rawStream = raw['stream'];
  if (rawStream !== undefined && rawStream !== null) {
    if (!isRecord(rawStream)) throw new GuardrailsConfigError('stream', 'stream', 'must be a table');
    checkKeys(rawStream, ['window', 'scan_every'], 'stream');
    const windowChars = rawStream['window'] === undefined ? stream.windowChars : parseInt(rawStream['window'], 'stream', 'window', 256, 1 << 20);
    const scanEveryChars =
      rawStream['scan_every'] === undefined ? stream.scanEveryChars : parseInt(rawStream['scan_every'], 'stream', 'scan_every', 1, 1 << 20);
    stream = { windowChars, scanEveryChars };
  }

  return {
    enabled,
    detectors,
    phoneRegions: extras.regions ?? DEFAULT_PHONE_REGIONS,
    injectionThreshold: extras.threshold ?? DEFAULT_INJECTION_THRESHOLD,
    custom,
    stream,
  };
}
