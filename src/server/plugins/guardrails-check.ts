/**
 * `POST /api/guardrails/check`: the NodeLoom SDK's guardrail check, answered by the same engine
 * the agent runs on live traffic (src/guardrails), so SDK-checked and eBPF-observed text get the
 * same verdicts.
 */
import type { FastifyInstance } from 'fastify';
import { GuardrailsCheckRequestError, parseGuardrailCheckRequest, runGuardrailsCheck, type GuardrailsConfig } from '../../guardrails/index.js';
import { ServerError } from '../errors.js';

export interface GuardrailsCheckOptions {
  config: GuardrailsConfig;
}

export default async function guardrailsCheckPlugin(app: FastifyInstance, opts: GuardrailsCheckOptions): Promise<void> {
  app.post('/api/guardrails/check', { config: { scope: 'ingest' } }, async (request) => {
    let checkRequest;
    try {
      checkRequest = parseGuardrailCheckRequest(request.body);
    } catch (e) {
      if (e instanceof GuardrailsCheckRequestError) throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', e.message);
      throw e;
    }
    return runGuardrailsCheck(checkRequest, opts.config);
  });
}
