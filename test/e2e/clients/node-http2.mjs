// Node's own http2 client: several chat completions as concurrent streams on ONE connection.
// Usage: node node-http2.mjs SPEC_JSON  (SPEC: {origin, model, markers: [..], stream: [bool..]})
import http2 from 'node:http2';

const spec = JSON.parse(process.argv[2]);
const session = http2.connect(spec.origin);
session.on('error', (e) => {
  console.error(e.message);
  process.exit(1);
});
const one = (marker, stream) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({
      model: spec.model,
      messages: [{ role: 'user', content: `Say hello [${marker}]` }],
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    const req = session.request({
      ':method': 'POST',
      ':path': '/v1/chat/completions',
      authorization: `Bearer ${process.env.OPENAI_API_KEY}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    let status = 0;
    req.on('response', (h) => (status = h[':status']));
    req.setEncoding('utf8');
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => (status === 200 ? resolve(text.length) : reject(new Error(`HTTP ${status}: ${text.slice(0, 200)}`))));
    req.on('error', reject);
    req.end(body);
  });
// All requests are in flight before any answer is read: interleaved streams on one connection.
const sizes = await Promise.all(spec.markers.map((m, i) => one(m, spec.stream[i])));
console.log(JSON.stringify({ streams: sizes.length }));
session.close();
