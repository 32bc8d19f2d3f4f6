import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, createRetryingTransport, DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.js';
import type { ExportResponse, Transport } from './types.js';

test('isRetryableStatus: 429/502/503/504 only', () => {
  for (const s of [429, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s));
  for (const s of [200, 204, 400, 401, 403, 404, 413, 500, 501, 505]) assert.equal(isRetryableStatus(s), false, String(s));
});

test('parseRetryAfter: delay-seconds, HTTP-date, and garbage', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('0', now), 0);
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter(' 120 ', now), 120_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0, 'a date in the past means now');
  for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '1e3', 'Thu, 99 Foo 2026']) assert.equal(parseRetryAfter(bad, now), null, String(bad));
});

test('backoffDelayMs: exponential, capped, jitter within ±jitter', () => {
  const p = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2, jitter: 0.2 };
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, p, () => 0.5)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelayMs(0, p, () => 0), 80);
  assert.equal(backoffDelayMs(0, p, () => 0.999999), 120);
  assert.equal(backoffDelayMs(10, p, () => 0.999999), 1200);
});

test('retryDelayMs: Retry-After wins over backoff, capped by maxRetryAfterMs', () => {
  const p = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 100, maxRetryAfterMs: 60_000 };
  const r = (retryAfterMs: number | null): ExportResponse => ({ kind: 'retryable', status: 503, retryAfterMs, error: '' });
  assert.equal(retryDelayMs(r(2500), 0, p), 2500);
  assert.equal(retryDelayMs(r(3_600_000), 0, p), 60_000);
  assert.equal(retryDelayMs(r(null), 0, p, () => 0.5), 100);
});

function scripted(responses: ExportResponse[]): Transport & { calls: number } {
  const t = {
    calls: 0,
    async send(): Promise<ExportResponse> {
      return responses[Math.min(t.calls++, responses.length - 1)]!;
    },
  };
  return t;
}

const fast = { initialBackoffMs: 1, maxBackoffMs: 2, jitter: 0 };
const retryable: ExportResponse = { kind: 'retryable', status: 503, retryAfterMs: null, error: '503' };
const ok: ExportResponse = { kind: 'success', status: 200, body: '{}' };

test('retrying transport: retries retryable responses until success', async () => {
  const t = scripted([retryable, retryable, ok]);
  const res = await createRetryingTransport(t, fast).send(new Uint8Array(), Date.now() + 5000, new AbortController().signal);
  assert.equal(res.kind, 'success');
  assert.equal(t.calls, 3);
});

test('retrying transport: a non-retryable failure returns at once', async () => {
  const t = scripted([{ kind: 'failure', status: 413, error: 'too big' }, ok]);
  const res = await createRetryingTransport(t, fast).send(new Uint8Array(), Date.now() + 5000, new AbortController().signal);
  assert.deepEqual(res, { kind: 'failure', status: 413, error: 'too big' });
  assert.equal(t.calls, 1);
});

test('retrying transport: gives up with the last response when the next wait passes the deadline', async () => {
  const t = scripted([{ ...retryable, retryAfterMs: 10_000 }]);
  const res = await createRetryingTransport(t, fast).send(new Uint8Array(), Date.now() + 1000, new AbortController().signal);
  assert.equal(res.kind, 'retryable');
  assert.equal(t.calls, 1, 'a Retry-After beyond the deadline is not waited out');
});

test('retrying transport: an abort ends the waiting', async () => {
  const t = scripted([{ ...retryable, retryAfterMs: 60_000 }]);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 20);
  const res = await createRetryingTransport(t, fast).send(new Uint8Array(), Date.now() + 120_000, ac.signal);
  assert.equal(res.kind, 'retryable');
  assert.equal(t.calls, 1);
});
