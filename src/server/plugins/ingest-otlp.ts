/**
 * `POST /v1/traces`: OTLP/HTTP trace export, JSON or protobuf (`application/x-protobuf`), as
 * OpenTelemetry SDKs and collectors send it. The answer is in the request's encoding, with
 * `partialSuccess` when some spans were invalid, as the OTLP specification asks.
 */
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.js';
import { ingestOtlpRequest } from '../ingest/otlp/ingest.js';
import { ExportTraceServiceResponse } from '../ingest/otlp/proto.js';
import { decodeProtobufRequest } from '../ingest/otlp/spans.js';
import { nowUs } from '../timestamp.js';

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];

export default async function ingestOtlpPlugin(app: FastifyInstance): Promise<void> {
  // Encapsulated: only this plugin's routes read protobuf bodies.
  app.addContentTypeParser(PROTOBUF_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post<{ Body: unknown }>('/v1/traces', { config: { scope: 'ingest' } }, async (request, reply) => {
    const protobuf = Buffer.isBuffer(request.body);
    let decoded: unknown;
    try {
      decoded = protobuf ? decodeProtobufRequest(request.body as Buffer) : request.body;
    } catch (e) {
      throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', `not an OTLP ExportTraceServiceRequest: ${(e as Error).message}`);
    }
    if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
      throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', 'body must be an OTLP ExportTraceServiceRequest object');
    }
    const result = await ingestOtlpRequest(app.store, app.pricing, decoded, nowUs());
    const partialSuccess = result.rejected === 0 ? undefined : { rejectedSpans: result.rejected, errorMessage: result.firstError ?? '' };
    if (!protobuf) return partialSuccess === undefined ? {} : { partialSuccess };
    const message = ExportTraceServiceResponse.fromObject(partialSuccess === undefined ? {} : { partialSuccess });
    return reply.type('application/x-protobuf').send(Buffer.from(ExportTraceServiceResponse.encode(message).finish()));
  });
}
