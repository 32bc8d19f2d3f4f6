/**
 * Prompt-injection scoring for one piece of content. One pass finds the anchors of every signal
 * (signals.ts); each anchor tries only its own signals, as sticky expressions at that position.
 * A hit's weight is then adjusted for where it sits — inside quotation marks, after words that
 * show the text is *about* injection ("for example", "researchers", "attack"), inside a code fence —
 * and for who wrote it: content from tools (web pages, files, API results fed back to the model) is
 * the classic indirect-injection channel and weighs more; the system prompt is written by the
 * application's developer and weighs less.
 *
 * Combination: within a family, distinct signals combine as a noisy-OR (1 − Π(1 − wᵢ)), each
 * signal counted once however often it repeats; families combine the same way. Payloads hidden in
 * base64/hex tokens or in Unicode tag characters are decoded and scored recursively.
 */
import type { RoleClass } from '../types.js';
import { INJECTION_FAMILIES, type InjectionFamily } from './signals.js';
import { SIGNAL_COUNT, TRIGGER_ENTRIES, collectTriggers } from './triggers.js';

export interface InjectionHit {
  signal: string;
  family: InjectionFamily;
  /** Weight after context and role adjustment. */
  weight: number;
  start: number;
  end: number;
}

export interface InjectionResult {
  score: number;
  /** The family contributing most. */
  family: InjectionFamily;
  familyScores: Partial<Record<InjectionFamily, number>>;
  hits: InjectionHit[];
  /** Span of the strongest hit (offsets into the scanned text). */
  start: number;
  end: number;
}

export interface InjectionScanOptions {
  role: RoleClass;
  /** Tokens of 24+ base64/hex characters, as [start, end) pairs, if the caller already found them. */
  encodedCandidates?: readonly number[];
  /** The caller saw a non-ASCII character (enables the Unicode smuggling checks). */
  nonAscii?: boolean;
  /** Trigger triples (offset, entry, length) if the caller's pass already found them. */
  triggers?: readonly number[];
}

const BACK = 80;
const AHEAD = 200;

/** Words before a phrase that show the text discusses injection rather than performs it. */
const META =
  /\b(?:prompt[- ]injections?|injections?|jailbreaks?|jailbreaking|attacks?|attackers?|adversarial|red[- ]team(?:ing)?|examples?|e\.g\.|such as|for instance|phrases?|strings?|detect(?:s|ed|ing|ion|or)?|classif(?:y|ies|ier|ication)|filters?|guardrails?|researchers?|papers?|mitigat\w*|defen[cs]es?|defend(?:s|ing)?|protect(?:s|ing)?|prevent(?:s|ing)?|guard(?:s|ing)? against|payloads?|security|vulnerabilit(?:y|ies)|known as|called|common|test cases?|dataset|training data|blocklist|denylist|malicious|suspicious|flag(?:s|ged)?|warns?|warning about)\b/;

const NEGATED = /\b(?:never|not|don'?t|doesn'?t|won'?t|cannot|can'?t|mustn'?t|shouldn'?t|refuse to|avoid)\s+(?:(?:ever|always|just|simply|to)\s+)?$/;

const QUOTE_CHARS = new Set([34, 0x201c, 0x201d, 0x2018, 0x2019, 39, 96, 0xab, 0xbb]);
const META_WINDOW = 120;

