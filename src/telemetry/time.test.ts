import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoMicros } from './time.js';

test('isoMicros: microsecond precision, UTC, zero-padded', () => {
  assert.equal(isoMicros(Date.UTC(2026, 10, 28, 19, 38, 11, 123) * 1000 + 456), '2026-11-28T19:38:11.123456Z');
  assert.equal(isoMicros(Date.UTC(2026, 0, 1) * 1000 + 7), '2026-01-01T00:00:00.000007Z');
  assert.equal(isoMicros(0), '1970-01-01T00:00:00.000000Z');
});

test('isoMicros: fractional microseconds are truncated, not rounded into the next millisecond', () => {
  assert.equal(isoMicros(Date.UTC(2026, 10, 28) * 1000 + 999.5), '2026-11-28T00:00:00.000999Z');
});

test('isoMicros: before the epoch the sub-millisecond digits still count forward', () => {
  assert.equal(isoMicros(-1), '1969-12-31T23:59:59.999999Z');
});
