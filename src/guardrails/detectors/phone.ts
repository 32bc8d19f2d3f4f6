/**
 * Phone numbers: a digit run becomes a phone number only when it is written the way people write
 * numbers (E.164 with `+`, or a national grouping such as `(415) 555-2671`, `020 7946 0958`,
 * `01 23 45 67 89`) *and* libphonenumber's full metadata says the number is valid (real country
 * code, area code and subscriber-number pattern) for one of the configured regions. Unformatted
 * digit runs count only after a phone keyword ("call", "tel", "mobile"…). Shapes of dates, versions
 * and identifiers never reach the validator, and numbers introduced as an invoice, order or
 * reference number are not phones.
 */
import { isValidPhoneNumber, type CountryCode } from 'libphonenumber-js/max';
import { contextBefore } from './chars.js';
import type { NumericCandidate } from './numeric.js';

export type { CountryCode };

export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IN', 'AU'];

const PHONE_CONTEXT =
  /\b(?:phone|phones|tel|telephone|mobile|cell|cellphone|call|calls|called|calling|fax|whatsapp|sms|text me|dial|contact|reach|hotline|landline|ph|mob|tél|telefon|handy|número)\b/;
export const ID_CONTEXT =
  /(?:\b(?:invoice|inv|order|orders|ref|reference|tracking|account|acct|po|sku|serial|ticket|case|transaction|txn|confirmation|booking|receipt|batch|build|part|model|version|isbn|iban|routing|item|customer|member|policy|claim|shipment|parcel|id|no|nr|num|number|zip|postal|postcode|plz)\b[^a-z]{0,6}|#\s*)$/;

/** ID words that only say "a number follows" (a phone keyword before them wins). */
const GENERIC_ID = /^(?:(?:no|nr|num|number)\b|#)/;

const SEP_SPACE = 32;
const SEP_DASH = 45;
const SEP_DOT = 46;
const SEP_PAREN = 41;

/** Countries of the North American Numbering Plan that a config may name. */
const NANP_REGIONS: ReadonlySet<string> = new Set(['US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP', 'BS', 'BB', 'JM', 'TT', 'DO', 'BM', 'KY', 'AG', 'AI', 'DM', 'GD', 'KN', 'LC', 'MS', 'SX', 'TC', 'VC', 'VG']);

function isNanpShape(c: NumericCandidate): boolean {
  const L = c.groupLen;
  const off = c.groups === 4 && L[0] === 1 && c.digits[0] === 1 ? 1 : 0;
  return c.groups - off === 3 && L[off] === 3 && L[off + 1] === 3 && L[off + 2] === 4 && c.digits[0] !== 0;
}

/** The candidate's digit-group shape is one people use for phone numbers. */
function nationalShapeOk(c: NumericCandidate): boolean {
  const g = c.groups;
  const L = c.groupLen;
  const sep = c.sep;
  if (g === 1) return false;
  // 123-45-6789 is the SSN shape; no numbering plan prints phone numbers that way.
  if (g === 3 && L[0] === 3 && L[1] === 2 && L[2] === 4) return false;
  let allDots = true;
  let anySlash = false;
  for (let k = 1; k < g; k++) {
    if (sep[k] !== SEP_DOT) allDots = false;
    if (sep[k] === 47) anySlash = true;
  }
  if (anySlash) return false;
  // NANP: 415-555-2671, (415) 555-2671, 415.555.2671, 1-800-555-0199.
  const off = g === 4 && L[0] === 1 && c.digits[0] === 1 ? 1 : 0;
  if (g - off === 3 && L[off] === 3 && L[off + 1] === 3 && L[off + 2] === 4) return true;
  if (allDots) {
    // Dots are used by NANP (above) and for French-style pairs; anything else dotted is a version or a date.
    return g === 5 && L[0] === 2 && L[1] === 2 && L[2] === 2 && L[3] === 2 && L[4] === 2;
  }
  // Trunk-prefixed national numbers (UK, DE, FR, AU, IN…): first group starts with 0.
  if (c.digits[0] === 0 && g <= 5) {
    for (let k = 0; k < g; k++) if (L[k]! < 2) return false;
    return c.nDigits >= 10 && c.nDigits <= 12;
  }
  // Indian mobiles: 98765 43210.
  return g === 2 && L[0] === 5 && L[1] === 5;
}

/** Dates and times in any order: 2024-01-15, 15/01/2024, 01.02.24. */
function dateShape(c: NumericCandidate): boolean {
  if (c.groups !== 3) return false;
  const [a, b, d] = [c.groupLen[0]!, c.groupLen[1]!, c.groupLen[2]!];
  return (a === 4 && b <= 2 && d <= 2) || (a <= 2 && b <= 2 && (d === 4 || d === 2));
}

export interface PhoneHit {
  score: number;
  kind: 'phone';
}

/**
 * Decides whether the numeric candidate `c` (already free of identifier glue on both sides) is a
 * phone number. `text` is the scanned string, `raw` the candidate's text.
 */
export function classifyPhone(c: NumericCandidate, text: string, raw: string, regions: readonly CountryCode[]): PhoneHit | undefined {
  if (c.nDigits < 7 || c.nDigits > 15) return undefined;
  if (c.plus) {
    if (c.nDigits < 8) return undefined;
    return isValidPhoneNumber(raw) ? { score: 0.95, kind: 'phone' } : undefined;
  }
  if (dateShape(c)) return undefined;
  const before = contextBefore(text, c.start, 40);
  // What immediately precedes the number decides: "invoice no. 415…" and "call id 415…" are
  // identifiers; "phone no. 415…" is a phone because the generic word follows a phone keyword.
  const id = ID_CONTEXT.exec(before);
  let keyword: boolean;
  if (id) {
    if (!GENERIC_ID.test(id[0])) return undefined;
    keyword = PHONE_CONTEXT.test(before.slice(Math.max(0, id.index - 24), id.index));
    if (!keyword) return undefined;
  } else keyword = PHONE_CONTEXT.test(before);
  // International prefix written as 00 (0044 20 7946 0958): as good as a `+`, once the context allows a phone.
  if (c.digits[0] === 0 && c.digits[1] === 0 && c.nDigits >= 10 && c.groups > 1) {
    const intl = '+' + raw.replace(/^\D*00/, '');
    if (isValidPhoneNumber(intl)) return { score: keyword ? 0.95 : 0.9, kind: 'phone' };
  }
  const formatted = nationalShapeOk(c);
  if (!formatted && !keyword) return undefined;
  // A NANP-shaped number (415-555-2671) is checked against NANP regions only, a trunk-prefixed one
  // (020 7946 0958) against the others: a shape that is valid only in the wrong plan is not a phone.
  const nanp = isNanpShape(c);
  const score = keyword ? 0.95 : formatted ? 0.85 : 0.7;
  for (const region of regions) {
    if (formatted && NANP_REGIONS.has(region) !== nanp) continue;
    if (isValidPhoneNumber(raw, region)) return { score, kind: 'phone' };
  }
  return undefined;
}

export const PHONE_SEPARATORS = { SEP_SPACE, SEP_DASH, SEP_DOT, SEP_PAREN };
