/**
 * Email addresses, found from the `@` outwards: a dot-atom local part (RFC 5322, no quoted forms)
 * and a domain of LDH labels with an alphabetic top-level domain. Shapes that look like addresses
 * but are not are rejected: package specifiers (`react@18.2.0`), scp-style remotes
 * (`git@github.com:org/repo`), retina image names (`icon@2x.png`), hosts without a dot.
 */
import { CLS, C_LOCAL, isAlnum, isDigit } from './chars.js';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function isLabelChar(c: number): boolean {
  return isAlnum(c) || c === 45;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The address around the `@` at `at`, as [start, end), or undefined. */
export function matchEmail(s: string, at: number): { start: number; end: number } | undefined {
  // Local part, backwards.
  let start = at;
  while (start > 0 && at - start < MAX_LOCAL) {
    const c = s.charCodeAt(start - 1);
    if (c >= 128 || (CLS[c]! & C_LOCAL) === 0) break;
    start--;
  }
  // Leading dots or quotes belong to the sentence, not the address.
  while (start < at && !isAlnum(s.charCodeAt(start))) start++;
  if (start === at) return undefined;
  if (start > 0 && s.charCodeAt(start - 1) === 47) return undefined; // a path segment
  if (s.charCodeAt(at - 1) === 46) return undefined;
  for (let k = start + 1; k < at; k++) if (s.charCodeAt(k) === 46 && s.charCodeAt(k - 1) === 46) return undefined;

  // Domain, forwards: labels separated by single dots.
  const n = s.length;
  let j = at + 1;
  let labels = 0;
  let lastLabelStart = j;
  let end = -1;
  while (j < n && j - at <= MAX_DOMAIN) {
    const labelStart = j;
    while (j < n && isLabelChar(s.charCodeAt(j))) j++;
    const len = j - labelStart;
    if (len === 0 || len > 63) break;
    if (s.charCodeAt(labelStart) === 45 || s.charCodeAt(j - 1) === 45) break;
    labels++;
    lastLabelStart = labelStart;
    end = j;
    if (j + 1 < n && s.charCodeAt(j) === 46 && isLabelChar(s.charCodeAt(j + 1))) j++;
    else break;
  }
  if (labels < 2 || end < 0) return undefined;
  // Top-level domain: letters only, 2–24 of them.
  const tldLen = end - lastLabelStart;
  if (tldLen < 2 || tldLen > 24) return undefined;
  for (let k = lastLabelStart; k < end; k++) if (!isLetter(s.charCodeAt(k))) return undefined;
  // `icon@2x.png`, `logo@3x.webp`: a scale suffix, not a host.
  if (labels === 2 && end - at - 1 - tldLen - 1 <= 2 && isDigit(s.charCodeAt(at + 1)) && (s.charCodeAt(at + 2) | 32) === 120) {
    return undefined;
  }
  // scp-style `user@host:path` is a remote, not a mailbox.
  if (end < n && s.charCodeAt(end) === 58 && end + 1 < n && s.charCodeAt(end + 1) > 32) return undefined;
  if (end < n) {
    const c = s.charCodeAt(end);
    if (c === 64 || (c < 128 && c !== 46 && c !== 45 && isLabelChar(c))) return undefined;
  }
  // A URL's userinfo (`https://user:pw@host`): `://` earlier in the same run of non-spaces.
  for (let k = start - 1, stop = Math.max(0, start - 256); k >= stop + 2; k--) {
    const c = s.charCodeAt(k);
    if (c === 32 || c === 10 || c === 9 || c === 34 || c === 60 || c === 64) break;
    if (c === 47 && s.charCodeAt(k - 1) === 47 && s.charCodeAt(k - 2) === 58) return undefined;
  }
  return { start, end };
}
