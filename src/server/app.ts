/**
 * The Osprey server as a Fastify instance, built but not listening (the CLI listens; tests use
 * `app.inject()`). One plugin per concern: storage, auth, health, the three ingest formats,
 * probes, query, retention. Every error leaves as `{ error, code }` with the status from the
 * one table in errors.ts.
 */
import guardrailsCheck from './plugins/guardrails-check.js';
import { DEFAULT_GUARDRAILS_CONFIG, type GuardrailsConfig } from '../guardrails/index.js';
import compress from '@fastify/compress';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { classify, SERVER_ERRORS } from './errors.js';
import { DEFAULT_PROBE_CONFIG, type ProbeConfig } from './probe-config.js';
import { BUILTIN_PRICES, Pricing } from './pricing.js';
import auth, { type EnvToken } from './plugins/auth.js';
import health from './plugins/health.js';
import ingestNodeloom from './plugins/ingest-nodeloom.js';
import ingestOsprey from './plugins/ingest-osprey.js';
import ingestOtlp from './plugins/ingest-otlp.js';
import probes from './plugins/probes.js';
import query from './plugins/query.js';
import retention, { type RetentionOptions } from './plugins/retention.js';
import storage from './plugins/storage.js';
import { isStoreUnavailable } from './store/unavailable.js';
import type { Store } from './store/store.js';

/** Bodies above this (after decompression) get 413. Agents batch well under it. */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** How long a sender should wait before retrying after a 503. */
const RETRY_AFTER_SECONDS = 5;

export interface ServerOptions {
  /** An open, migrated store; the server closes it when it closes. */
  store: Store;
  pricing?: Pricing;
  /** Tokens from the environment, beside those in the store. */
  envTokens?: EnvToken[];
  bodyLimitBytes?: number;
  probeConfig?: ProbeConfig;
  /** Delete data older than this; absent keeps everything. */
  retention?: RetentionOptions;
  logger?: FastifyServerOptions['logger'];
  /** Rules for POST /api/guardrails/check; default: the built-in detectors and actions. */
  guardrails?: GuardrailsConfig;
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Per-request lines would be the ingest rate in log volume; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    // An unknown query parameter (a typo like `agnet=`) is an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });

  // Request bodies: gzip/deflate (the agent gzips batches; OTLP exporters may), with the body
  // limit applied to the decompressed size. Responses are compressed when the client asks.
  void app.register(compress, { requestEncodings: ['gzip', 'deflate'], encodings: ['gzip', 'deflate'] });
  void app.register(storage, { store: opts.store, pricing: opts.pricing ?? new Pricing(BUILTIN_PRICES) });
  void app.register(auth, { envTokens: opts.envTokens ?? [] });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const code = isStoreUnavailable(err) ? 'OSP_ERR_SERVER_STORE_UNAVAILABLE' : classify(err);
    const status = SERVER_ERRORS[code];
    if (status >= 500) {
      // Method and path only: headers (Authorization) and bodies never reach the log.
      request.log.error({ method: request.method, url: request.routeOptions.url, code, err: { message: err.message, code: err.code } }, 'request failed');
    }
    if (status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    const message = status === 500 ? 'internal error (see the server log)' : status === 503 ? 'store unavailable, retry later' : err.message;
    return reply.status(status).send({ error: message, code });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'OSP_ERR_SERVER_NOT_FOUND' }),
  );

  void app.register(health);
  void app.register(ingestOsprey);
  void app.register(ingestNodeloom);
  void app.register(ingestOtlp);
  void app.register(probes, { probeConfig: opts.probeConfig ?? DEFAULT_PROBE_CONFIG });
  void app.register(query);
  void app.register(guardrailsCheck, { config: opts.guardrails ?? DEFAULT_GUARDRAILS_CONFIG });
  if (opts.retention !== undefined) void app.register(retention, opts.retention);
  return app;
}