/** Offsets of every ``` in a text, found once per text and shared by all its hits. */
class Fences {
  private positions: number[] | undefined;
  constructor(private readonly text: string) {}
  /** True when `pos` lies inside a fenced code block (an odd number of fences before it). */
  inside(pos: number): boolean {
    if (this.positions === undefined) {
      this.positions = [];
      for (let k = this.text.indexOf('```'); k !== -1; k = this.text.indexOf('```', k + 3)) this.positions.push(k);
    }
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.positions[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo % 2 === 1;
  }
}

/** A signal that already fired this often in one text has said all it can (the scorer keeps its best hit). */
const MAX_HITS_PER_SIGNAL = 16;

function contextFactor(text: string, start: number, end: number, fences: Fences): number {
  let factor = 1;
  // Directly quoted: a quote mark just before the phrase (skipping spaces) and one after it on the line.
  let p = start - 1;
  while (p >= 0 && text.charCodeAt(p) === 32) p--;
  let quoted = false;
  if (p >= 0 && QUOTE_CHARS.has(text.charCodeAt(p))) {
    const lineEnd = text.indexOf('\n', end);
    const limit = lineEnd === -1 ? Math.min(text.length, end + 200) : Math.min(lineEnd, end + 200);
    for (let k = end; k < limit; k++) {
      if (QUOTE_CHARS.has(text.charCodeAt(k))) {
        quoted = true;
        break;
      }
    }
  }
  const before = text.slice(Math.max(0, start - META_WINDOW), start).toLowerCase();
  const meta = META.test(before);
  // Negated: "never ignore previous instructions", "do not reveal your system prompt".
  if (NEGATED.test(before)) factor *= 0.3;
  if (quoted && meta) factor *= 0.3;
  else if (quoted) factor *= 0.8;
  else if (meta) factor *= 0.55;
  // Inside a fenced code block.
  if (fences.inside(start)) factor *= 0.6;
  return factor;
}

/** Per-role multiplier for every family but tool_result_instructions, and for that family. */
function roleAdjust(w: number, role: RoleClass, family: InjectionFamily): number {
  const toolFamily = family === 'tool_result_instructions';
  switch (role) {
    case 'tool':
      return 1 - Math.pow(1 - w, 1.5);
    case 'system':
      return w * (toolFamily ? 0.3 : 0.5);
    case 'assistant':
      return w * (toolFamily ? 0.5 : 0.7);
    case 'user':
    case 'other':
      return toolFamily ? w * 0.6 : w;
  }
}

const MAX_DEPTH = 2;
const MAX_ENCODED = 64 * 1024;

/** Decodes a base64, base64url or hex token to text when it is mostly printable ASCII; else undefined. */
export function decodePrintable(token: string): string | undefined {
  let buf: Buffer;
  if (token.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(token)) buf = Buffer.from(token, 'hex');
  else buf = Buffer.from(token, /[-_]/.test(token) ? 'base64url' : 'base64');
  if (buf.length < 12) return undefined;
  let printable = 0;
  let letters = 0;
  let spaces = 0;
  for (const b of buf) {
    if ((b >= 32 && b < 127) || b === 10 || b === 13 || b === 9) printable++;
    if ((b >= 65 && b <= 90) || (b >= 97 && b <= 122)) letters++;
    if (b === 32) spaces++;
  }
  if (printable < buf.length * 0.95 || letters < buf.length * 0.5 || spaces === 0) return undefined;
  return buf.toString('latin1');
}

const ENCODED_TOKEN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

function findEncoded(text: string): number[] {
  const out: number[] = [];
  ENCODED_TOKEN.lastIndex = 0;
  for (let m = ENCODED_TOKEN.exec(text); m; m = ENCODED_TOKEN.exec(text)) out.push(m.index, m.index + m[0].length);
  return out;
}

const TAG_CHARS = /(?:\udb40[\udc20-\udc7e]){4,}/g;
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff\u00ad]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/** Cyrillic and Greek letters that render like Latin ones (the common "іgnore" trick). */
const CONFUSABLES: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X', Ѕ: 'S', І: 'I', Ј: 'J',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', Α: 'A', Β: 'B', Ε: 'E', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Χ: 'X', Υ: 'Y', Ζ: 'Z',
};
const CONFUSABLE_CLASS = `[${Object.keys(CONFUSABLES).join('')}]`;
const CONFUSABLE_RE = new RegExp(CONFUSABLE_CLASS, 'g');
const HAS_CONFUSABLE = new RegExp(CONFUSABLE_CLASS);

