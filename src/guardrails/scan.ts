/**
 * The scanning pass over one string. A single loop classifies each character with one table lookup
 * and skips whole tokens (words, identifiers, base64 runs) at a time; only where a candidate can
 * start does it call a detector: digits and `+`/`(` → the numeric reader (cards, SSNs, phones,
 * IPv4), `@` → email, token prefixes → secrets and IBANs. Every detector validates before it
 * reports. Custom rules (RE2) and prompt-injection scoring run after, on the same string.
 *
 * Nothing here allocates per character; per candidate, a few small strings at most.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import type { GuardrailsConfig } from './config.js';
import { cardGroupingOk, cardIssuer, luhnValid } from './detectors/card.js';
import { CLS, C_B64, C_DIGIT, C_LOWER, C_SECRET_START, C_SPECIAL, C_TOKEN, C_UPPER, contextBefore, isDigit } from './detectors/chars.js';
import { matchEmail } from './detectors/email.js';
import { matchIban } from './detectors/iban.js';
import { findIpv6, ipv4Ok } from './detectors/ip.js';
import { newCandidate, readNumeric, type NumericCandidate } from './detectors/numeric.js';
import { classifyPhone, ID_CONTEXT } from './detectors/phone.js';
import { matchSecretAt, resetSecretScan } from './detectors/secrets.js';
import { SSN_CONTEXT, ssnValid } from './detectors/ssn.js';
import { scoreInjection } from './injection/score.js';
import { MAX_TRIGGER_WORD, hashStep, symbolTrigger, wordTrigger } from './injection/triggers.js';
import { excerpt, maskCard, maskEmail, maskGeneric, maskIban, maskIp, maskPhone, maskSecret, maskSsn } from './mask.js';
import { roleClass, type Direction, type Match } from './types.js';

/** Which built-in detectors run on a given string (after config and direction are applied). */
export interface ActiveDetectors {
  email: boolean;
  phone: boolean;
  ssn: boolean;
  payment_card: boolean;
  iban: boolean;
  ip_address: boolean;
  secrets: boolean;
  prompt_injection: boolean;
}

const activeCache = new WeakMap<GuardrailsConfig, { input: ActiveDetectors; output: ActiveDetectors }>();

/** The detectors `config` runs in `direction` (computed once per config object). */
export function activeFor(config: GuardrailsConfig, direction: Direction): ActiveDetectors {
  let cached = activeCache.get(config);
  if (!cached) {
    cached = { input: computeActive(config, 'input'), output: computeActive(config, 'output') };
    activeCache.set(config, cached);
  }
  return cached[direction];
}

function computeActive(config: GuardrailsConfig, direction: Direction): ActiveDetectors {
  const on = (d: keyof ActiveDetectors): boolean => {
    const r = config.detectors[d];
    return config.enabled && r.enabled && r.directions.has(direction);
  };
  return {
    email: on('email'),
    phone: on('phone'),
    ssn: on('ssn'),
    payment_card: on('payment_card'),
    iban: on('iban'),
    ip_address: on('ip_address'),
    secrets: on('secrets'),
    prompt_injection: on('prompt_injection'),
  };
}

const ENCODED_MIN = 24;

/** Reused across calls: scanning is synchronous, so one candidate buffer serves every string. */
const cand: NumericCandidate = newCandidate();

