// The official @anthropic-ai/sdk client, unmodified, pointed at the local provider-like server.
// Usage: node anthropic-sdk.mjs SPEC_JSON  (SPEC: {baseURL, model, marker, stream, tools, cacheSystem,
// expectError}). The key comes from ANTHROPIC_API_KEY, as in real use. Prints what the SDK
// understood, as JSON; with expectError, the API error the SDK raised.
import Anthropic from '@anthropic-ai/sdk';

const spec = JSON.parse(process.argv[2]);
const client = new Anthropic({ baseURL: spec.baseURL, maxRetries: 0 });
const params = {
  model: spec.model,
  max_tokens: 300,
  temperature: 0.3,
  system: spec.cacheSystem
    ? [{ type: 'text', text: 'You are a terse SRE assistant. Runbook follows.', cache_control: { type: 'ephemeral' } }]
    : 'You are terse.',
  messages: [{ role: 'user', content: `What is the weather in Paris? [${spec.marker}]` }],
  ...(spec.tools
    ? {
        tools: [
          {
            name: 'get_forecast',
            description: 'Forecast for the next days.',
            input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
          },
        ],
      }
    : {}),
};
let message;
let events = 0;
try {
  if (spec.stream) {
    const stream = client.messages.stream(params);
    stream.on('streamEvent', () => events++);
    message = await stream.finalMessage();
  } else {
    message = await client.messages.create(params);
  }
} catch (err) {
  if (!spec.expectError || !(err instanceof Anthropic.APIError)) throw err;
  console.log(JSON.stringify({ error: { status: err.status, type: err.error?.error?.type, message: err.error?.error?.message } }));
  process.exit(0);
}
if (spec.expectError) throw new Error('expected an API error');
console.log(JSON.stringify({ id: message.id, model: message.model, stop_reason: message.stop_reason, content: message.content, usage: message.usage, events }));
