/**
 * Whole-record evaluation: the pipeline calls `evaluateCall` on every LlmCall before any sink sees
 * it, and exports only the returned `redactedCall`.
 *
 * What is scanned: every text and reasoning part, tool-call arguments and tool results (each string
 * inside them, with its JSON path), of the input messages, the system instructions and the output
 * messages. Media parts (blob, uri) are not text and are not scanned.
 *
 * What is masked: each match whose rule says `redact` or `block` is replaced in the copy by
 * `[REDACTED:<what>]`. Then, as a second line of defence, every string anywhere in the copy (error
 * messages, URL queries, the findings' own samples) is swept for the exact values just masked, so
 * a value quoted twice — once where it was found and once somewhere no detector looks — still never
 * leaves in clear. The input record is never modified; unchanged branches are shared, not copied.
 */
import { ATTR } from '../telemetry/semconv.js';
import type { LlmCall, MessagePart } from '../telemetry/llm-call.js';
import type { GuardrailsConfig } from './config.js';
import { recordEvaluation } from './metrics.js';
import { activeFor, scanText, type ActiveDetectors } from './scan.js';
import {
  ACTION_RANK,
  masksContent,
  type Action,
  type Decision,
  type Direction,
  type Finding,
  type FindingLocation,
  type GuardrailRecordEntry,
  type Match,
} from './types.js';

/** Record-level decision, next to `osprey.guardrails`. */
export const GUARDRAILS_DECISION_ATTR = 'osprey.guardrails.decision';

export interface EvaluateResult {
  findings: Finding[];
  /** The record to export: content masked where rules say so, `osprey.guardrails` set. */
  redactedCall: LlmCall;
  decision: Decision;
}

export interface EvaluateOptions {
  /** Count findings and decisions in Prometheus (default true; benchmarks turn it off). */
  metrics?: boolean;
}

/** What a masked span is replaced with: what it was, never what it said. */
export function redactionLabel(m: Match): string {
  const what = m.detector === 'secrets' || m.detector === 'custom' ? m.kind : m.detector;
  return `[REDACTED:${what}]`;
}

export function actionFor(config: GuardrailsConfig, m: Match): Action {
  if (m.detector === 'custom') return config.custom.find((r) => r.name === m.kind)?.action ?? 'alert';
  return config.detectors[m.detector].action;
}

/**
 * Replaces the masked spans of `text`; overlapping spans merge into one label (the longest
 * match's). Returns the new text and pushes the removed values onto `removed`.
 */
export function maskSpans(text: string, spans: readonly Match[], removed: Set<string>): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  let k = 0;
  while (k < sorted.length) {
    const first = sorted[k]!;
    let start = first.start;
    let end = first.end;
    let label = first;
    k++;
    while (k < sorted.length && sorted[k]!.start < end) {
      const m = sorted[k]!;
      if (m.end - m.start > label.end - label.start) label = m;
      end = Math.max(end, m.end);
      k++;
    }
    start = Math.max(start, pos);
    if (end <= start) continue;
    out += text.slice(pos, start) + redactionLabel(label);
    const value = text.slice(start, end);
    if (value.length >= 4) removed.add(value);
    // The same number printed elsewhere without its spaces or dashes (`card=4111111111111111`).
    const compact = value.replace(/[\s-]+/g, '');
    if (compact !== value && compact.length >= 8) removed.add(compact);
    pos = end;
  }
  return out + text.slice(pos);
}

class Evaluation {
  readonly findings: Finding[] = [];
  readonly removed = new Set<string>();
  private readonly active: { readonly [D in Direction]: ActiveDetectors };

  constructor(private readonly config: GuardrailsConfig) {
    this.active = { input: activeFor(config, 'input'), output: activeFor(config, 'output') };
  }

  /** Scans one string; returns it masked (or the same string when nothing is masked). */
  text(s: string, loc: FindingLocation): string {
    const matches = scanText(s, this.config, { direction: loc.direction, role: loc.role }, this.active[loc.direction]);
    if (matches.length === 0) return s;
    let masked: Match[] | undefined;
    for (const m of matches) {
      const action = actionFor(this.config, m);
      this.findings.push({ ...m, ...loc, action });
      if (masksContent(action) && m.detector !== 'prompt_injection') (masked ??= []).push(m);
    }
    return masked ? maskSpans(s, masked, this.removed) : s;
  }

