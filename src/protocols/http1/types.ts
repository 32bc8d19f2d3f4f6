import type { HeaderList } from '../types.js';

/** Bounds enforced where the bytes arrive, so one connection cannot make the agent buffer without limit. */
export interface Http1Limits {
  /** Largest start line + headers block, in bytes. */
  maxHeaderBytes: number;
  /** Largest body (after de-chunking, before content decoding), in bytes. */
  maxBodyBytes: number;
}

export const DEFAULT_HTTP1_LIMITS: Http1Limits = {
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024 * 1024,
};

export interface Http1Request {
  kind: 'request';
  method: string;
  /** Request target as sent (origin form `/v1/chat?x=1`, or absolute form for proxies). */
  target: string;
  version: '1.0' | '1.1';
  headers: HeaderList;
  /** Body after transfer decoding (chunked removed); content-encoding is still applied. */
  body: Buffer;
}

export interface Http1Response {
  kind: 'response';
  status: number;
  reason: string;
  version: '1.0' | '1.1';
  headers: HeaderList;
  /** Body after transfer decoding (chunked removed); content-encoding is still applied. */
  body: Buffer;
}

export type Http1Message = Http1Request | Http1Response;

/**
 * Per-connection, per-direction parse state. It survives between calls so that a large message
 * arriving in many pieces is scanned once, not re-parsed from the start on every piece.
 */
export interface Http1ParseState {
  /** Methods of requests whose responses have not been parsed yet (HEAD responses carry no body). */
  pendingRequestMethods: string[];
  /** Internal progress of the message being parsed; opaque to callers. */
  progress: unknown;
}

export interface Http1ParseOptions {
  limits: Http1Limits;
  /** The stream has ended (connection closed): a response delimited by close is complete now. */
  eof: boolean;
}
