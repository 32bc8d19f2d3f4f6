/**
 * Agent mapping rules: the `agents:` section of the agent's YAML config says which processes are
 * which agent, in names the user chose.
 *
 * ```yaml
 * agents:
 *   - name: support-bot-prod            # rule name, unique
 *     priority: 10                      # optional, default 0; the highest matching rule wins,
 *                                       # equal priorities: the first in the file
 *     match:                            # one or more; ALL must match
 *       - { type: K8S_NAMESPACE, exact: support }
 *       - { type: COMMAND_LINE, regex: '\bbot\.py\b' }
 *     agent:                            # or just `agent: support-bot`
 *       name: support-bot               # osprey.agent.name
 *       version: "2.3.1"                # optional labels
 *       team: customer-experience
 *       environment: production
 * ```
 *
 * Match types and the value each one tests:
 *
 * | type            | value                                                                  |
 * |-----------------|------------------------------------------------------------------------|
 * | PROCESS_NAME    | the process name as `ps` shows it (comm, ≤ 15 chars); when the kernel  |
 * |                 | truncated it, the executable's base name is tried too                  |
 * | EXECUTABLE_PATH | the executable's path as the process sees it (inside its container)    |
 * | COMMAND_LINE    | the arguments joined by single spaces                                  |
 * | K8S_POD         | the pod name                                                           |
 * | K8S_NAMESPACE   | the pod's namespace                                                    |
 * | CONTAINER_ID    | the full container id (64 hex); an `exact` of 12+ hex digits also      |
 * |                 | matches as a prefix, like `docker ps` short ids                        |
 * | CGROUP          | the cgroup path (v2), e.g. `/system.slice/docker-<id>.scope`           |
 *
 * Each matcher has exactly one of: `exact` (the whole value, case-sensitive), `glob` (the whole
 * value; `*` any run of characters including `/`, `?` one character, `[abc]`, `[!abc]`, `\` escapes)
 * or `regex` (RE2 syntax, found anywhere in the value: anchor with `^…$`; `(?i)` for case-blind).
 * Patterns run on re2js, a linear-time engine: no pattern can make matching slow. A process
 * lacking the value (no container, not in a pod) never matches a matcher of that type.
 */
import { RE2JS } from 're2js';
import type { ProcessIdentity } from '../identity/identity.js';
import { redactSecretsInText } from '../telemetry/redact.js';
import { UserFacingError } from '../util/errors.js';

export const MATCH_TYPES = ['PROCESS_NAME', 'EXECUTABLE_PATH', 'COMMAND_LINE', 'K8S_POD', 'K8S_NAMESPACE', 'CONTAINER_ID', 'CGROUP'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];
export const MATCH_MODES = ['exact', 'glob', 'regex'] as const;
export type MatchMode = (typeof MATCH_MODES)[number];

export interface RuleMatcher {
  readonly type: MatchType;
  readonly mode: MatchMode;
  readonly pattern: string;
  /** True when the value matches the pattern (mode semantics above). */
  readonly test: (value: string) => boolean;
}

export interface AgentLabels {
  readonly name: string;
  readonly version: string | null;
  readonly team: string | null;
  readonly environment: string | null;
}

export interface AgentRule {
  /** Position in the config list (0-based): ties in priority go to the lower index. */
  readonly index: number;
  readonly name: string;
  readonly priority: number;
  readonly match: readonly RuleMatcher[];
  readonly agent: AgentLabels;
}

export interface AgentMatch {
  readonly rule: AgentRule;
  readonly agent: AgentLabels;
}

/** A bad `agents:` section. The message names the rule (index and name), the field, and the fix. */
export class AgentRuleError extends UserFacingError {
  constructor(
    /** Index of the rule in the list; null for the section itself. */
    readonly ruleIndex: number | null,
    readonly ruleName: string | null,
    /** Path of the field inside the rule, e.g. `match[1].regex`. */
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    const where = ruleIndex === null ? 'agents' : `agents[${ruleIndex}]${ruleName === null ? '' : ` (rule "${ruleName}")`}`;
    super(`config ${where}, field ${field}: ${problem}. Fix: ${fix}`, 'OSP_ERR_CONFIG_AGENT_RULE');
  }
}

const RULE_KEYS = ['name', 'priority', 'match', 'agent', 'description'] as const;
const AGENT_KEYS = ['name', 'version', 'team', 'environment'] as const;
const MAX_RULES = 10_000;
const MAX_MATCHERS = 32;
const MAX_PATTERN_LENGTH = 4096;
const MAX_NAME_LENGTH = 256;

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Parses the `agents:` section (already YAML-parsed): a list of rules, or a mapping with a
 * `rules` list. Absent or null is no rules. Throws AgentRuleError on the first problem.
 */
