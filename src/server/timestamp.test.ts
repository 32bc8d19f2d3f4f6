import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatUs, parseTimestampUs } from './timestamp.js';

const BASE_US = Date.UTC(2026, 10, 28, 10, 0, 0) * 1000;

describe('parseTimestampUs', () => {
  it('reads Z and offsets, with 0 to 9 fractional digits (truncated to µs)', () => {
    const cases: [string, number][] = [
      ['2026-11-28T10:00:00Z', BASE_US],
      ['2026-11-28T10:00:00z', BASE_US],
      ['2026-11-28 10:00:00Z', BASE_US],
      ['2026-11-28T10:00:00.1Z', BASE_US + 100_000],
      ['2026-11-28T10:00:00.000001Z', BASE_US + 1],
      ['2026-11-28T10:00:00.123456789Z', BASE_US + 123_456],
      ['2026-11-28T12:30:00+02:30', BASE_US],
      ['2026-11-28T04:00:00-0600', BASE_US],
      ['2026-11-28T10:00:00.5+00:00', BASE_US + 500_000],
    ];
    for (const [text, us] of cases) assert.equal(parseTimestampUs(text), us, text);
  });

  it('refuses what is not an RFC 3339 date-time', () => {
    for (const text of ['2026-11-28', '2026-11-28T10:00:00', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-28T24:00:00Z', '2026-11-28T10:00:00.1234567890Z', '2026-11-28T10:00:00+25:00', 'Sat, 28 Nov 2026 10:00:00 GMT', '1795856400', '']) {
      assert.equal(parseTimestampUs(text), null, text);
    }
  });

  it('round-trips with formatUs', () => {
    assert.equal(formatUs(parseTimestampUs('2026-11-28T10:00:00.000042Z')!), '2026-11-28T10:00:00.000042Z');
  });
});
