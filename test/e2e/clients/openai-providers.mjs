// The official `openai` npm client, unmodified, against Azure OpenAI, OpenAI-compatible providers
// and the Responses API on the local provider-like server.
// Usage: node openai-providers.mjs SPEC_JSON. SPEC: {api: 'chat' | 'responses', client: 'openai' |
// 'azure' | 'azure-baseurl', baseURL, endpoint, deployment, apiVersion, model, marker, stream,
// include_usage, tools}. Keys come from OPENAI_API_KEY / AZURE_OPENAI_API_KEY, as in real use.
// Prints what the SDK understood, as JSON.
import OpenAI, { AzureOpenAI } from 'openai';

const spec = JSON.parse(process.argv[2]);
let client;
if (spec.client === 'azure') {
  client = new AzureOpenAI({ endpoint: spec.endpoint, deployment: spec.deployment, apiVersion: spec.apiVersion, maxRetries: 0 });
} else if (spec.client === 'azure-baseurl') {
  // The older way: the plain client on the deployment's URL, api-version and api-key added by hand.
  client = new OpenAI({
    baseURL: spec.baseURL,
    apiKey: process.env.AZURE_OPENAI_API_KEY,
    defaultQuery: { 'api-version': spec.apiVersion },
    defaultHeaders: { 'api-key': process.env.AZURE_OPENAI_API_KEY },
    maxRetries: 0,
  });
} else {
  client = new OpenAI({ baseURL: spec.baseURL, maxRetries: 0 });
}
const prompt = `Will it rain in Paris this week? [${spec.marker}]`;
let out;
if (spec.api === 'responses') {
  const params = {
    model: spec.model,
    instructions: 'You answer weather questions.',
    input: prompt,
    max_output_tokens: 200,
    ...(spec.tools
      ? { tools: [{ type: 'function', name: 'get_forecast', description: 'Forecast for the next days.', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false }, strict: true }] }
      : {}),
  };
  let response;
  const events = [];
  if (spec.stream) {
    const stream = await client.responses.create({ ...params, stream: true });
    for await (const event of stream) {
      events.push(event.type);
      if (event.type === 'response.completed') response = event.response;
    }
  } else {
    response = await client.responses.create(params);
  }
  // output_text is the SDK's convenience on non-streaming responses; a streamed one is read from its items.
  const text = response.output.flatMap((item) => (item.type === 'message' ? item.content : [])).filter((c) => c.type === 'output_text').map((c) => c.text);
  out = { id: response.id, model: response.model, status: response.status, output_text: response.output_text ?? (text.length > 0 ? text.join('') : null), output: response.output, usage: response.usage, events };
} else {
  const params = {
    model: spec.model,
    messages: [
      { role: 'system', content: 'You answer weather questions.' },
      { role: 'user', content: prompt },
    ],
    temperature: 0.5,
    max_tokens: 100,
    ...(spec.tools
      ? { tools: [{ type: 'function', function: { name: 'get_forecast', description: 'Forecast for the next days.', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] } } }] }
      : {}),
  };
  if (spec.stream) {
    let text = '';
    const calls = new Map();
    let finish = null;
    let usage = null;
    let id;
    let model;
    let chunks = 0;
    const stream = await client.chat.completions.create({ ...params, stream: true, ...(spec.include_usage ? { stream_options: { include_usage: true } } : {}) });
    for await (const chunk of stream) {
      chunks++;
      if (chunk.id) id = chunk.id;
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta?.content ?? '';
        for (const tc of choice.delta?.tool_calls ?? []) {
          const call = calls.get(tc.index) ?? { id: null, name: '', arguments: '' };
          call.id ??= tc.id ?? null;
          call.name += tc.function?.name ?? '';
          call.arguments += tc.function?.arguments ?? '';
          calls.set(tc.index, call);
        }
        finish = choice.finish_reason ?? finish;
      }
    }
    out = { id, model, text, tool_calls: [...calls.values()], finish_reason: finish, usage, chunks };
  } else {
    const r = await client.chat.completions.create(params);
    const m = r.choices[0].message;
    out = {
      id: r.id,
      model: r.model,
      text: m.content,
      tool_calls: (m.tool_calls ?? []).map((tc) => ({ id: tc.id, name: tc.function.name, arguments: tc.function.arguments })),
      finish_reason: r.choices[0].finish_reason,
      usage: r.usage,
      chunks: 1,
    };
  }
}
console.log(JSON.stringify(out));