/** Folds look-alike letters to Latin only inside words that also contain Latin letters (mixed-script words). */
function foldConfusables(text: string): string {
  return text.replace(/[\p{L}\p{M}]+/gu, (word) => (/[A-Za-z]/.test(word) && HAS_CONFUSABLE.test(word) ? word.replace(CONFUSABLE_RE, (ch) => CONFUSABLES[ch] ?? ch) : word));
}

function addHit(hits: InjectionHit[], signal: string, family: InjectionFamily, weight: number, start: number, end: number): void {
  hits.push({ signal, family, weight, start, end });
}

/**
 * Tries the signals armed by each trigger over a window around it (the windows are sized per
 * signal to the phrase it matches). `triggers` holds (offset, entry, length) triples. Overlapping
 * windows can find the same match twice; it is counted once. Nothing is allocated unless a trigger
 * is present, and little unless a signal matches.
 */
function collect(text: string, triggers: readonly number[], role: RoleClass, hits: InjectionHit[], offsetMode: 'exact' | 'whole'): void {
  if (triggers.length === 0) return;
  const hitCount = new Uint8Array(SIGNAL_COUNT);
  let seen: Set<string> | undefined;
  let fences: Fences | undefined;
  // Next closer position per closer string; triggers come in text order, so each search moves forward only.
  let closers: Map<string, number> | undefined;
  for (let t = 0; t + 2 < triggers.length; t += 3) {
    const at = triggers[t]!;
    const entry = TRIGGER_ENTRIES[triggers[t + 1]!]!;
    const len = triggers[t + 2]!;
    for (let e = 0; e < entry.signals.length; e++) {
      const si = entry.indices[e]!;
      if (hitCount[si]! >= MAX_HITS_PER_SIGNAL) continue;
      const sig = entry.signals[e]!;
      if (sig.closer !== undefined) {
        closers ??= new Map();
        let close = closers.get(sig.closer);
        if (close === undefined || (close !== -1 && close < at + len)) {
          close = text.indexOf(sig.closer, at + len);
          closers.set(sig.closer, close);
        }
        if (close === -1 || close - at > (sig.ahead ?? AHEAD)) continue;
        const end = close + sig.closer.length;
        const key = `${si}:${at}`;
        if ((seen ??= new Set()).has(key)) continue;
        seen.add(key);
        if (sig.confirm && !sig.confirm.test(text.slice(at, end))) continue;
        hitCount[si]!++;
        const w = roleAdjust(sig.weight * contextFactor(text, at, end, (fences ??= new Fences(text))), role, sig.family);
        addHit(hits, sig.id, sig.family, w, offsetMode === 'exact' ? at : 0, offsetMode === 'exact' ? end : text.length);
        continue;
      }
      const from = Math.max(0, at - (sig.back ?? BACK));
      const window = text.slice(from, Math.min(text.length, at + len + (sig.ahead ?? AHEAD)));
      sig.re.lastIndex = 0;
      for (let r = sig.re.exec(window); r; r = sig.re.exec(window)) {
        if (r[0].length === 0) {
          sig.re.lastIndex++;
          continue;
        }
        const start = from + r.index;
        const end = start + r[0].length;
        const key = `${si}:${start}`;
        if ((seen ??= new Set()).has(key)) continue;
        seen.add(key);
        if (sig.confirm && !sig.confirm.test(r[0])) continue;
        hitCount[si]!++;
        const w = roleAdjust(sig.weight * contextFactor(text, start, end, (fences ??= new Fences(text))), role, sig.family);
        if (offsetMode === 'exact') addHit(hits, sig.id, sig.family, w, start, end);
        else addHit(hits, sig.id, sig.family, w, 0, text.length);
      }
    }
  }
}

