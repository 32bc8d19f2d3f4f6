/**
 * IBAN (ISO 13616): a country code with its registered length, two check digits, and a mod-97
 * checksum over the rearranged string. The length table follows the SWIFT IBAN registry; a
 * country not in it is not an IBAN.
 */
import { isAlnum, isDigit, isUpper } from './chars.js';

export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** mod-97 of the IBAN with its first four characters moved to the end, letters as 10..35. */
export function ibanChecksumValid(compact: string): boolean {
  const n = compact.length;
  let rem = 0;
  for (let k = 0; k < n; k++) {
    const c = compact.charCodeAt((k + 4) % n);
    if (isDigit(c)) rem = (rem * 10 + (c - 48)) % 97;
    else if (isUpper(c)) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/**
 * An IBAN starting at `i` (country code, two digits), printed compact or in groups separated by
 * single spaces, upper case or all lower case. Returns the end offset and the compact upper-case
 * form, or undefined.
 */
export function matchIban(s: string, i: number): { end: number; compact: string } | undefined {
  const lower = isLower(s.charCodeAt(i));
  const country = lower ? s.slice(i, i + 2).toUpperCase() : s.slice(i, i + 2);
  if (lower !== isLower(s.charCodeAt(i + 1))) return undefined;
  const want = IBAN_LENGTHS[country];
  if (want === undefined || !isDigit(s.charCodeAt(i + 2)) || !isDigit(s.charCodeAt(i + 3))) return undefined;
  let compact = '';
  let j = i;
  const n = s.length;
  while (j < n && compact.length < want) {
    const c = s.charCodeAt(j);
    if (isDigit(c) || (lower ? isLower(c) : isUpper(c))) {
      compact += s[j];
      j++;
    } else if (c === 32 && compact.length >= 4 && j + 1 < n && isAlnum(s.charCodeAt(j + 1)) && s.charCodeAt(j - 1) !== 32) {
      j++;
    } else break;
  }
  if (compact.length !== want) return undefined;
  if (j < n && isAlnum(s.charCodeAt(j))) return undefined;
  if (lower) compact = compact.toUpperCase();
  if (!ibanChecksumValid(compact)) return undefined;
  return { end: j, compact };
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