export function parseAgentRules(raw: unknown): AgentRule[] {
  if (raw === undefined || raw === null) return [];
  let list: unknown = raw;
  if (isRecord(raw)) {
    for (const key of Object.keys(raw)) {
      if (key !== 'rules') throw new AgentRuleError(null, null, key, 'unknown field', 'the agents section is a list of rules (or a mapping with only `rules:`)');
    }
    list = raw['rules'] ?? [];
  }
  if (!Array.isArray(list)) {
    throw new AgentRuleError(null, null, 'agents', `must be a list of rules, got ${describe(list)}`, 'write `agents:` followed by `- name: …` entries');
  }
  if (list.length > MAX_RULES) throw new AgentRuleError(null, null, 'agents', `has ${list.length} rules`, `keep it to at most ${MAX_RULES}`);
  const firstIndexByName = new Map<string, number>();
  return list.map((entry, index) => {
    const rule = parseRule(entry, index);
    const earlier = firstIndexByName.get(rule.name);
    if (earlier !== undefined) {
      throw new AgentRuleError(index, rule.name, 'name', `"${rule.name}" is already the name of agents[${earlier}]`, 'rule names must be unique: rename one of them (several rules may map to the same agent.name)');
    }
    firstIndexByName.set(rule.name, index);
    return rule;
  });
}

function parseRule(entry: unknown, index: number): AgentRule {
  if (!isRecord(entry)) {
    throw new AgentRuleError(index, null, '(rule)', `must be a mapping, got ${describe(entry)}`, 'give each rule name, match and agent fields');
  }
  const rawName = entry['name'];
  if (typeof rawName !== 'string' || rawName.trim() === '') {
    throw new AgentRuleError(index, null, 'name', rawName === undefined ? 'is missing' : `must be a non-empty string, got ${describe(rawName)}`, 'give every rule a unique name, e.g. `name: support-bot-prod`');
  }
  const name = rawName.trim();
  if (name.length > MAX_NAME_LENGTH) throw new AgentRuleError(index, null, 'name', `is ${name.length} characters long`, `use at most ${MAX_NAME_LENGTH}`);
  const fail = (field: string, problem: string, fix: string): never => {
    throw new AgentRuleError(index, name, field, problem, fix);
  };
  for (const key of Object.keys(entry)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) fail(key, 'unknown field', `use only ${RULE_KEYS.join(', ')}${suggest(key, RULE_KEYS)}`);
  }
  const description = entry['description'];
  if (description !== undefined && typeof description !== 'string') fail('description', `must be a string, got ${describe(description)}`, 'quote it');
  const rawPriority = entry['priority'];
  let priority = 0;
  if (rawPriority !== undefined) {
    if (typeof rawPriority !== 'number' || !Number.isSafeInteger(rawPriority)) {
      fail('priority', `must be a whole number, got ${describe(rawPriority)}`, 'write e.g. `priority: 10` (higher wins; default 0)');
    }
    priority = rawPriority as number;
  }
  const rawMatch = entry['match'];
  if (rawMatch === undefined) fail('match', 'is missing', 'add `match:` with at least one `{ type: …, exact|glob|regex: … }`');
  const matchList = isRecord(rawMatch) ? [rawMatch] : rawMatch;
  if (!Array.isArray(matchList) || matchList.length === 0) {
    fail('match', `must be a non-empty list of matchers, got ${describe(rawMatch)}`, 'add at least one `{ type: …, exact|glob|regex: … }`');
  }
  const list = matchList as unknown[];
  if (list.length > MAX_MATCHERS) fail('match', `has ${list.length} matchers`, `use at most ${MAX_MATCHERS}`);
  const match = list.map((m, i) => parseMatcher(m, `match[${i}]`, fail));
  const agent = parseAgentLabels(entry['agent'], fail);
  return Object.freeze({ index, name, priority, match: Object.freeze(match), agent });
}

type Fail = (field: string, problem: string, fix: string) => never;