function classifyNumeric(text: string, c: NumericCandidate, on: ActiveDetectors, regions: readonly CountryCode[], out: Match[]): boolean {
  const raw = text.slice(c.start, c.end);
  if (on.ip_address && ipv4Ok(c, text)) {
    out.push({ type: 'pii', detector: 'ip_address', kind: 'ipv4', start: c.start, end: c.end, score: 0.9, sample: maskIp(raw) });
    return true;
  }
  const n = c.nDigits;
  // The tail of a longer digit run (`DK35 8026 0148…`, `12 4111…`): only a card's own checks are strong enough there.
  const p = c.start > 1 ? text.charCodeAt(c.start - 1) : 0;
  const tail = (p === 32 || p === 45 || p === 46 || p === 47 || p === 41) && isDigit(text.charCodeAt(c.start - 2));
  if (on.payment_card && n >= 13 && n <= 19 && !c.plus && !c.paren && cardGroupingOk(c.groupLen, c.groups, c.sep)) {
    const issuer = cardIssuer(c.digits, n);
    if (issuer && luhnValid(c.digits, n)) {
      out.push({ type: 'pii', detector: 'payment_card', kind: issuer, start: c.start, end: c.end, score: 0.97, sample: maskCard(raw) });
      return true;
    }
  }
  if (tail) return false;
  if (on.ssn && n === 9 && !c.plus && !c.paren) {
    const dashed = c.groups === 3 && c.groupLen[0] === 3 && c.groupLen[1] === 2 && c.groupLen[2] === 4 && c.sep[1] === c.sep[2] && (c.sep[1] === 45 || c.sep[1] === 32);
    if ((dashed || c.groups === 1) && ssnValid(c.digits)) {
      const before = contextBefore(text, c.start, 48);
      const keyword = SSN_CONTEXT.test(before);
      if (keyword || (dashed && c.sep[1] === 45 && !ID_CONTEXT.test(before))) {
        out.push({ type: 'pii', detector: 'ssn', kind: 'ssn', start: c.start, end: c.end, score: keyword ? 0.95 : 0.85, sample: maskSsn(raw) });
        return true;
      }
    }
  }
  if (on.phone) {
    const hit = classifyPhone(c, text, raw, regions);
    if (hit) {
      out.push({ type: 'pii', detector: 'phone', kind: hit.kind, start: c.start, end: c.end, score: hit.score, sample: maskPhone(raw) });
      return true;
    }
  }
  return false;
}

export interface PassResult {
  /** A character ≥ U+0080 was seen (turns on the Unicode checks of the injection scorer). */
  nonAscii: boolean;
}

/** What the pass collects for the injection scorer, when it runs. */
export interface InjectionInputs {
  /** [start, end) of runs of 24+ base64 characters. */
  encoded: number[];
  /** (offset, trigger entry, length) triples. */
  triggers: number[];
}

/**
 * The single pass for the built-in PII and secret detectors. Appends matches to `out` in text
 * order; when `inj` is given, also collects the injection scorer's inputs (triggers and encoded
 * runs) on the way.
 */
export function scanBuiltins(text: string, on: ActiveDetectors, regions: readonly CountryCode[], out: Match[], inj: InjectionInputs | null): PassResult {
  const n = text.length;
  const numeric = on.payment_card || on.ssn || on.phone || on.ip_address;
  let nonAscii = false;
  let b64End = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      nonAscii = true;
      i++;
      continue;
    }
    const k = CLS[c]!;
    if ((k & (C_TOKEN | C_SPECIAL)) === 0) {
      i++; // space and ordinary punctuation: the common case
      continue;
    }
    if ((k & C_TOKEN) === 0) {
      if (c === 64) {
        if (on.email) {
          const m = matchEmail(text, i);
          if (m) {
            out.push({ type: 'pii', detector: 'email', kind: 'email', start: m.start, end: m.end, score: 0.99, sample: maskEmail(text.slice(m.start, m.end)) });
            i = m.end;
            continue;
          }
        }
      } else if ((c === 40 || c === 43) && numeric && i + 1 < n && isDigit(text.charCodeAt(i + 1))) {
        readNumeric(text, i, cand);
        if (!cand.glued && !cand.tooLong && classifyNumeric(text, cand, on, regions, out)) {
          i = cand.end;
          continue;
        }
      } else if (inj !== null && (c === 60 || c === 91 || c === 35 || c === 33)) {
        const t = symbolTrigger(text, i, c);
        if (t >= 0) inj.triggers.push(i, t, 1);
      }
      i++;
      continue;
    }

    // A token starts here; find its end (hashing it on the way when triggers are wanted).
    let j = i + 1;
    if (inj === null) {
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d >= 128 || (CLS[d]! & C_TOKEN) === 0) break;
        j++;
      }
    } else {
      let h = hashStep(0, c);
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d >= 128 || (CLS[d]! & C_TOKEN) === 0) break;
        h = hashStep(h, d);
        j++;
      }
      if (j - i <= MAX_TRIGGER_WORD) {
        const t = wordTrigger(text, i, j, h);
        if (t >= 0) inj.triggers.push(i, t, j - i);
      }
    }
    let resume = j;
    let found = false;
    if ((k & C_DIGIT) !== 0) {
      if (numeric) {
        readNumeric(text, i, cand);
        if (cand.glued || cand.tooLong) resume = Math.max(j, cand.end);
        else if (classifyNumeric(text, cand, on, regions, out)) {
          resume = Math.max(cand.end, i + 1);
          found = true;
        }
      }
    } else {
      if (on.secrets && (k & C_SECRET_START) !== 0) {
        const h = matchSecretAt(text, i, c, j);
        if (h) {
          out.push({ type: 'secret', detector: 'secrets', kind: h.kind, start: h.start, end: h.end, score: h.score, sample: maskSecret(text.slice(h.start, h.end), h.prefixLength) });
          resume = Math.max(h.end, j);
          found = true;
        }
      }
      if (!found && on.iban && j - i >= 4 && isDigit(text.charCodeAt(i + 2)) && isDigit(text.charCodeAt(i + 3)) && (k & (C_UPPER | C_LOWER)) !== 0) {
        const m = matchIban(text, i);
        if (m) {
          out.push({ type: 'pii', detector: 'iban', kind: 'iban', start: i, end: m.end, score: 0.99, sample: maskIban(m.compact) });
          resume = Math.max(m.end, j);
          found = true;
        }
      }
    }
    if (!found && inj !== null && i >= b64End) {
      // A base64 run may continue past the token through `+ / =`; collect it once, whole.
      let e = j;
      while (e < n) {
        const d = text.charCodeAt(e);
        if (d >= 128 || (CLS[d]! & C_B64) === 0) break;
        e++;
      }
      b64End = e;
      if (e - i >= ENCODED_MIN) inj.encoded.push(i, e);
    }
    i = resume;
  }
  resetSecretScan();
  return { nonAscii };
}

