/**
 * ASCII character classes for the single scanning pass. One table lookup per character; no
 * regular expression runs until a character class says a candidate may start here.
 */

export const C_DIGIT = 1;
export const C_UPPER = 2;
export const C_LOWER = 4;
/** Characters a "token" (word, key, identifier) is made of: alnum, `_` and `-` (the base64url alphabet). */
export const C_TOKEN = 8;
/** The base64 alphabets together: alnum and `+ / = _ -` (runs that may be an encoded payload). */
export const C_B64 = 32;
/** Non-token characters where a candidate can start: `@ ( + < [ # !`. */
export const C_SPECIAL = 64;
/** First characters of the credential formats: `s S a A g x e -`. */
export const C_SECRET_START = 128;
/** Characters of an email local part: alnum and `. _ % + - '`. */
export const C_LOCAL = 16;

export const CLS = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = C_DIGIT | C_TOKEN | C_LOCAL | C_B64;
  for (let c = 65; c <= 90; c++) t[c] = C_UPPER | C_TOKEN | C_LOCAL | C_B64;
  for (let c = 97; c <= 122; c++) t[c] = C_LOWER | C_TOKEN | C_LOCAL | C_B64;
  for (const ch of '_-') t[ch.charCodeAt(0)] = C_TOKEN | C_LOCAL | C_B64;
  t['+'.charCodeAt(0)] = C_LOCAL | C_B64;
  for (const ch of '/=') t[ch.charCodeAt(0)] = C_B64;
  for (const ch of ".%'") t[ch.charCodeAt(0)] = C_LOCAL;
  for (const ch of '@(+<[#!') t[ch.charCodeAt(0)]! |= C_SPECIAL;
  for (const ch of 'sSaAgxe-') t[ch.charCodeAt(0)]! |= C_SECRET_START;
  return t;
})();

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAlnum(c: number): boolean {
  return c < 128 && (CLS[c]! & (C_DIGIT | C_UPPER | C_LOWER)) !== 0;
}

export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** base64url alphabet: `A-Z a-z 0-9 - _`. */
export function isB64Url(c: number): boolean {
  return c < 128 && ((CLS[c]! & (C_DIGIT | C_UPPER | C_LOWER)) !== 0 || c === 45 || c === 95);
}

/** Lower-cased window of up to `width` characters before `pos`, for context keywords. */
export function contextBefore(s: string, pos: number, width: number): string {
  return s.slice(Math.max(0, pos - width), pos).toLowerCase();
}

/** `s` at `i` starts with `lit` (ASCII, compared case-insensitively). `lit` must be lower case. */
export function startsWithCi(s: string, i: number, lit: string): boolean {
  if (i + lit.length > s.length) return false;
  for (let k = 0; k < lit.length; k++) {
    let c = s.charCodeAt(i + k);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lit.charCodeAt(k)) return false;
  }
  return true;
}