function parseMatcher(raw: unknown, field: string, fail: Fail): RuleMatcher {
  if (!isRecord(raw)) fail(field, `must be a mapping, got ${describe(raw)}`, 'write e.g. `{ type: PROCESS_NAME, exact: python3 }`');
  const m = raw as Raw;
  for (const key of Object.keys(m)) {
    if (key !== 'type' && !(MATCH_MODES as readonly string[]).includes(key)) {
      fail(`${field}.${key}`, 'unknown field', `a matcher has \`type\` and one of exact, glob, regex${suggest(key, ['type', ...MATCH_MODES])}`);
    }
  }
  const type = m['type'];
  if (type === undefined) fail(`${field}.type`, 'is missing', `set it to one of ${MATCH_TYPES.join(', ')}`);
  if (typeof type !== 'string' || !(MATCH_TYPES as readonly string[]).includes(type)) {
    fail(`${field}.type`, `unknown match type ${describe(type)}`, `use one of ${MATCH_TYPES.join(', ')}${suggest(String(type), MATCH_TYPES)}`);
  }
  const modes = MATCH_MODES.filter((mode) => m[mode] !== undefined);
  if (modes.length !== 1) {
    fail(field, modes.length === 0 ? 'has no pattern' : `has ${modes.join(' and ')}`, 'give exactly one of `exact:`, `glob:` or `regex:`');
  }
  const mode = modes[0]!;
  const pattern = m[mode];
  if (typeof pattern !== 'string' || pattern === '') {
    fail(`${field}.${mode}`, `must be a non-empty string, got ${describe(pattern)}`, 'quote the pattern in the YAML');
  }
  const p = pattern as string;
  if (p.length > MAX_PATTERN_LENGTH) fail(`${field}.${mode}`, `is ${p.length} characters long`, `use at most ${MAX_PATTERN_LENGTH}`);
  return Object.freeze({ type: type as MatchType, mode, pattern: p, test: compileTest(type as MatchType, mode, p, `${field}.${mode}`, fail) });
}

function compileTest(type: MatchType, mode: MatchMode, pattern: string, field: string, fail: Fail): (value: string) => boolean {
  if (mode === 'exact') {
    if (type === 'CONTAINER_ID') {
      if (!/^[0-9a-f]+$/.test(pattern)) fail(field, `"${pattern}" is not a container id`, 'container ids are lower-case hex digits (copy them from `docker ps --no-trunc` or `crictl ps`)');
      if (pattern.length >= 12) return (value) => value.startsWith(pattern);
    }
    return (value) => value === pattern;
  }
  if (mode === 'glob') {
    const re = compileRe2(globToRe2(pattern), field, fail, 'not a valid glob');
    return (value) => re.testExact(value);
  }
  const re = compileRe2(pattern, field, fail, 'not a valid RE2 regular expression');
  if (re.test('')) {
    fail(field, `/${pattern}/ matches the empty string, so it would match every process`, 'make the pattern require at least one character (use a `glob: "*"` matcher if you really mean "any value")');
  }
  return (value) => re.test(value);
}

function compileRe2(source: string, field: string, fail: Fail, what: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return fail(field, `${what} (${detail})`, 'RE2 syntax has no backreferences or lookaround; escape literal characters such as . ( ) [ with a backslash');
  }
}

const RE2_META = new Set([...'\\.+*?()|[]{}^$']);

/** A glob as an anchored RE2 pattern. `*` crosses `/` (command lines and paths alike). */
export function globToRe2(glob: string): string {
  let out = '(?s)^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < glob.length) out += escapeRe2(glob[++i]!);
    else if (c === '[') {
      const close = classEnd(glob, i);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      out += `[${negate ? '^' : ''}${body.replace(/[\\[\]]/g, (ch) => `\\${ch}`)}]`;
      i = close;
    } else out += escapeRe2(c);
  }
  return `${out}$`;
}

/** Index of the `]` closing a class opened at `open` (a `]` first in the class is literal), or -1. */
function classEnd(glob: string, open: number): number {
  let j = open + 1;
  if (glob[j] === '!' || glob[j] === '^') j++;
  if (glob[j] === ']') j++;
  const close = glob.indexOf(']', j);
  return close;
}

function escapeRe2(c: string): string {
  return RE2_META.has(c) ? `\\${c}` : c;
}

