import type { ExportResponse, Transport } from './types.js';

/**
 * Backoff between retries of one request: 0.5 s, 1 s, 2 s, … capped at 10 s, each ±20 %. The cap
 * is low because the usual outage is a restart of our own server: delivery should resume within
 * seconds of it coming back, and one connection attempt every 10 s costs nothing.
 */
export const INITIAL_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 10_000;
export const BACKOFF_MULTIPLIER = 2;
export const JITTER_FRACTION = 0.2;
/** One request may take this long before it counts as a (retryable) network failure. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** An attempt started close to the deadline still gets this long (or requestTimeoutMs, if shorter) to answer. */
export const MIN_ATTEMPT_MS = 1000;
/** A server asking for more than this is still obeyed, but only up to this long per wait. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface RetryPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  jitter: number;
  requestTimeoutMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: INITIAL_BACKOFF_MS,
  maxBackoffMs: MAX_BACKOFF_MS,
  multiplier: BACKOFF_MULTIPLIER,
  jitter: JITTER_FRACTION,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  maxRetryAfterMs: MAX_RETRY_AFTER_MS,
};

/** Statuses that say "try again later": rate limited, or a proxy/server that is briefly unavailable. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds from `nowMs`: either delay-seconds or an
 * HTTP-date. Null when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Only the date forms: a bare number with a sign or decimals is not valid delay-seconds, and
  // Date.parse would happily read "1.5" as a year.
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** Delay before retry number `attempt` (0-based), with jitter drawn from `random()` in [0, 1). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** attempt);
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return Math.max(0, Math.round(jittered));
}

/** Delay a retryable response asks for: the server's Retry-After when given, else our backoff, never past the cap. */
export function retryDelayMs(response: ExportResponse, attempt: number, policy: RetryPolicy, random?: () => number): number {
  const retryAfter = response.kind === 'retryable' ? response.retryAfterMs : null;
  if (retryAfter !== null) return Math.min(retryAfter, policy.maxRetryAfterMs);
  return backoffDelayMs(attempt, policy, random);
}

/**
 * Resolves after `ms`, or early (without error) when `signal` aborts. A retry in progress keeps the
 * process alive; an idle wait (`unref`) does not.
 */
export function sleep(ms: number, signal?: AbortSignal, unref = false): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (unref) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryingTransport {
  /**
   * Sends `body`, retrying retryable responses with backoff until one succeeds, fails for good, or
   * the next wait would pass `deadline` (epoch ms); then returns the last response.
   */
  send(body: Uint8Array, deadline: number, signal: AbortSignal, onRetry?: (r: ExportResponse) => void): Promise<ExportResponse>;
}

export function createRetryingTransport(transport: Transport, policy: Partial<RetryPolicy> = {}): RetryingTransport {
  const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...policy };
  return {
    async send(body, deadline, signal, onRetry) {
      for (let attempt = 0; ; attempt++) {
        const remaining = deadline - Date.now();
        const response = await transport.send(body, Math.min(p.requestTimeoutMs, Math.max(remaining, MIN_ATTEMPT_MS)), signal);
        if (response.kind !== 'retryable' || signal.aborted) return response;
        const wait = retryDelayMs(response, attempt, p);
        if (Date.now() + wait >= deadline) return response;
        onRetry?.(response);
        await sleep(wait, signal);
        if (signal.aborted) return response;
      }
    },
  };
}
