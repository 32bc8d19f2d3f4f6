/**
 * What the session knows of one stream while it is open: the request and response heads read
 * from decoded header blocks, the bodies collected so far, and why the exchange may be inexact.
 */
import type { Direction, HeaderList } from '../types.js';
import type { H2Exchange } from './types.js';

type Fields = ReadonlyArray<readonly [string, string]>;

/** A body collected from DATA frames, copied out of the frame buffer and cut at a cap. */
class BodyCollector {
  private chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  /** Copies `data` in; returns true when this call first cut the body at the cap. */
  add(data: Buffer): boolean {
    const room = this.maxBytes - this.bytes;
    if (data.length <= room) {
      if (data.length > 0) this.chunks.push(Buffer.from(data));
      this.bytes += data.length;
      return false;
    }
    if (room > 0) this.chunks.push(Buffer.from(data.subarray(0, room)));
    this.bytes = this.maxBytes;
    const first = !this.truncated;
    this.truncated = true;
    return first;
  }

  get length(): number {
    return this.bytes;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.bytes);
  }
}

export interface RequestHead {
  method: string;
  target: string;
  authority: string | null;
  headers: HeaderList;
  /** Pseudo-headers that could not be read (not sent, or behind unknown table entries). */
  missing: string[];
}

export function requestHead(fields: Fields): RequestHead {
  const { pseudo, headers } = splitPseudo(fields);
  const method = pseudo.get(':method');
  const authority = pseudo.get(':authority') ?? headers.find(([n]) => n === 'host')?.[1] ?? null;
  // CONNECT has no :path: its target is the authority, as in HTTP/1's authority-form.
  const target = pseudo.get(':path') ?? (method === 'CONNECT' ? authority ?? undefined : undefined);
  const missing: string[] = [];
  if (method === undefined) missing.push(':method');
  if (target === undefined) missing.push(':path');
  return { method: method ?? '', target: target ?? '', authority, headers, missing };
}

export interface ResponseHead {
  /** 0 when :status is missing or not three digits. */
  status: number;
  headers: HeaderList;
}

export function responseHead(fields: Fields): ResponseHead {
  const { pseudo, headers } = splitPseudo(fields);
  const status = pseudo.get(':status');
  return { status: status !== undefined && /^[1-9][0-9]{2}$/.test(status) ? Number(status) : 0, headers };
}

/** Regular fields only: pseudo-headers never appear among trailers, and are dropped if they do. */
export function regularFields(fields: Fields): HeaderList {
  return splitPseudo(fields).headers;
}

/** Whether a block carries any pseudo-header, i.e. is a head rather than a trailer section. */
export function hasPseudoHeader(fields: Fields): boolean {
  return fields.some(([name]) => name.startsWith(':'));
}

function splitPseudo(fields: Fields): { pseudo: Map<string, string>; headers: HeaderList } {
  const pseudo = new Map<string, string>();
  const headers: Array<readonly [string, string]> = [];
  for (const field of fields) {
    if (field[0].startsWith(':')) {
      if (!pseudo.has(field[0])) pseudo.set(field[0], field[1]);
    } else {
      headers.push(field);
    }
  }
  return { pseudo, headers };
}

interface Half {
  readonly body: BodyCollector;
  ended: boolean;
  endUs: number;
}

export class Http2Stream {
  readonly notes: string[] = [];
  readonly request: Half & { head: RequestHead; startUs: number };
  readonly response: Half & { head: ResponseHead | undefined; trailers: HeaderList; firstByteUs: number };

  constructor(
    readonly id: number,
    head: RequestHead,
    startUs: number,
    maxBodyBytes: number,
  ) {
    this.request = { head, body: new BodyCollector(maxBodyBytes), ended: false, startUs, endUs: startUs };
    this.response = { head: undefined, trailers: [], body: new BodyCollector(maxBodyBytes), ended: false, firstByteUs: 0, endUs: 0 };
  }

  half(dir: Direction): Half {
    return dir === 'request' ? this.request : this.response;
  }

  get complete(): boolean {
    return this.request.ended && this.response.ended;
  }

  /**
   * The response body has all the bytes its Content-Length promised. Servers often send END_STREAM
   * in an empty DATA frame after the body, which a client that stops reading once it has
   * Content-Length bytes never reads, so the capture never sees it either; at connection end such
   * a response is complete, not cut short.
   */
  get responseBodyComplete(): boolean {
    const declared = this.response.head?.headers.find(([n]) => n === 'content-length')?.[1];
    return declared !== undefined && /^\d+$/.test(declared) && this.response.body.length >= Number(declared);
  }

  /** Call only once response headers are known. */
  toExchange(): H2Exchange {
    const { request, response } = this;
    const { head } = request;
    return {
      streamId: this.id,
      request: {
        method: head.method,
        target: head.target,
        authority: head.authority,
        headers: head.headers,
        body: request.body.toBuffer(),
        startUs: request.startUs,
        endUs: request.endUs,
      },
      response: {
        status: response.head?.status ?? 0,
        headers: response.head?.headers ?? [],
        trailers: response.trailers,
        body: response.body.toBuffer(),
        firstByteUs: response.firstByteUs,
        endUs: response.endUs,
      },
      notes: this.notes,
    };
  }
}