function parseAgentLabels(raw: unknown, fail: Fail): AgentLabels {
  if (raw === undefined) fail('agent', 'is missing', 'add `agent: <name>` or `agent: { name: …, version: …, team: …, environment: … }`');
  if (typeof raw === 'string') {
    if (raw.trim() === '') fail('agent', 'is empty', 'name the agent, e.g. `agent: support-bot`');
    return Object.freeze({ name: raw.trim(), version: null, team: null, environment: null });
  }
  if (!isRecord(raw)) fail('agent', `must be a name or a mapping, got ${describe(raw)}`, 'write `agent: support-bot` or `agent: { name: support-bot, team: cx }`');
  const a = raw as Raw;
  for (const key of Object.keys(a)) {
    if (!(AGENT_KEYS as readonly string[]).includes(key)) fail(`agent.${key}`, 'unknown field', `use only ${AGENT_KEYS.join(', ')}${suggest(key, AGENT_KEYS)}`);
  }
  const label = (key: (typeof AGENT_KEYS)[number], required: boolean): string | null => {
    const v = a[key];
    if (v === undefined || v === null) {
      if (required) fail(`agent.${key}`, 'is missing', 'name the agent, e.g. `name: support-bot`');
      return null;
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      fail(`agent.${key}`, `must be a string, got ${describe(v)}`, `quote it, e.g. ${key}: "${String(v)}" (YAML reads 1.10 as the number 1.1)`);
    }
    if (typeof v !== 'string' || v.trim() === '') fail(`agent.${key}`, `must be a non-empty string, got ${describe(v)}`, 'quote the value');
    const s = (v as string).trim();
    if (s.length > MAX_NAME_LENGTH) fail(`agent.${key}`, `is ${s.length} characters long`, `use at most ${MAX_NAME_LENGTH}`);
    return s;
  };
  return Object.freeze({ name: label('name', true)!, version: label('version', false), team: label('team', false), environment: label('environment', false) });
}

