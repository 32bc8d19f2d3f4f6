/**
 * `POST /api/sdk/v1/telemetry`: the NodeLoom SDKs' (and NodeLoom eBPF agent's) batches, taken
 * unchanged. A well-formed batch always gets 200 with per-event errors; only a body that is not
 * a batch at all gets 400.
 */
import type { FastifyInstance } from 'fastify';
import { BATCH_RESULT_SCHEMA } from '../ingest/batch-result.js';
import { ingestNodeloomBatch } from '../ingest/nodeloom/ingest.js';
import { nowUs } from '../timestamp.js';

interface TelemetryBatch {
  events: unknown[];
  sdk_version?: string;
  sdk_language?: string;
}

export default async function ingestNodeloomPlugin(app: FastifyInstance): Promise<void> {
  app.post<{ Body: TelemetryBatch }>(
    '/api/sdk/v1/telemetry',
    {
      config: { scope: 'ingest' },
      schema: {
        body: {
          type: 'object',
          required: ['events'],
          properties: { events: { type: 'array' }, sdk_version: { type: 'string' }, sdk_language: { type: 'string' } },
        },
        response: { 200: BATCH_RESULT_SCHEMA },
      },
    },
    (request) =>
      ingestNodeloomBatch(app.store, app.pricing, request.body.events, {
        sdkVersion: request.body.sdk_version ?? null,
        sdkLanguage: request.body.sdk_language ?? null,
        nowUs: nowUs(),
      }),
  );
}
