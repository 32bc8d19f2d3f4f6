/**
 * No adapter ever throws, whatever the bodies: fixture bodies mutated byte by byte, and JSON built
 * from the field names the providers use (so readers get past their first checks and into deep
 * paths) sent as JSON, SSE, NDJSON and JSON-array streams to every adapter and operation. Every
 * extraction must also stay clear of the skeleton's internal guard, and its attributes must pass
 * the server's ingest schema (a count that is not a count would get the whole record rejected).
 * Fixed seeds; sized to run in a few seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ANTHROPIC_CASES } from '../../test/fixtures/anthropic/cases.js';
import { AZURE_CASES } from '../../test/fixtures/azure/cases.js';
import { COHERE_CASES } from '../../test/fixtures/cohere/cases.js';
import { GEMINI_CASES } from '../../test/fixtures/gemini/cases.js';
import { caseExchange, exchangeFor, JSON_TYPE, NDJSON_TYPE, SSE_TYPE, type AdapterCase, type CaseRoute } from '../../test/fixtures/llm/case.js';
import { OLLAMA_CASES } from '../../test/fixtures/ollama/cases.js';
import { OPENAI_CASES, OPENAI_OTHER_CASES } from '../../test/fixtures/openai/cases.js';
import { readFixture } from '../../test/helpers/fixtures.js';
import { LLM_CALL_SCHEMA } from '../server/ingest/llm-call-schema.js';
import { compile, describeError } from '../server/ingest/validate.js';
import { parseEndpointsConfig } from './endpoints.js';
import { createAdapterRegistry } from './registry.js';
import { routeOf } from './route.js';
import type { HttpExchange, LlmExtraction } from './types.js';

const SEED = 20261128;
const validAttributes = compile(LLM_CALL_SCHEMA.properties.attributes);
const registry = createAdapterRegistry(parseEndpointsConfig([{ name: 'gw', match: 'gw.example:4000/llm', api: 'openai', provider: 'gw' }]));

function extractSafely(exchange: HttpExchange): LlmExtraction {
  const adapter = registry.find(routeOf(exchange));
  assert.ok(adapter, `no adapter for ${exchange.serverName}${exchange.request.target}`);
  let got: LlmExtraction | undefined;
  assert.doesNotThrow(() => {
    got = adapter.extract(exchange);
  });
  assert.deepEqual(
    got!.warnings.filter((w) => w.startsWith('internal:')),
    [],
  );
  assert.ok(validAttributes(got!.attributes), describeError(validAttributes.errors));
  return got!;
}

/** Byte-level damage to a body: flips, cuts, insertions, duplicated ranges. */
const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(Math.max(0, length - 1)), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(length) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(length), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(length), len: fc.nat(64) }),
  );

type Mutation = { kind: 'flip'; at: number; byte: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'repeat'; at: number; len: number };

