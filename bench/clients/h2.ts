/**
 * HTTP/2 client for the recording: N chat completions (streamed) on one HTTP/2 session over
 * TLS to api.openai.com (resolved through with-hosts.sh), with Node's statically linked OpenSSL,
 * which the agent captures. Prints `ok N`.
 *
 * Usage: node h2.js PORT N CAFILE
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:http2';

const [portArg, nArg, cafile] = process.argv.slice(2);
const n = Number(nArg);
const session = connect(`https://api.openai.com:${portArg}`, { ca: readFileSync(cafile as string) });
session.on('error', (e) => {
  process.stderr.write(`h2 session error: ${e.message}\n`);
  process.exit(1);
});

function one(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: `[h2-${i}] summarise the incident timeline ${'and root cause '.repeat(100 + (i % 50) * 20)}` }],
    });
    const req = session.request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json', authorization: 'Bearer sk-bench-0000000000000000000000000000' });
    req.on('response', () => undefined);
    req.on('data', () => undefined);
    req.on('end', () => resolve());
    req.on('error', reject);
    req.end(body);
  });
}

for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => one(i + k)));
process.stdout.write(`ok ${n}\n`);
session.close();
