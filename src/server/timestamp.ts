/**
 * Wire timestamps → integer microseconds since the epoch. Senders differ: Go's RFC3339Nano
 * writes 0–9 fractional digits and trims zeros, Python writes an offset (`+00:00`), JavaScript
 * writes milliseconds and `Z`. Date.parse accepts all that and much else (and only keeps
 * milliseconds), so this parser is strict about the shape and keeps microseconds.
 */
import { isoMicros } from '../telemetry/time.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})$/;

/** Microseconds since the epoch, or null when `text` is not an RFC 3339 date-time. Digits past µs are truncated. */
export function parseTimestampUs(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 31 February into March; a real date survives the round trip.
  if (new Date(ms).getUTCDate() !== day) return null;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const micros = Number(frac.padEnd(6, '0').slice(0, 6));
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}

/** The canonical rendering used in API answers: UTC, microseconds, `Z`. */
export function formatUs(us: number): string {
  return isoMicros(us);
}

export function nowUs(): number {
  return Date.now() * 1000;
}
