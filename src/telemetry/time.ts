/**
 * Record timestamps: ISO-8601 UTC with microseconds, e.g. `2026-11-28T19:38:11.123456Z`.
 * Date only carries milliseconds, so the last three digits are appended from the epoch value.
 * Throws RangeError for a non-finite input, as Date does.
 */
export function isoMicros(epochUs: number): string {
  const us = Math.floor(epochUs);
  const ms = Math.floor(us / 1000);
  const subMs = us - ms * 1000;
  // toISOString ends in `.mmmZ`; drop the Z, append the microsecond digits, put the Z back.
  return `${new Date(ms).toISOString().slice(0, -1)}${String(subMs).padStart(3, '0')}Z`;
}
