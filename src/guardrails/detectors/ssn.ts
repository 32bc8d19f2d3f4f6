/**
 * US Social Security numbers. Since 2011 numbers are assigned at random, so only the rules the SSA
 * never breaks can be checked: area 000, 666 and 900–999, group 00 and serial 0000 are never
 * issued; a few numbers were printed in advertising or are universal placeholders and are never
 * anyone's.
 */

/** 078-05-1120 (Woolworth wallet insert), 219-09-9999 (SSA pamphlet), 123-45-6789 (placeholder). */
const NEVER_ISSUED: ReadonlySet<string> = new Set(['078051120', '219099999', '123456789']);

/** Digits `d[off..off+9)` form an SSN that could have been issued. */
export function ssnValid(d: ArrayLike<number>, off = 0): boolean {
  const area = d[off]! * 100 + d[off + 1]! * 10 + d[off + 2]!;
  const group = d[off + 3]! * 10 + d[off + 4]!;
  const serial = d[off + 5]! * 1000 + d[off + 6]! * 100 + d[off + 7]! * 10 + d[off + 8]!;
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  let key = '';
  for (let i = 0; i < 9; i++) key += d[off + i]!;
  return !NEVER_ISSUED.has(key);
}

/** Words that say a nearby nine-digit number is an SSN even when written without dashes. */
export const SSN_CONTEXT = /\b(?:ssns?|social security|social-security|soc\.? sec|taxpayer id|itin|sozialversicherung)\b|\bss#/;
