/**
 * The provider-like origin behind Caddy: plaintext HTTP on loopback, so the only TLS in the
 * benchmark is Caddy's (Go crypto/tls, which Osprey does not probe) and the load generator's
 * (OpenSSL, probed). Answers POST /v1/chat/completions with an OpenAI-shaped SSE stream of
 * `events` chunks written one at a time (as a real provider streams tokens), or a JSON body when
 * the request does not ask to stream. Run as a child process: `node backend.js PORT EVENTS`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const port = Number(process.argv[2] ?? 18081);
const eventCount = Number(process.argv[3] ?? 200);

const WORDS = 'the quick brown fox jumps over a lazy dog while streaming tokens from a model that thinks out loud about benchmarks and kernels'.split(' ');
const created = 1_760_000_000;

function chunk(id: string, delta: object, finish: string | null): string {
  return `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
}

/** The whole stream, precomputed per response id: only the id changes between responses. */
function sseEvents(id: string): string[] {
  const out = [chunk(id, { role: 'assistant', content: '' }, null)];
  for (let i = 0; out.length < eventCount - 3; i++) out.push(chunk(id, { content: `${WORDS[i % WORDS.length]} ` }, null));
  out.push(chunk(id, {}, 'stop'));
  out.push(`data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":${eventCount - 3},"total_tokens":${1200 + eventCount - 3}}}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}

let counter = 0;

function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const id = `chatcmpl-bench${++counter}`;
  // A cheap look instead of JSON.parse: the origin's CPU is not what is measured.
  const stream = body.includes('"stream":true');
  if (!stream) {
    const json = `{"id":"${id}","object":"chat.completion","created":${created},"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"ok, read ${body.length} bytes"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const events = sseEvents(id);
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i >= events.length) {
      res.end();
      return;
    }
    res.write(events[i++]);
    setImmediate(next);
  };
  next();
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', () => answer(req, res, Buffer.concat(parts)));
});
server.keepAliveTimeout = 600_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
