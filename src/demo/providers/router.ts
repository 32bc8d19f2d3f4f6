/**
 * One local server that answers like every provider the agent knows, chosen by the Host header
 * (or HTTP/2 :authority) the client sent, so unmodified clients pointed at "api.anthropic.com" or
 * "myres.openai.azure.com" (resolved to 127.0.0.1 by a private /etc/hosts) get their provider's
 * documented wire format. Any other host name is treated as a local model server speaking Ollama's
 * API, as on plaintext :11434. Answers are pure functions of the request (see common.ts).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { handleAnthropic } from './anthropic.js';
import { handleAzure } from './azure.js';
import { handleCohere } from './cohere.js';
import { jsonReply, type FakeReply, type FakeRequest, type ProviderHandler } from './common.js';
import { handleGemini } from './gemini.js';
import { handleOllama } from './ollama.js';
import { handleOpenAiCompatible } from './openai-compatible.js';

export interface ProviderRoute {
  /** Exact host names, or `*.suffix` for any name below a suffix. */
  hosts: readonly string[];
  handle: ProviderHandler;
}

/** Host names the fake answers for, in routing order; anything else is answered as Ollama. */
export const PROVIDER_ROUTES: readonly ProviderRoute[] = [
  { hosts: ['api.openai.com'], handle: (r) => handleOpenAiCompatible(r, 'openai', '/v1') },
  { hosts: ['*.openai.azure.com', '*.cognitiveservices.azure.com', '*.services.ai.azure.com'], handle: handleAzure },
  { hosts: ['api.anthropic.com'], handle: handleAnthropic },
  { hosts: ['generativelanguage.googleapis.com'], handle: handleGemini },
  { hosts: ['api.cohere.com', 'api.cohere.ai'], handle: handleCohere },
  { hosts: ['api.groq.com'], handle: (r) => handleOpenAiCompatible(r, 'groq', '/openai/v1') },
  { hosts: ['api.mistral.ai'], handle: (r) => handleOpenAiCompatible(r, 'mistral', '/v1') },
  { hosts: ['api.together.xyz', 'api.together.ai'], handle: (r) => handleOpenAiCompatible(r, 'together', '/v1') },
];

/** The Azure OpenAI resource host the demo and the tests use. */
export const AZURE_DEMO_HOST = 'myres.openai.azure.com';

/** Concrete names for a certificate and an /etc/hosts file: one per route (wildcards as the Azure demo host). */
export const FAKE_PROVIDER_HOSTS: readonly string[] = [
  ...new Set(PROVIDER_ROUTES.flatMap((r) => r.hosts.map((h) => (h === '*.openai.azure.com' ? AZURE_DEMO_HOST : h)).filter((h) => !h.startsWith('*.')))),
];

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

/** The provider's answer to a request, or a 404 in the shape most clients can read. */
export function routeFakeRequest(req: FakeRequest): FakeReply {
  const route = PROVIDER_ROUTES.find((r) => r.hosts.some((h) => hostMatches(h, req.host)));
  const reply = (route ? route.handle : handleOllama)(req);
  return reply ?? jsonReply(404, { error: { message: `no such endpoint: ${req.method} ${req.path}`, type: 'invalid_request_error', code: 'not_found' } });
}

/** The host name a request was sent to: Host, or :authority over HTTP/2; lower-cased, without the port. */
function hostOf(headers: IncomingMessage['headers']): string {
  const authority = String(headers[':authority'] ?? headers.host ?? '').toLowerCase();
  return authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d+$/, '');
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Over HTTP/2, the stream itself: END_STREAM rides on the last DATA frame, as provider front ends
 * send it. (The compatibility API's `end(body)` sends an empty DATA frame after the body instead,
 * which a client that stops reading at content-length never reads.)
 */
function writeHttp2Reply(stream: ServerHttp2Stream, reply: FakeReply): void {
  const chunks = reply.chunks.map((c) => Buffer.from(c, 'utf8'));
  const length = reply.streamed ? {} : { 'content-length': chunks.reduce((n, c) => n + c.length, 0) };
  stream.respond({ ':status': reply.status, 'content-type': reply.contentType, ...(reply.streamed ? { 'cache-control': 'no-cache' } : {}), ...length });
  let i = 0;
  const next = (): void => {
    if (stream.destroyed) return;
    if (i >= chunks.length - 1) {
      stream.end(chunks[i]);
      return;
    }
    stream.write(chunks[i++]);
    setImmediate(next);
  };
  next();
}

/** Writes a reply: whole with a content-length, or (streams) one chunk per write, as a real server produces them. */
function writeReply(res: AnyResponse, reply: FakeReply): void {
  if ('stream' in res) {
    writeHttp2Reply(res.stream, reply);
    return;
  }
  if (!reply.streamed) {
    const body = Buffer.from(reply.chunks.join(''), 'utf8');
    res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-cache' });
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i >= reply.chunks.length) {
      res.end();
      return;
    }
    res.write(reply.chunks[i++]);
    setImmediate(next);
  };
  next();
}

function handler(req: AnyRequest, res: AnyResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => {
    const raw = Buffer.concat(parts);
    const url = new URL(req.url ?? '/', 'http://fake');
    const fake: FakeRequest = { method: req.method ?? 'GET', host: hostOf(req.headers), path: url.pathname, query: url.searchParams, headers: req.headers, raw, json: parseJson(raw) };
    writeReply(res, routeFakeRequest(fake));
  });
}

export interface FakeProviders {
  server: NetServer;
  port: number;
  close(): Promise<void>;
}

export interface FakeProvidersOptions {
  /** Certificate and key for HTTPS; null serves plaintext HTTP (as Ollama and vLLM do). */
  tls: { cert: Buffer; key: Buffer } | null;
  /** With TLS: offer HTTP/2 by ALPN (HTTP/1.1 stays available). */
  http2?: boolean;
  /** Listen port; 0 (default) picks a free one. */
  port?: number;
}

/** Starts the multi-provider fake on 127.0.0.1. */
export async function startFakeProviders(options: FakeProvidersOptions): Promise<FakeProviders> {
  const { tls } = options;
  const server: NetServer = tls
    ? options.http2
      ? createSecureServer({ ...tls, allowHTTP1: true }, handler)
      : createHttpsServer({ ...tls, keepAlive: true }, handler)
    : createHttpServer({ keepAlive: true }, handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