  /** Every string inside a JSON value (tool arguments, tool results), copied only where changed. */
  value(v: unknown, loc: FindingLocation, depth = 0): unknown {
    if (typeof v === 'string') return this.text(v, loc);
    if (depth > 32 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      v.forEach((item, i) => {
        const next = this.value(item, { ...loc, path: `${loc.path}[${i}]` }, depth + 1);
        if (next !== item) (out ??= [...v])[i] = next;
      });
      return out ?? v;
    }
    let out: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      const next = this.value(item, { ...loc, path: `${loc.path}.${key}` }, depth + 1);
      if (next !== item) (out ??= { ...(v as Record<string, unknown>) })[key] = next;
    }
    return out ?? v;
  }

  part(p: MessagePart, loc: FindingLocation): MessagePart {
    switch (p.type) {
      case 'text': {
        if (typeof p.content !== 'string') return p;
        loc.path = 'content';
        const content = this.text(p.content, loc);
        return content === p.content ? p : { ...p, content };
      }
      case 'tool_call': {
        const args = this.value(p.arguments, { ...loc, path: 'arguments' });
        return args === p.arguments ? p : { ...p, arguments: args };
      }
      case 'tool_call_response': {
        const response = this.value(p.response, { ...loc, path: 'response' });
        return response === p.response ? p : { ...p, response };
      }
      case 'reasoning': {
        const content = p['content'];
        if (typeof content !== 'string') return p;
        loc.path = 'content';
        const next = this.text(content, loc);
        return next === content ? p : { ...p, content: next };
      }
      default:
        return p; // blob, uri: media, not text
    }
  }

  parts(parts: readonly MessagePart[], direction: Direction, messageIndex: number | null, role: string): MessagePart[] | undefined {
    let out: MessagePart[] | undefined;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === null || typeof p !== 'object') continue;
      const next = this.part(p, { direction, message_index: messageIndex, role, part_index: i, path: '' });
      if (next !== p) (out ??= [...parts])[i] = next;
    }
    return out;
  }
}

/** Replaces every occurrence of any removed value in every string of `v`; shares unchanged branches. */
function sweep(v: unknown, removed: readonly string[], depth = 0): unknown {
  if (typeof v === 'string') {
    let s = v;
    for (const r of removed) if (s.includes(r)) s = s.split(r).join('[REDACTED]');
    return s;
  }
  if (depth > 64 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((item, i) => {
      const next = sweep(item, removed, depth + 1);
      if (next !== item) (out ??= [...v])[i] = next;
    });
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
    const next = sweep(item, removed, depth + 1);
    if (next !== item) (out ??= { ...(v as Record<string, unknown>) })[key] = next;
  }
  return out ?? v;
}

export function toRecordEntry(f: Finding): GuardrailRecordEntry {
  return {
    type: f.type,
    detector: f.detector,
    kind: f.kind,
    direction: f.direction,
    message_index: f.message_index,
    role: f.role,
    sample: f.sample,
    score: f.score,
    action: f.action,
  };
}

export function decide(findings: readonly Finding[]): Decision {
  return findings.some((f) => ACTION_RANK[f.action] >= ACTION_RANK.block) ? 'block' : 'allow';
}

/**
 * Runs every enabled detector over the call's content. The returned `redactedCall` is what may be
 * exported; `call` itself is left untouched.
 */
export function evaluateCall(call: LlmCall, config: GuardrailsConfig, opts: EvaluateOptions = {}): EvaluateResult {
  if (!config.enabled) return { findings: [], redactedCall: call, decision: 'allow' };
  const ev = new Evaluation(config);
  const attrs = call.attributes;
  const changed: Record<string, unknown> = {};

  const input = attrs[ATTR.inputMessages];
  if (Array.isArray(input)) {
    let out: typeof input | undefined;
    input.forEach((m, i) => {
      if (!m || !Array.isArray(m.parts)) return;
      const parts = ev.parts(m.parts, 'input', i, String(m.role));
      if (parts) (out ??= [...input])[i] = { ...m, parts };
    });
    if (out) changed[ATTR.inputMessages] = out;
  }

  const system = attrs[ATTR.systemInstructions];
  if (Array.isArray(system)) {
    const parts = ev.parts(system as MessagePart[], 'input', null, 'system');
    if (parts) changed[ATTR.systemInstructions] = parts;
  }

  const output = attrs[ATTR.outputMessages];
  if (Array.isArray(output)) {
    let out: typeof output | undefined;
    output.forEach((m, i) => {
      if (!m || !Array.isArray(m.parts)) return;
      const parts = ev.parts(m.parts, 'output', i, String(m.role));
      if (parts) (out ??= [...output])[i] = { ...m, parts };
    });
    if (out) changed[ATTR.outputMessages] = out;
  }

  const decision = decide(ev.findings);
  let redactedCall: LlmCall = {
    ...call,
    attributes: {
      ...attrs,
      ...changed,
      [ATTR.guardrails]: ev.findings.map(toRecordEntry),
      [GUARDRAILS_DECISION_ATTR]: decision,
    } as LlmCall['attributes'],
  };
  if (ev.removed.size > 0) {
    // Longest first, so a value that contains another is replaced whole.
    const removed = [...ev.removed].sort((a, b) => b.length - a.length);
    redactedCall = sweep(redactedCall, removed) as LlmCall;
  }
  if (opts.metrics !== false) recordEvaluation(ev.findings, decision);
  return { findings: ev.findings, redactedCall, decision };
}