function combine(hits: readonly InjectionHit[]): { score: number; familyScores: Partial<Record<InjectionFamily, number>>; family: InjectionFamily } {
  const bestBySignal = new Map<string, InjectionHit>();
  for (const h of hits) {
    const prev = bestBySignal.get(h.signal);
    if (!prev || h.weight > prev.weight) bestBySignal.set(h.signal, h);
  }
  const familyMiss = new Map<InjectionFamily, number>();
  for (const h of bestBySignal.values()) familyMiss.set(h.family, (familyMiss.get(h.family) ?? 1) * (1 - h.weight));
  let miss = 1;
  let family: InjectionFamily = 'instruction_override';
  let best = -1;
  const familyScores: Partial<Record<InjectionFamily, number>> = {};
  for (const f of INJECTION_FAMILIES) {
    const m = familyMiss.get(f);
    if (m === undefined) continue;
    const s = 1 - m;
    familyScores[f] = round3(s);
    miss *= m;
    if (s > best) {
      best = s;
      family = f;
    }
  }
  return { score: round3(1 - miss), familyScores, family };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Scores `text`; undefined when no signal fired at all. */
export function scoreInjection(text: string, opts: InjectionScanOptions, depth = 0): InjectionResult | undefined {
  const hits: InjectionHit[] = [];
  collect(text, opts.triggers ?? collectTriggers(text), opts.role, hits, 'exact');

  if (opts.nonAscii ?? /[^\x00-\x7f]/.test(text)) {
    // Unicode tag characters: invisible ASCII, the "ASCII smuggling" channel.
    TAG_CHARS.lastIndex = 0;
    for (let m = TAG_CHARS.exec(text); m; m = TAG_CHARS.exec(text)) {
      let hidden = '';
      for (let k = 1; k < m[0].length; k += 2) hidden += String.fromCharCode(m[0].charCodeAt(k) - 0xdc00);
      addHit(hits, 'unicode_tag_smuggling', 'delimiter_smuggling', roleAdjust(0.9, opts.role, 'delimiter_smuggling'), m.index, m.index + m[0].length);
      if (depth < MAX_DEPTH) {
        const inner = scoreInjection(hidden, { role: opts.role }, depth + 1);
        if (inner) for (const h of inner.hits) addHit(hits, h.signal, h.family, h.weight, m.index, m.index + m[0].length);
      }
    }
    const zw = text.match(ZERO_WIDTH);
    const bidi = BIDI.test(text);
    if ((zw && zw.length >= 3) || bidi) {
      if (zw && zw.length >= 3) addHit(hits, 'zero_width_characters', 'delimiter_smuggling', roleAdjust(0.35, opts.role, 'delimiter_smuggling'), 0, text.length);
      if (bidi) addHit(hits, 'bidi_controls', 'delimiter_smuggling', roleAdjust(0.35, opts.role, 'delimiter_smuggling'), 0, text.length);
    }
    // Homoglyphs and invisible separators: score the normalised text too.
    const normalised = foldConfusables(text.replace(ZERO_WIDTH, '').normalize('NFKC'));
    if (normalised !== text) collect(normalised, collectTriggers(normalised), opts.role, hits, 'whole');
  }

  if (depth < MAX_DEPTH) {
    const enc = opts.encodedCandidates ?? findEncoded(text);
    for (let k = 0; k + 1 < enc.length; k += 2) {
      const s = enc[k]!;
      const e = enc[k + 1]!;
      if (e - s > MAX_ENCODED) continue;
      const decoded = decodePrintable(text.slice(s, e));
      if (decoded === undefined) continue;
      const inner = scoreInjection(decoded, { role: opts.role }, depth + 1);
      if (inner && inner.score >= 0.5) {
        addHit(hits, 'encoded_payload', 'encoded_instructions', Math.max(roleAdjust(0.9, opts.role, 'encoded_instructions'), inner.score), s, e);
      }
    }
  }

  if (hits.length === 0) return undefined;
  const { score, familyScores, family } = combine(hits);
  let strongest = hits[0]!;
  for (const h of hits) if (h.weight > strongest.weight) strongest = h;
  return { score, family, familyScores, hits, start: strongest.start, end: strongest.end };
}
