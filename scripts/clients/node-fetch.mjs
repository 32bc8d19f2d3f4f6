// Node client for the end-to-end tests: the built-in fetch (undici over node's statically linked OpenSSL).
// Usage: node node-fetch.mjs SPEC_JSON  (SPEC: {url, model, marker, prompt, stream, include_usage, tools, gzip})
const spec = JSON.parse(process.argv[2]);
const body = {
  model: spec.model,
  messages: [{ role: 'user', content: `${spec.prompt ?? 'Say hello'} [${spec.marker}]` }],
  ...(spec.stream ? { stream: true } : {}),
  ...(spec.include_usage ? { stream_options: { include_usage: true } } : {}),
  ...(spec.tools ? { tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }] } : {}),
};
const res = await fetch(spec.url, {
  method: 'POST',
  headers: { authorization: 'Bearer sk-proj-NODEFETCHSECRET0123456789abcdefghijklmn', 'content-type': 'application/json', ...(spec.gzip ? { 'x-test-gzip': '1' } : {}) },
  body: JSON.stringify(body),
});
const text = await res.text();
if (res.status !== 200) {
  console.error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  process.exit(1);
}
console.log('ok');
