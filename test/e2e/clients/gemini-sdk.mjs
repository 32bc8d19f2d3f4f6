// The official @google/genai client, unmodified, pointed at the local provider-like server.
// Usage: node gemini-sdk.mjs SPEC_JSON  (SPEC: {baseUrl, model, marker, stream, tools})
// The key comes from GEMINI_API_KEY, as in real use. Prints what the SDK understood, as JSON.
import { GoogleGenAI } from '@google/genai';

const spec = JSON.parse(process.argv[2]);
const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY, httpOptions: { baseUrl: spec.baseUrl } });
const request = {
  model: spec.model,
  contents: `Which lights should I switch on? [${spec.marker}]`,
  config: {
    systemInstruction: 'You control a smart home.',
    temperature: 0.4,
    topP: 0.9,
    maxOutputTokens: 128,
    ...(spec.tools
      ? {
          tools: [
            {
              functionDeclarations: [
                { name: 'set_light', description: 'Switch a light.', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' }, days: { type: 'INTEGER' } } } },
              ],
            },
          ],
        }
      : {}),
  },
};
const parts = (r) => r.candidates?.[0]?.content?.parts ?? [];
const textOf = (r) => parts(r).map((p) => p.text ?? '').join('');
const callsOf = (r) => parts(r).filter((p) => p.functionCall).map((p) => p.functionCall);
let out;
if (spec.stream) {
  let text = '';
  const calls = [];
  let last;
  let chunks = 0;
  for await (const chunk of await ai.models.generateContentStream(request)) {
    chunks++;
    text += textOf(chunk);
    calls.push(...callsOf(chunk));
    last = chunk;
  }
  out = { text, functionCalls: calls, finishReason: last?.candidates?.[0]?.finishReason, usage: last?.usageMetadata, modelVersion: last?.modelVersion, responseId: last?.responseId, chunks };
} else {
  const r = await ai.models.generateContent(request);
  out = { text: textOf(r), functionCalls: callsOf(r), finishReason: r.candidates?.[0]?.finishReason, usage: r.usageMetadata, modelVersion: r.modelVersion, responseId: r.responseId, chunks: 1 };
}
console.log(JSON.stringify(out));
