/**
 * Numeric candidates: one pass over a run of digit groups and the separators between them
 * (`4111 1111 1111 1111`, `(415) 555-2671`, `+44 20 7946 0958`, `078-05-1120`, `10.0.0.1`), filled
 * into one reusable structure so the hot path allocates nothing. Card, SSN, phone and IP
 * classification all read from it.
 */
import { CLS, C_DIGIT, C_LOWER, C_UPPER, isAlnum, isDigit } from './chars.js';

export const MAX_DIGITS = 24;
const MAX_GROUPS = 12;

export interface NumericCandidate {
  start: number;
  /** After the last digit. */
  end: number;
  nDigits: number;
  digits: Uint8Array;
  groups: number;
  groupLen: Int32Array;
  /** Separator before group k (k ≥ 1): the first non-space character of the separator run, or a space. */
  sep: Int32Array;
  plus: boolean;
  /** The first group was in parentheses: `(415) 555-2671`. */
  paren: boolean;
  /** Stuck to an identifier on either side (`INV-123-45-6789`, `v1.2.3`, `4111…1111abc`): never PII. */
  glued: boolean;
  tooLong: boolean;
}

export function newCandidate(): NumericCandidate {
  return {
    start: 0,
    end: 0,
    nDigits: 0,
    digits: new Uint8Array(MAX_DIGITS + 1),
    groups: 0,
    groupLen: new Int32Array(MAX_GROUPS + 1),
    sep: new Int32Array(MAX_GROUPS + 1),
    plus: false,
    paren: false,
    glued: false,
    tooLong: false,
  };
}

function isSep(c: number): boolean {
  // space, NBSP, - . / ( )
  return c === 32 || c === 160 || c === 45 || c === 46 || c === 47 || c === 40 || c === 41;
}

/** Characters that, between an identifier and a number, make them one identifier (`#` does not: `ss#`, `order #`). */
function isGlue(c: number): boolean {
  return c === 45 || c === 46 || c === 47 || c === 95 || c === 43;
}

function isWordChar(c: number): boolean {
  return c < 128 ? (CLS[c]! & (C_DIGIT | C_UPPER | C_LOWER)) !== 0 || c === 95 : c > 0xbf;
}

/**
 * Reads the numeric run starting at `i` (a digit, `+digit` or `(digit`) into `c`. Returns the
 * offset after the last character that belongs to the run.
 */
export function readNumeric(s: string, i: number, c: NumericCandidate): void {
  const n = s.length;
  c.start = i;
  c.nDigits = 0;
  c.groups = 0;
  c.plus = false;
  c.paren = false;
  c.glued = false;
  c.tooLong = false;
  let j = i;
  const first = s.charCodeAt(j);
  if (first === 43) {
    c.plus = true;
    j++;
  } else if (first === 40) {
    c.paren = true;
    j++;
  }
  let lastDigitEnd = j;
  let sepCode = 0;
  while (j < n) {
    const g = c.groups;
    let len = 0;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d < 48 || d > 57) break;
      if (c.nDigits <= MAX_DIGITS) c.digits[c.nDigits] = d - 48;
      c.nDigits++;
      len++;
      j++;
    }
    if (len === 0) break;
    if (g < MAX_GROUPS) {
      c.groupLen[g] = len;
      c.sep[g] = sepCode;
    }
    c.groups++;
    lastDigitEnd = j;
    if (c.nDigits > MAX_DIGITS || c.groups > MAX_GROUPS) {
      c.tooLong = true;
      // Swallow the rest of the run so the caller skips it whole.
      while (j < n && (isDigit(s.charCodeAt(j)) || isSep(s.charCodeAt(j)))) j++;
      lastDigitEnd = j;
      break;
    }
    // Separator run: at most three characters (`) `, ` - `), then a digit or `(`.
    let k = j;
    sepCode = 0;
    while (k < n && k - j < 3) {
      const d = s.charCodeAt(k);
      if (!isSep(d)) break;
      if (sepCode === 0 || (sepCode === 32 && d !== 32 && d !== 160)) sepCode = d === 160 ? 32 : d;
      k++;
    }
    if (k === j || k >= n) break;
    const next = s.charCodeAt(k);
    if (next === 40 && k + 1 < n && isDigit(s.charCodeAt(k + 1))) {
      sepCode = 40;
      k++;
    } else if (!isDigit(next)) break;
    j = k;
  }
  c.end = lastDigitEnd;
  // Glue on the left: `INV-123`, `v1.2`, `a/123`, `#123` right after a word.
  if (i > 0) {
    const p = s.charCodeAt(i - 1);
    if (isWordChar(p)) c.glued = true;
    else if (isGlue(p) && i > 1 && isWordChar(s.charCodeAt(i - 2))) c.glued = true;
  }
  // Glue on the right: `…1111abc`, `…6789-AB`, `…@host`, `1.2.3.4.x`.
  if (c.end < n) {
    const q = s.charCodeAt(c.end);
    if (isWordChar(q) || q === 64) c.glued = true;
    else if (isGlue(q) && c.end + 1 < n && isAlnum(s.charCodeAt(c.end + 1))) c.glued = true;
    // `12:30` and `host:8080` are fine; `4111…:abc` is an identifier.
    else if (q === 58 && c.end + 1 < n && isAlnum(s.charCodeAt(c.end + 1)) && !isDigit(s.charCodeAt(c.end + 1))) c.glued = true;
  }
}

/** The candidate's digits as a string (for validators that want one). */
export function digitString(c: NumericCandidate): string {
  let out = '';
  const n = Math.min(c.nDigits, MAX_DIGITS);
  for (let k = 0; k < n; k++) out += c.digits[k];
  return out;
}
