// The official `openai` npm client, unmodified, pointed at the local provider-like server.
// Usage: node openai-sdk.mjs SPEC_JSON  (SPEC: {baseURL, model, marker, stream, include_usage, tools})
import OpenAI from 'openai';

const spec = JSON.parse(process.argv[2]);
const client = new OpenAI({ apiKey: 'sk-proj-OPENAISDKSECRET0123456789abcdefghijklmn', baseURL: spec.baseURL, maxRetries: 0 });
const params = {
  model: spec.model,
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: `Say hello [${spec.marker}]` },
  ],
  ...(spec.tools ? { tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] } : {}),
};
if (spec.stream) {
  const stream = await client.chat.completions.create({ ...params, stream: true, ...(spec.include_usage ? { stream_options: { include_usage: true } } : {}) });
  for await (const _chunk of stream) {
    // drain
  }
} else {
  await client.chat.completions.create(params);
}
console.log('ok');
