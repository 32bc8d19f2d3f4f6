/**
 * Every error the server answers with, in one table: a stable code, the HTTP status and what the
 * sender should do. Handlers throw `ServerError(code, detail)`; the error handler turns it (and
 * Fastify's own errors) into `{ error, code }` with the status from here.
 */
import { OspreyError } from '../util/errors.js';

export const SERVER_ERRORS = {
  /** Body is not JSON / protobuf of the expected shape, or a query parameter is invalid. Do not retry. */
  OSP_ERR_SERVER_BAD_REQUEST: 400,
  /** No bearer token, or one the server does not know. */
  OSP_ERR_SERVER_UNAUTHORIZED: 401,
  /** A valid token whose scope does not cover this endpoint (ingest vs read). */
  OSP_ERR_SERVER_FORBIDDEN: 403,
  OSP_ERR_SERVER_NOT_FOUND: 404,
  /** Body larger than the limit, after decompression. Split the batch. */
  OSP_ERR_SERVER_BODY_TOO_LARGE: 413,
  /** Content-Type or Content-Encoding the endpoint does not read. */
  OSP_ERR_SERVER_UNSUPPORTED_MEDIA: 415,
  /** A bug: the store rejected what validation let through. */
  OSP_ERR_SERVER_INTERNAL: 500,
  /** The database is down or busy. Transient: keep the data, retry later. */
  OSP_ERR_SERVER_STORE_UNAVAILABLE: 503,
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

export class ServerError extends OspreyError {
  readonly statusCode: number;
  constructor(
    override readonly code: ServerErrorCode,
    message: string,
  ) {
    super(code, message);
    this.statusCode = SERVER_ERRORS[code];
  }
}

/** Fastify's and its plugins' error codes, mapped onto ours so every answer has one shape. */
const FASTIFY_CODES: Record<string, ServerErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'OSP_ERR_SERVER_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'OSP_ERR_SERVER_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'OSP_ERR_SERVER_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'OSP_ERR_SERVER_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'OSP_ERR_SERVER_BAD_REQUEST',
  FST_ERR_VALIDATION: 'OSP_ERR_SERVER_BAD_REQUEST',
  FST_CP_ERR_INVALID_CONTENT_ENCODING: 'OSP_ERR_SERVER_UNSUPPORTED_MEDIA',
  FST_CP_ERR_INVALID_CONTENT: 'OSP_ERR_SERVER_BAD_REQUEST',
};

/** The code for any error a request ended with; unknown 4xx keep their status family. */
export function classify(err: { code?: unknown; statusCode?: unknown }): ServerErrorCode {
  if (err instanceof ServerError) return err.code;
  if (typeof err.code === 'string' && err.code in FASTIFY_CODES) return FASTIFY_CODES[err.code]!;
  if (err.statusCode === 413) return 'OSP_ERR_SERVER_BODY_TOO_LARGE';
  if (err.statusCode === 415) return 'OSP_ERR_SERVER_UNSUPPORTED_MEDIA';
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return 'OSP_ERR_SERVER_BAD_REQUEST';
  return 'OSP_ERR_SERVER_INTERNAL';
}
