/**
 * Payment card numbers: a digit string is a card only when its issuer prefix and length agree
 * (ISO/IEC 7812 IIN ranges as published by the networks) and its Luhn check digit is right.
 * Together these leave about one random 16-digit number in a hundred or more, and none of the
 * usual look-alikes (order numbers, timestamps, UUID fragments) that do not start with an IIN.
 */

export type CardIssuer = 'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay';

/** Digits `d[0..n)` pass the Luhn (mod 10) check. */
export function luhnValid(d: ArrayLike<number>, n: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = n - 1; i >= 0; i--) {
    let v = d[i]!;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

function prefix(d: ArrayLike<number>, k: number): number {
  let v = 0;
  for (let i = 0; i < k; i++) v = v * 10 + d[i]!;
  return v;
}

/**
 * The network whose IIN range and length fit `d[0..n)`, or undefined. More specific ranges come
 * first (Discover's co-branded 622126–622925 lies inside UnionPay's 62).
 */
export function cardIssuer(d: ArrayLike<number>, n: number): CardIssuer | undefined {
  if (n < 13 || n > 19) return undefined;
  const p1 = d[0]!;
  const p2 = prefix(d, 2);
  const p3 = prefix(d, 3);
  const p4 = prefix(d, 4);
  const p6 = prefix(d, 6);
  if (p1 === 4) return n === 13 || n === 16 || n === 19 ? 'visa' : undefined;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16 ? 'mastercard' : undefined;
  if (p2 === 34 || p2 === 37) return n === 15 ? 'amex' : undefined;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16 ? 'discover' : undefined;
  }
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 ? 'jcb' : undefined;
  if ((p3 >= 300 && p3 <= 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) {
    return n >= 14 ? 'diners' : undefined;
  }
  if (p2 === 62 || (p4 >= 8100 && p4 <= 8171)) return n >= 16 ? 'unionpay' : undefined;
  return undefined;
}

/**
 * Printed groupings: unseparated, or one separator (space or dash) throughout with a first group
 * of four and groups of three to six (4-4-4-4, 4-6-5 Amex, 4-6-4 Diners, 4-4-4-4-3).
 */
export function cardGroupingOk(groupLens: ArrayLike<number>, groups: number, seps: ArrayLike<number>): boolean {
  if (groups === 1) return true;
  if (groups > 5 || groupLens[0] !== 4) return false;
  const sep = seps[1];
  if (sep !== 32 && sep !== 45) return false;
  for (let g = 1; g < groups; g++) {
    if (seps[g] !== sep) return false;
    const len = groupLens[g]!;
    if (len < 3 || len > 6) return false;
  }
  return true;
}
