/**
 * Builds the agent's sink from its destination flags: `--jsonl`, `--server` + `--token`,
 * `--otlp`, any combination, at least one. Each remote sink gets its own spool under
 * `--spool-dir` (`server/`, `otlp/`), since one destination may be down while the other is up.
 */
import { join } from 'node:path';
import { diagnostics } from '../telemetry/log.js';
import { UserFacingError } from '../util/errors.js';
import { createFanoutSink, type NamedSink } from './fanout.js';
import { DEFAULT_SPOOL_DIR, resolveHttpSinkConfig, SinkConfigError } from './http/config.js';
import { parseOtlpHeadersEnv, resolveOtlpSinkConfig } from './otlp/config.js';
import { healthcheck } from './http/healthcheck.js';
import { createHttpSink } from './http/sink.js';
import { createJsonlSink } from './jsonl/sink.js';
import { createOtlpSink } from './otlp/sink.js';
import type { Sink } from './types.js';

export interface DestinationFlags {
  jsonl?: string;
  server?: string;
  token?: string;
  otlp?: string;
  /** Extra OTLP request headers (from OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, by default). */
  otlpHeaders?: Record<string, string>;
  spoolDir?: string;
  /** service.version on OTLP spans. */
  version?: string;
}

export const NO_DESTINATION = 'osprey agent needs a destination: --jsonl FILE, --server URL --token TOKEN, or --otlp URL (any combination)';

/** Checks the combination of flags without opening anything (so a bad flag is reported before the root check). */
export function checkDestinationFlags(flags: DestinationFlags): void {
  if (!flags.jsonl && !flags.server && !flags.otlp) throw new UserFacingError(NO_DESTINATION, 'OSP_ERR_SINK_CONFIG');
  if (flags.server && !flags.token) throw new UserFacingError('--server needs --token TOKEN (or the OSPREY_TOKEN environment variable)', 'OSP_ERR_SINK_CONFIG');
  if (flags.server) asFlag({ server: '--server', token: '--token' }, () => resolveHttpSinkConfig({ server: flags.server!, token: flags.token!, spoolDir: 'x' }));
  if (flags.otlp) asFlag({ url: '--otlp' }, () => resolveOtlpSinkConfig({ url: flags.otlp!, spoolDir: 'x', headers: flags.otlpHeaders ?? otlpHeadersFromEnv(process.env) }));
}

/** OTEL_EXPORTER_OTLP_TRACES_HEADERS wins over OTEL_EXPORTER_OTLP_HEADERS, as in the OpenTelemetry SDKs. */
export function otlpHeadersFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_HEADERS;
  if (traces !== undefined) return parseOtlpHeadersEnv(traces, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS');
  return parseOtlpHeadersEnv(env.OTEL_EXPORTER_OTLP_HEADERS);
}

/** Re-words a SinkConfigError about a config field as one about the command-line flag it came from. */
function asFlag<R>(flagOf: Record<string, string>, fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SinkConfigError && flagOf[err.field]) {
      throw new UserFacingError(`${flagOf[err.field]}${err.message.slice(err.field.length)}`, err.code);
    }
    throw err;
  }
}

/** Checks the flags and builds the sinks. Throws a one-line UserFacingError for a bad combination. */
export function createAgentSink(flags: DestinationFlags): Sink {
  checkDestinationFlags(flags);
  const spoolRoot = flags.spoolDir ?? DEFAULT_SPOOL_DIR;
  const sinks: NamedSink[] = [];
  try {
    if (flags.jsonl) sinks.push({ name: 'jsonl', sink: createJsonlSink(flags.jsonl) });
    if (flags.server) {
      const sink = createHttpSink({ server: flags.server, token: flags.token!, spoolDir: join(spoolRoot, 'server') });
      sinks.push({ name: 'server', sink });
      const base = new URL(flags.server);
      // Kept apart from delivery: only tells the user early; the spool covers an absent server.
      void healthcheck(base).then((h) => {
        if (h.ok) diagnostics.info(`server ${base.origin} is up; delivering LLM calls to it`);
        else diagnostics.warn(`server health check failed (${h.error}); LLM calls are spooled in ${join(spoolRoot, 'server')} until it answers`);
      });
    }
    if (flags.otlp) {
      const headers = flags.otlpHeaders ?? otlpHeadersFromEnv(process.env);
      sinks.push({ name: 'otlp', sink: createOtlpSink({ url: flags.otlp, headers, spoolDir: join(spoolRoot, 'otlp'), serviceVersion: flags.version }) });
    }
  } catch (err) {
    // Release what was already opened (spool locks) before reporting the bad flag.
    for (const s of sinks) void s.sink.close().catch(() => undefined);
    throw err;
  }
  return createFanoutSink(sinks);
}
