/** `POST /api/v1/llm-calls`: our agent's batches of LlmCall records, `{"records": [...]}`, JSON, optionally gzip. */
import type { FastifyInstance } from 'fastify';
import { BATCH_RESULT_SCHEMA } from '../ingest/batch-result.js';
import { ingestLlmCalls } from '../ingest/osprey.js';
import { nowUs } from '../timestamp.js';

export default async function ingestOspreyPlugin(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { records: unknown[] } }>(
    '/api/v1/llm-calls',
    {
      config: { scope: 'ingest' },
      schema: {
        body: { type: 'object', required: ['records'], properties: { records: { type: 'array' } } },
        response: { 200: BATCH_RESULT_SCHEMA },
      },
    },
    (request) => ingestLlmCalls(app.store, app.pricing, request.body.records, nowUs()),
  );
}