function mutate(body: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(body);
  for (const m of ms) {
    const at = Math.min(m.at, b.length);
    if (m.kind === 'flip' && b.length > 0) b[Math.min(at, b.length - 1)] = m.byte;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else if (m.kind === 'repeat') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}

const ALL_CASES: ReadonlyArray<() => AdapterCase> = [
  ...OPENAI_CASES,
  ...OPENAI_OTHER_CASES,
  ...AZURE_CASES,
  ...ANTHROPIC_CASES,
  ...GEMINI_CASES,
  ...COHERE_CASES,
  ...OLLAMA_CASES,
];

test('property: fixture bodies damaged byte by byte never make an adapter throw', () => {
  const cases = ALL_CASES.map((make) => {
    const c = make();
    return { c, request: readFixture(c.dir, c.requestFile), response: readFixture(c.dir, c.responseFile) };
  });
  fc.assert(
    fc.property(
      fc.nat(cases.length - 1).chain((i) =>
        fc.tuple(
          fc.constant(i),
          fc.array(mutation(cases[i]!.request.length), { maxLength: 3 }),
          fc.array(mutation(cases[i]!.response.length), { minLength: 1, maxLength: 4 }),
          fc.constantFrom<string | undefined>(undefined, JSON_TYPE, SSE_TYPE, NDJSON_TYPE),
        ),
      ),
      ([i, requestDamage, responseDamage, contentType]) => {
        const { c, request, response } = cases[i]!;
        extractSafely(exchangeFor(c.route, mutate(request, requestDamage), mutate(response, responseDamage), c.status, contentType ?? c.contentType));
      },
    ),
    { seed: SEED, numRuns: 3000 },
  );
});

/** Field names of every provider's requests, responses and stream events. */
const KEYS = [
  ...['model', 'messages', 'role', 'content', 'text', 'type', 'index', 'id', 'name', 'arguments', 'input', 'output', 'usage'],
  ...['choices', 'message', 'delta', 'finish_reason', 'tool_calls', 'function', 'tool_call_id', 'prompt_tokens', 'completion_tokens'],
  ...['stream', 'temperature', 'top_p', 'max_tokens', 'tools', 'error', 'code', 'status', 'prompt', 'data', 'embedding'],
  ...['instructions', 'call_id', 'response', 'item', 'output_index', 'content_index', 'summary', 'incomplete_details', 'reason'],
  ...['input_tokens', 'output_tokens', 'input_tokens_details', 'cached_tokens', 'system', 'content_block', 'partial_json'],
  ...['stop_reason', 'thinking', 'source', 'media_type', 'tool_use_id', 'cache_read_input_tokens', 'cache_creation_input_tokens'],
  ...['contents', 'parts', 'candidates', 'finishReason', 'usageMetadata', 'promptTokenCount', 'candidatesTokenCount'],
  ...['thoughtsTokenCount', 'functionCall', 'functionResponse', 'args', 'inlineData', 'mimeType', 'fileData', 'fileUri'],
  ...['systemInstruction', 'generationConfig', 'promptFeedback', 'blockReason', 'modelVersion', 'responseId', 'thought'],
  ...['tool_plan', 'billed_units', 'tokens', 'done', 'done_reason', 'prompt_eval_count', 'eval_count', 'images', 'options'],
];
const TYPES = [
  ...['text', 'message', 'function_call', 'function_call_output', 'reasoning', 'input_text', 'output_text', 'input_image'],
  ...['response.created', 'response.output_item.added', 'response.output_text.delta', 'response.function_call_arguments.delta'],
  ...['response.completed', 'response.incomplete', 'response.failed', 'error', 'message_start', 'content_block_start'],
  ...['content_block_delta', 'message_delta', 'message_stop', 'text_delta', 'input_json_delta', 'thinking_delta', 'tool_use'],
  ...['tool_result', 'image', 'base64', 'url', 'message-start', 'content-start', 'content-delta', 'tool-plan-delta'],
  ...['tool-call-start', 'tool-call-delta', 'message-end', 'image_url', 'input_audio', 'web_search_call'],
];

/** JSON whose objects mostly use provider field names, and whose strings are often type names. */
const { json: providerJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 5000 }), fc.boolean(), fc.constant(null), fc.double()),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }), tie('json'), {
      maxKeys: 6,
    }),
  ),
}));
const providerObject = fc.dictionary(fc.constantFrom(...KEYS), providerJson, { minKeys: 1, maxKeys: 8 });
const encode = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** A response body in each framing the adapters read. */
const bodyArb = fc.oneof(
  providerObject.map((o) => ({ body: encode(o), contentType: JSON_TYPE as string | undefined })),
  fc
    .array(fc.tuple(fc.option(fc.constantFrom(...TYPES), { nil: undefined }), providerObject), { maxLength: 8 })
    .map((events) => ({
      body: events.map(([name, data]) => `${name ? `event: ${name}\n` : ''}data: ${encode(data)}\n\n`).join(''),
      contentType: SSE_TYPE as string | undefined,
    })),
  fc.array(providerObject, { maxLength: 8 }).map((lines) => ({ body: lines.map(encode).join('\n'), contentType: NDJSON_TYPE as string | undefined })),
  fc.array(providerObject, { maxLength: 6 }).map((items) => ({ body: `[${items.map(encode).join(',\r\n')}]`, contentType: JSON_TYPE as string | undefined })),
  fc.string({ maxLength: 200 }).map((s) => ({ body: s, contentType: undefined as string | undefined })),
);

const ROUTES: CaseRoute[] = [
  { serverName: 'api.openai.com', serverPort: 443, target: '/v1/chat/completions' },
  { serverName: 'api.openai.com', serverPort: 443, target: '/v1/responses' },
  { serverName: 'api.openai.com', serverPort: 443, target: '/v1/embeddings' },
  { serverName: 'api.openai.com', serverPort: 443, target: '/v1/completions' },
  { serverName: 'r.openai.azure.com', serverPort: 443, target: '/openai/deployments/d/chat/completions?api-version=2024-10-21' },
  { serverName: 'api.anthropic.com', serverPort: 443, target: '/v1/messages' },
  { serverName: 'generativelanguage.googleapis.com', serverPort: 443, target: '/v1beta/models/m:generateContent' },
  { serverName: 'generativelanguage.googleapis.com', serverPort: 443, target: '/v1beta/models/m:streamGenerateContent?alt=sse' },
  { serverName: 'generativelanguage.googleapis.com', serverPort: 443, target: '/v1beta/models/m:streamGenerateContent' },
  { serverName: 'api.cohere.com', serverPort: 443, target: '/v2/chat' },
  { serverName: 'localhost', serverPort: 11434, target: '/api/chat' },
  { serverName: 'localhost', serverPort: 11434, target: '/api/generate' },
  { serverName: 'gw.example', serverPort: 4000, target: '/llm/v1/chat/completions' },
];

test('property: provider-shaped JSON in every framing, to every adapter and operation, never throws', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ROUTES),
      fc.oneof(providerObject.map(encode), fc.string({ maxLength: 64 })),
      bodyArb,
      fc.constantFrom(200, 200, 200, 400, 429, 500, 529),
      (route, request, response, status) => {
        extractSafely(exchangeFor(route, Buffer.from(request), Buffer.from(response.body), status, response.contentType));
      },
    ),
    { seed: SEED, numRuns: 6000 },
  );
});

test('property: every fixture request with arbitrary response bytes never throws', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ALL_CASES),
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom<string | undefined>(undefined, JSON_TYPE, SSE_TYPE, NDJSON_TYPE),
      (make, bytes, contentType) => {
        const c = make();
        const got = extractSafely(caseExchange({ ...c, contentType }, Buffer.from(bytes)));
        // The request side does not depend on the response.
        assert.equal(got.attributes['gen_ai.request.model'], c.expected.attributes['gen_ai.request.model']);
      },
    ),
    { seed: SEED, numRuns: 500 },
  );
});
