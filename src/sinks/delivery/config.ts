/**
 * Settings every remote sink shares (spool, batching, retry and timing knobs) and their checks.
 * A bad value fails with a SinkConfigError that names the field, so `osprey agent` prints one clear line.
 */
import { UserFacingError } from '../../util/errors.js';
import type { RetryPolicy } from './retry.js';
import type { BatchOptions } from './sink.js';

export class SinkConfigError extends UserFacingError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`, 'OSP_ERR_SINK_CONFIG');
  }
}

/** Everything a remote sink shares (HTTP and OTLP): spool, batching, retry and timing knobs. */
export interface RemoteSinkCommon {
  /** Directory of this sink's spool (each sink needs its own). */
  spoolDir: string;
  /** Spool cap in bytes (?? 1 GiB). */
  spoolMaxBytes?: number;
  spoolSegmentBytes?: number;
  batch?: BatchOptions;
  retry?: Partial<RetryPolicy>;
  /** Gzip request bodies (?? true). */
  gzip?: boolean;
  exportDeadlineMs?: number;
  holdMs?: number;
  pausedRetryMs?: number;
  flushTimeoutMs?: number;
  shutdownTimeoutMs?: number;
}

/** Parses an http(s) base URL; `field` names the setting in the error. */
export function parseBaseUrl(field: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SinkConfigError(field, `expected an http:// or https:// URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SinkConfigError(field, `expected an http:// or https:// URL, got ${JSON.stringify(value)}`);
  }
  if (url.username || url.password) throw new SinkConfigError(field, 'put credentials in the token, not in the URL');
  return url;
}

export function checkPositive(field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0) throw new SinkConfigError(field, `expected a positive number, got ${value}`);
}

export function checkCommon(c: RemoteSinkCommon): void {
  if (typeof c.spoolDir !== 'string' || c.spoolDir === '') throw new SinkConfigError('spoolDir', 'a spool directory is required');
  checkPositive('spoolMaxBytes', c.spoolMaxBytes);
  checkPositive('spoolSegmentBytes', c.spoolSegmentBytes);
  for (const [k, v] of Object.entries(c.batch ?? {})) checkPositive(`batch.${k}`, v as number | undefined);
  for (const k of ['exportDeadlineMs', 'holdMs', 'pausedRetryMs', 'flushTimeoutMs', 'shutdownTimeoutMs'] as const) checkPositive(k, c[k]);
}

