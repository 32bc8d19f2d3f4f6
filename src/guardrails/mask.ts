/**
 * Masked samples: enough of a value to recognise it in an investigation (issuer digits, last
 * four, a key's vendor prefix), never the value. Every function here returns a string that differs
 * from its input for any input of two or more characters, and hides most of it.
 */

const STAR = '*';

/** Digits only, first two and last four kept: `4111 1111 1111 1111` → `41**********1111`. */
export function maskCard(raw: string): string {
  const digits = onlyDigits(raw);
  if (digits.length < 10) return STAR.repeat(digits.length);
  return digits.slice(0, 2) + STAR.repeat(digits.length - 6) + digits.slice(-4);
}

/** `078-05-1120` → `***-**-1120`. */
export function maskSsn(raw: string): string {
  const digits = onlyDigits(raw);
  return `***-**-${digits.slice(-4)}`;
}

/** Digits masked except the last two; `+`, spaces and punctuation kept so the shape still reads. */
export function maskPhone(raw: string): string {
  let remaining = countDigits(raw);
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      out += remaining <= 2 ? raw[i] : STAR;
      remaining--;
    } else out += raw[i];
  }
  return out;
}

/** First character of the local part and the top-level domain kept: `jane.doe@example.com` → `j***@***.com`. */
export function maskEmail(raw: string): string {
  const at = raw.lastIndexOf('@');
  const dot = raw.lastIndexOf('.');
  const first = at > 0 ? raw[0] : '';
  const tld = dot > at ? raw.slice(dot) : '';
  return `${first}***@***${tld}`;
}

/** Country and check digits, then the last four: `DE89370400440532013000` → `DE89**************3000`. */
export function maskIban(raw: string): string {
  const compact = raw.replace(/\s+/g, '');
  if (compact.length < 12) return STAR.repeat(compact.length);
  return compact.slice(0, 4) + STAR.repeat(compact.length - 8) + compact.slice(-4);
}

/** Vendor prefix kept (it says what leaked), then a fixed-length mask and the last four. */
export function maskSecret(raw: string, prefixLength: number): string {
  const keep = Math.min(prefixLength, Math.max(0, raw.length - 8));
  const tail = raw.length >= 20 ? raw.slice(-4) : '';
  return `${raw.slice(0, keep)}****${tail}`;
}

/** IPv4: the network half kept (`10.20.*.*`); IPv6: the first group. */
export function maskIp(raw: string): string {
  if (raw.includes(':')) {
    const first = raw.split(':')[0] ?? '';
    return `${first}:****`;
  }
  const parts = raw.split('.');
  return `${parts[0] ?? ''}.${parts[1] ?? ''}.*.*`;
}

/** For values of unknown shape (custom rules): two characters at each end for long values, none for short ones. */
export function maskGeneric(raw: string): string {
  if (raw.length < 10) return STAR.repeat(Math.max(raw.length, 1));
  return raw.slice(0, 2) + STAR.repeat(Math.min(raw.length - 4, 24)) + raw.slice(-2);
}

/** Injection evidence: the phrase itself (it is not a secret), cut to a readable length on one line. */
export function excerpt(text: string, start: number, end: number, max = 80): string {
  let s = text.slice(start, Math.min(end, start + max)).replace(/\s+/g, ' ');
  if (end - start > max) s += '…';
  return s;
}

function onlyDigits(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}
