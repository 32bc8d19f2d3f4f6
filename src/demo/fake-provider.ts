/**
 * A local HTTPS server that answers like api.openai.com's chat-completions endpoint: JSON or SSE
 * (with or without the final usage chunk), tool calls streamed in argument fragments, gzip when
 * asked. Its answers are a pure function of the request, so tests know the exact expected record.
 */
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export const FAKE = {
  promptTokens: 21,
  completionTokens: 7,
  toolCallId: 'call_weather_1',
  toolName: 'get_weather',
  toolArguments: '{"city":"Paris","unit":"celsius"}',
} as const;

export function responseModelFor(model: string): string {
  return `${model}-2024-07-18`;
}

/** The assistant's reply text for a request: names the last user message's marker and the body size. */
export function replyFor(lastUserText: string, bodyBytes: number): string {
  const marker = /\[([a-z0-9-]+)\]/.exec(lastUserText)?.[1] ?? 'none';
  return `Hello ${marker}! I read ${bodyBytes} bytes.`;
}

interface ChatRequest {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: unknown[];
  messages?: Array<{ role: string; content: unknown }>;
}

function lastUserText(req: ChatRequest): string {
  const users = (req.messages ?? []).filter((m) => m.role === 'user');
  const content = users[users.length - 1]?.content;
  return typeof content === 'string' ? content : JSON.stringify(content ?? '');
}

let counter = 0;

function answer(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
    return;
  }
  if (!req.headers.authorization?.startsWith('Bearer ')) {
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Missing API key', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    return;
  }
  let body: ChatRequest;
  try {
    body = JSON.parse(raw.toString('utf8')) as ChatRequest;
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad json', type: 'invalid_request_error' } }));
    return;
  }
  const model = body.model ?? 'unknown';
  const id = `chatcmpl-fake${++counter}`;
  const created = 1_760_000_000;
  const useTool = Array.isArray(body.tools) && body.tools.length > 0;
  const text = replyFor(lastUserText(body), raw.length);
  const usage = { prompt_tokens: FAKE.promptTokens, completion_tokens: FAKE.completionTokens, total_tokens: FAKE.promptTokens + FAKE.completionTokens };
  const finish = useTool ? 'tool_calls' : 'stop';

  if (!body.stream) {
    const message = useTool
      ? { role: 'assistant', content: null, tool_calls: [{ id: FAKE.toolCallId, type: 'function', function: { name: FAKE.toolName, arguments: FAKE.toolArguments } }] }
      : { role: 'assistant', content: text };
    const json = Buffer.from(
      JSON.stringify({ id, object: 'chat.completion', created, model: responseModelFor(model), choices: [{ index: 0, message, finish_reason: finish }], usage }),
    );
    const gzip = req.headers['x-test-gzip'] === '1' && /gzip/.test(String(req.headers['accept-encoding'] ?? ''));
    const payload = gzip ? gzipSync(json) : json;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(payload);
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finishReason: string | null = null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: responseModelFor(model), choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  const events: string[] = [chunk({ role: 'assistant', content: '' })];
  if (useTool) {
    events.push(chunk({ tool_calls: [{ index: 0, id: FAKE.toolCallId, type: 'function', function: { name: FAKE.toolName, arguments: '' } }] }));
    for (const piece of FAKE.toolArguments.match(/.{1,7}/g) ?? []) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  } else {
    for (const word of text.split(/(?<= )/)) events.push(chunk({ content: word }));
  }
  events.push(chunk({}, finish));
  if (body.stream_options?.include_usage) {
    events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: responseModelFor(model), choices: [], usage })}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  // Written one event at a time, as a real server streams, so the client reads many TLS records.
  let i = 0;
  const next = (): void => {
    if (i >= events.length) {
      res.end();
      return;
    }
    res.write(events[i++]);
    setImmediate(next);
  };
  next();
}

export interface FakeOpenAi {
  server: HttpServer;
  port: number;
  close(): Promise<void>;
}

/** Serves HTTPS with the given certificate, or plaintext HTTP (as Ollama and vLLM do) when `tls` is null. */
export async function startFakeOpenAi(tls: { cert: Buffer; key: Buffer } | null): Promise<FakeOpenAi> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => answer(req, res, Buffer.concat(parts)));
  };
  const server: HttpServer = tls ? createHttpsServer({ ...tls, keepAlive: true }, handler) : createHttpServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