/** ` (did you mean X?)` for a near miss: same letters ignoring case, `-`/`_`, or one edit away. */
function suggest(got: string, options: readonly string[]): string {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_ ]/g, '');
  const hit = options.find((o) => norm(o) === norm(got)) ?? options.find((o) => editDistance(norm(o), norm(got)) <= 2);
  return hit ? ` (did you mean ${hit}?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/** The values a matcher type is tested against (PROCESS_NAME may have two; see the table above). */
export function valuesFor(type: MatchType, identity: ProcessIdentity): string[] {
  switch (type) {
    case 'PROCESS_NAME': {
      const comm = identity.comm ?? null;
      const exeName = identity['process.executable.name'];
      if (comm === null) return exeName === null ? [] : [exeName];
      // The kernel keeps 15 bytes of the name: `my-support-agent` shows as `my-support-agen`.
      if (Buffer.byteLength(comm) === 15 && exeName !== null && exeName !== comm && exeName.startsWith(comm)) return [comm, exeName];
      return [comm];
    }
    case 'EXECUTABLE_PATH':
      return orNone(identity['process.executable.path']);
    case 'COMMAND_LINE':
      return orNone(identity['process.command_line']);
    case 'K8S_POD':
      return orNone(identity['k8s.pod.name']);
    case 'K8S_NAMESPACE':
      return orNone(identity['k8s.namespace.name']);
    case 'CONTAINER_ID':
      return orNone(identity['container.id']);
    case 'CGROUP':
      return orNone(identity.cgroupPath);
  }
}

function orNone(v: string | null): string[] {
  return v === null ? [] : [v];
}

const ABSENT: Record<MatchType, string> = {
  PROCESS_NAME: 'the process name is unknown',
  EXECUTABLE_PATH: 'the executable path is unknown',
  COMMAND_LINE: 'the command line is unknown',
  K8S_POD: 'the process is not in a Kubernetes pod (no pod name found)',
  K8S_NAMESPACE: 'the process is not in a Kubernetes pod (no namespace found)',
  CONTAINER_ID: 'the process is not in a container',
  CGROUP: 'the cgroup is unknown',
};

function matcherPasses(m: RuleMatcher, identity: ProcessIdentity): boolean {
  return valuesFor(m.type, identity).some((v) => m.test(v));
}

function rulePasses(rule: AgentRule, identity: ProcessIdentity): boolean {
  return rule.match.every((m) => matcherPasses(m, identity));
}

const orderCache = new WeakMap<readonly AgentRule[], readonly AgentRule[]>();

/** Rules in decision order: priority, highest first, then file order. */
function decisionOrder(rules: readonly AgentRule[]): readonly AgentRule[] {
  let order = orderCache.get(rules);
  if (!order) {
    order = [...rules].sort((a, b) => b.priority - a.priority || a.index - b.index);
    orderCache.set(rules, order);
  }
  return order;
}

/** The winning rule for this process: the highest priority among those matching, then the first in the file. */
export function matchAgent(identity: ProcessIdentity, rules: readonly AgentRule[]): AgentMatch | null {
  for (const rule of decisionOrder(rules)) if (rulePasses(rule, identity)) return { rule, agent: rule.agent };
  return null;
}

export interface MatcherFailure {
  /** Index in the rule's match list. */
  readonly matcherIndex: number;
  readonly type: MatchType;
  readonly mode: MatchMode;
  readonly pattern: string;
  /** The value tested, as displayed (command lines redacted); null when the process has none. */
  readonly value: string | null;
  readonly reason: string;
}

export interface RuleExplanation {
  readonly rule: AgentRule;
  readonly matched: boolean;
  /** This rule decides the agent. */
  readonly selected: boolean;
  /** Why not, for a rule that failed: its first failing matcher. */
  readonly failure: MatcherFailure | null;
  /** One line for people. */
  readonly summary: string;
}

export interface MatchExplanation {
  readonly match: AgentMatch | null;
  /** Every rule, in file order. */
  readonly rules: readonly RuleExplanation[];
}

const DISPLAY_MAX = 160;

/** A value as explain output shows it: command lines redacted, long values cut. */
export function displayValue(type: MatchType, value: string): string {
  const v = type === 'COMMAND_LINE' ? redactSecretsInText(value) : value;
  return v.length > DISPLAY_MAX ? `${v.slice(0, DISPLAY_MAX - 1)}…` : v;
}

function describeMode(m: RuleMatcher): string {
  return m.mode === 'regex' ? `regex /${m.pattern}/` : `${m.mode} "${m.pattern}"`;
}

function explainFailure(m: RuleMatcher, index: number, identity: ProcessIdentity): MatcherFailure | null {
  const values = valuesFor(m.type, identity);
  if (values.some((v) => m.test(v))) return null;
  if (values.length === 0) return { matcherIndex: index, type: m.type, mode: m.mode, pattern: m.pattern, value: null, reason: ABSENT[m.type] };
  const shown = values.map((v) => `"${displayValue(m.type, v)}"`).join(' or ');
  const verb = m.mode === 'regex' ? 'is not found in' : 'does not match';
  return {
    matcherIndex: index,
    type: m.type,
    mode: m.mode,
    pattern: m.pattern,
    value: displayValue(m.type, values[0]!),
    reason: `${m.type} ${shown}: ${describeMode(m)} ${verb} it`,
  };
}

/** Per rule: matched (and whether it won) or the first matcher that failed and why. */
export function explainMatch(identity: ProcessIdentity, rules: readonly AgentRule[]): MatchExplanation {
  const match = matchAgent(identity, rules);
  const winner = match?.rule ?? null;
  const out = rules.map((rule): RuleExplanation => {
    let failure: MatcherFailure | null = null;
    for (let i = 0; i < rule.match.length && failure === null; i++) failure = explainFailure(rule.match[i]!, i, identity);
    if (failure) {
      return { rule, matched: false, selected: false, failure, summary: `no match: match[${failure.matcherIndex}] ${failure.reason}` };
    }
    if (rule === winner) return { rule, matched: true, selected: true, failure: null, summary: `MATCH → agent "${rule.agent.name}" (priority ${rule.priority})` };
    const why =
      winner!.priority > rule.priority
        ? `its priority ${winner!.priority} is higher than ${rule.priority}`
        : `same priority ${rule.priority}, and it comes earlier in the file`;
    return { rule, matched: true, selected: false, failure: null, summary: `matched, but rule "${winner!.name}" wins: ${why}` };
  });
  return { match, rules: out };
}

/** The mapping result as record attributes (none when no rule matched). */
export function agentAttributes(match: AgentMatch | null): Record<string, string> {
  if (!match) return {};
  const a = match.agent;
  const out: Record<string, string> = { 'osprey.agent.name': a.name, 'osprey.agent.rule': match.rule.name };
  if (a.version !== null) out['osprey.agent.version'] = a.version;
  if (a.team !== null) out['osprey.agent.team'] = a.team;
  if (a.environment !== null) out['osprey.agent.environment'] = a.environment;
  return out;
}

/**
 * Rules plus a per-identity cache: an identity object is immutable and cached per process, so
 * each process is matched once (again after it execs, or when the rules change).
 */
export class AgentMapper {
  private cache = new WeakMap<ProcessIdentity, AgentMatch | null>();

  constructor(private rulesValue: readonly AgentRule[] = []) {}

  get rules(): readonly AgentRule[] {
    return this.rulesValue;
  }

  /** New rules (config reload or pushed from the server). */
  setRules(rules: readonly AgentRule[]): void {
    this.rulesValue = rules;
    this.cache = new WeakMap();
  }

  map(identity: ProcessIdentity): AgentMatch | null {
    let m = this.cache.get(identity);
    if (m === undefined) {
      m = matchAgent(identity, this.rulesValue);
      this.cache.set(identity, m);
    }
    return m;
  }
}
