/**
 * Opens N TLS connections to the local server (SNI api.openai.com), makes one small chat
 * completion on each (JSON, not streamed), reads the whole answer and then keeps every connection
 * open and idle. Node's own OpenSSL is captured by the agent (it links OpenSSL statically).
 * Prints `progress K` as connections complete and `all-open K` when done; closes everything on
 * SIGTERM and exits after `closed`.
 *
 * Usage: node idle-conns.js PORT N CONCURRENCY CAFILE
 */
import { readFileSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';

const [portArg, nArg, concArg, cafile] = process.argv.slice(2);
const port = Number(portArg);
const total = Number(nArg);
const concurrency = Number(concArg);
const ca = readFileSync(cafile as string);
const sockets: TLSSocket[] = [];
let failed = 0;

function request(i: number): Buffer {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `ping [idle-${i}]` }], max_tokens: 8 });
  return Buffer.from(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nAuthorization: Bearer sk-bench-0000000000000000000000000000\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** One connection, one exchange; resolves when the answer is complete (Content-Length) and leaves the socket open. */
function open(i: number): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'api.openai.com', ca });
    let got = Buffer.alloc(0);
    const fail = (): void => {
      failed++;
      s.destroy();
      resolve();
    };
    s.setTimeout(30_000, fail);
    s.once('error', fail);
    s.once('secureConnect', () => s.write(request(i)));
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const headEnd = got.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(got.subarray(0, headEnd).toString('latin1'))?.[1] ?? 0);
      if (got.length >= headEnd + 4 + len) {
        s.setTimeout(0);
        s.removeAllListeners('data');
        s.removeListener('error', fail);
        s.on('error', () => undefined);
        sockets.push(s);
        resolve();
      }
    });
  });
}

let next = 0;
let done = 0;
async function worker(): Promise<void> {
  while (next < total) {
    const i = next++;
    await open(i);
    done++;
    if (done % 1000 === 0) process.stdout.write(`progress ${done}\n`);
  }
}

await Promise.all(Array.from({ length: concurrency }, () => worker()));
process.stdout.write(`all-open ${sockets.length} failed ${failed}\n`);
process.on('SIGTERM', () => {
  for (const s of sockets) s.end();
  setTimeout(() => {
    process.stdout.write('closed\n');
    process.exit(0);
  }, 1000);
});
setInterval(() => undefined, 1 << 30);