function runCustom(text: string, config: GuardrailsConfig, direction: Direction, out: Match[]): void {
  for (const rule of config.custom) {
    if (!rule.directions.has(direction)) continue;
    const m = rule.re.matcher(text);
    let from = 0;
    while (from <= text.length && m.find(from)) {
      const start = m.start();
      const end = m.end();
      out.push({ type: rule.type, detector: 'custom', kind: rule.name, start, end, score: rule.score, sample: maskGeneric(text.slice(start, end)) });
      from = end > start ? end : end + 1;
    }
  }
}

export interface ScanContext {
  direction: Direction;
  /** The message role as the provider spelled it. */
  role: string;
}

/**
 * Every match in `text` under `config` for a message of `ctx.role` travelling in `ctx.direction`:
 * PII and secrets, custom rules, and at most one prompt-injection match (the message's score, when
 * it reaches the threshold). Sorted by start offset.
 */
export function scanText(text: string, config: GuardrailsConfig, ctx: ScanContext, active?: ActiveDetectors): Match[] {
  const on = active ?? activeFor(config, ctx.direction);
  const out: Match[] = [];
  if (!config.enabled || text.length === 0) return out;
  const builtins = on.email || on.phone || on.ssn || on.payment_card || on.iban || on.ip_address || on.secrets;
  const inj: InjectionInputs | null = on.prompt_injection ? { encoded: [], triggers: [] } : null;
  const pass: Partial<PassResult> = builtins || inj ? scanBuiltins(text, on, config.phoneRegions, out, inj) : {};
  if (on.ip_address) {
    for (const ip of findIpv6(text)) out.push({ type: 'pii', detector: 'ip_address', kind: 'ipv6', start: ip.start, end: ip.end, score: 0.9, sample: maskIp(ip.raw) });
  }
  if (config.custom.length > 0) runCustom(text, config, ctx.direction, out);
  if (on.prompt_injection) {
    const r = scoreInjection(text, {
      role: roleClass(ctx.role),
      ...(inj ? { encodedCandidates: inj.encoded, triggers: inj.triggers } : {}),
      ...(pass.nonAscii !== undefined ? { nonAscii: pass.nonAscii } : {}),
    });
    if (r && r.score >= config.injectionThreshold) {
      out.push({ type: 'prompt_injection', detector: 'prompt_injection', kind: r.family, start: r.start, end: r.end, score: r.score, sample: excerpt(text, r.start, r.end) });
    }
  }
  if (out.length > 1) out.sort((a, b) => a.start - b.start || b.end - a.end);
  return out;
}
