/**
 * End to end, every provider family with real clients: the agent runs as root with its probes; one
 * local TLS server (src/demo/providers) answers as api.anthropic.com, generativelanguage.googleapis.com,
 * an Azure OpenAI resource, api.openai.com (Responses API), Groq, Mistral, Together and Cohere, each
 * in its documented wire format; a plaintext server answers as Ollama on a watched port. The official
 * SDKs (@anthropic-ai/sdk, @google/genai, openai), curl and Python talk to them unmodified, from a
 * mount namespace whose /etc/hosts points the provider names at 127.0.0.1. The fake's answers are
 * pure functions of the request (marker → ids and text, tools → a call to the first tool with
 * {city: 'Paris', days: 3}, fixed token counts per provider), so every record is asserted exactly.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, withMarker, type RunningAgent } from '../helpers/agent.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { makePki, type Pki } from '../../src/demo/pki.js';
import { AZURE_DEMO_HOST, FAKE_PROVIDER_HOSTS, startFakeProviders, type FakeProviders } from '../../src/demo/providers/router.js';
import type { LlmCall } from '../../src/telemetry/llm-call.js';

const CLIENTS = join(REPO_ROOT, 'test', 'e2e', 'clients');
const WITH_HOSTS = join(REPO_ROOT, 'scripts', 'clients', 'with-hosts.sh');

/** Keys as the SDKs read them from the environment; each contains SECRET, which no record may. */
const KEYS = {
  ANTHROPIC_API_KEY: 'sk-ant-api03-SECRETanthropic0123456789abcdefghijklmnopqrstuvwxyz-AA',
  GEMINI_API_KEY: 'AIzaSECRETgemini0123456789abcdefghijklm',
  AZURE_OPENAI_API_KEY: 'SECRETazure0123456789abcdef012345',
  OPENAI_API_KEY: 'sk-proj-SECRETopenai0123456789abcdefghijklmnop',
  CO_API_KEY: 'SECRETcohere0123456789abcdefghijklmnopqr',
} as const;
/** Azure keys are 32 hex digits, with no vendor prefix to recognise them by. */
const AZURE_HEX_KEY = '5f0c9e2b7a1d4c8e9b3a6f2d1e0c7b4a';
const GROQ_KEY = 'gsk_SECRETgroq0123456789abcdefghijklmnopqrstuvwxyz0123';
const MISTRAL_KEY = 'SECRETmistral0123456789abcdefghij';
const TOGETHER_KEY = 'tgp_v1_SECRETtogether0123456789abcdefghijklmnopq';

let pki: Pki;
let tlsServer: FakeProviders;
let plainServer: FakeProviders;
let agent: RunningAgent;
let workDir: string;
let hostsFile: string;
let markerSeq = 0;

function marker(name: string): string {
  return `${name}-${process.pid}-${++markerSeq}`;
}

/** The reply text of the fake for a marker, as src/demo/providers/common.ts words it. */
function reply(label: string, m: string): string {
  return `Hello ${m}! ${label} answers from the local fake.`;
}

/** The same tool call, whatever the provider. */
const TOOL_ARGS = { city: 'Paris', days: 3 };

interface ClientRun {
  pid: number;
  stdout: string;
}

/** Runs a client in the private-/etc/hosts namespace; returns its pid and what it printed. */
async function client(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ClientRun> {
  const child = spawn(WITH_HOSTS, [hostsFile, cmd, ...args], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caCertPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: REPO_ROOT,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, `${cmd} ${args.join(' ')} failed:\n${stdout}\n${stderr}`);
  return { pid: child.pid as number, stdout };
}

function node(script: string, spec: object, env: NodeJS.ProcessEnv = {}): Promise<ClientRun> {
  return client(process.execPath, [join(CLIENTS, script), JSON.stringify(spec)], env);
}

async function recordFor(m: string): Promise<LlmCall> {
  const rs = await agent.waitFor((all) => withMarker(all, m).length > 0);
  const matching = withMarker(rs, m);
  assert.equal(matching.length, 1, `exactly one record for ${m}`);
  return matching[0] as LlmCall;
}

/** Attributes an adapter decides, compared as a whole: every gen_ai.* key, plus these. */
const ADAPTER_KEYS = new Set(['openai.api.type', 'osprey.stream', 'osprey.warnings', 'osprey.endpoint.name', 'osprey.error.message', 'error.type']);

function adapterAttributes(r: LlmCall): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.attributes).filter(([k]) => k.startsWith('gen_ai.') || ADAPTER_KEYS.has(k)));
}

interface Transport {
  host: string;
  port: number;
  path: string;
  query?: string;
  protocol: '1.1' | '2';
  /** HTTP status; 200 unless said. */
  status?: number;
  library: 'openssl' | 'none';
  pid: number;
  exe: RegExp;
}

/** The whole record: span fields, the adapter's attributes exactly, and where the call went from which process. */
function assertRecord(r: LlmCall, spanName: string, expected: Record<string, unknown>, t: Transport): void {
  const a = r.attributes;
  assert.equal(r.kind, 'llm_call');
  assert.match(r.trace_id, /^[0-9a-f]{32}$/);
  assert.match(r.span_id, /^[0-9a-f]{16}$/);
  assert.equal(r.parent_span_id, null);
  assert.equal(r.name, spanName);
  assert.ok(Date.parse(r.end_time) >= Date.parse(r.start_time), `${r.start_time} … ${r.end_time}`);
  assert.deepEqual(adapterAttributes(r), expected);
  assert.equal(a['server.address'], t.host);
  assert.equal(a['server.port'], t.port);
  assert.equal(a['url.path'], t.path);
  assert.equal(a['url.query'], t.query);
  assert.equal(a['http.request.method'], 'POST');
  assert.equal(a['http.response.status_code'], t.status ?? 200);
  assert.equal(a['network.protocol.version'], t.protocol);
  // Node's OpenSSL works on memory BIOs: its socket is not seen at the SSL_* calls, so no peer.
  const socketSeen = !t.exe.test('/usr/bin/node');
  assert.equal(a['network.peer.address'], socketSeen ? '127.0.0.1' : undefined);
  assert.equal(a['network.peer.port'], socketSeen ? t.port : undefined);
  assert.equal(a['client.address'], socketSeen ? '127.0.0.1' : undefined);
  assert.equal(a['osprey.tls.library'], t.library);
  assert.equal(a['process.pid'], t.pid);
  // with-hosts.sh execs all the way down: the client is a child of this test process.
  assert.equal(a['process.parent_pid'], process.pid);
  assert.match(String(a['process.executable.path']), t.exe);
  assert.equal(a['process.user.id'], 0);
  assert.equal(typeof a['osprey.ttft_ms'], 'number');
}

const NODE_EXE = /\/node$/;

before(async () => {
  pki = makePki(FAKE_PROVIDER_HOSTS);
  tlsServer = await startFakeProviders({ tls: { cert: pki.cert, key: pki.key }, http2: true });
  plainServer = await startFakeProviders({ tls: null });
  workDir = mkdtempSync(join(tmpdir(), 'osprey-providers-'));
  hostsFile = join(workDir, 'hosts');
  writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${FAKE_PROVIDER_HOSTS.join(' ')}\n`);
  // Ollama is recognised by its port, 11434; on any other port it is declared, as users do.
  const config = join(workDir, 'agent.yaml');
  writeFileSync(config, `endpoints:\n  - name: local-ollama\n    match: localhost:${plainServer.port}\n    api: ollama\n`);
  agent = await startAgent(
    [/attached openssl probes to \S*libssl\.so\.3/, /attached openssl probes to \S*\/node\b/],
    ['--plaintext-ports', String(plainServer.port), '--config', config],
  );
});

after(async () => {
  const code = await agent?.stop();
  await tlsServer?.close();
  await plainServer?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
  assert.equal(code, 0, `agent exit code; stderr:\n${agent?.stderr()}`);
});

const FORECAST_TOOL_ANTHROPIC = {
  name: 'get_forecast',
  description: 'Forecast for the next days.',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
};

describe('Anthropic: the official @anthropic-ai/sdk → api.anthropic.com', () => {
  const transport = (pid: number): Transport => ({ host: 'api.anthropic.com', port: tlsServer.port, path: '/v1/messages', protocol: '1.1', library: 'openssl', pid, exe: NODE_EXE });

  test('messages.create, non-streaming', async () => {
    const m = marker('anthropic');
    const run = await node('anthropic-sdk.mjs', { baseURL: `https://api.anthropic.com:${tlsServer.port}`, model: 'claude-sonnet-4-6', marker: m }, KEYS);
    const text = reply('Claude', m);
    assert.deepEqual(JSON.parse(run.stdout).content, [{ type: 'text', text }], 'the SDK read the fake');
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat claude-sonnet-4-6',
      {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.operation.name': 'chat',
        'osprey.stream': false,
        'gen_ai.request.model': 'claude-sonnet-4-6',
        'gen_ai.request.max_tokens': 300,
        'gen_ai.request.temperature': 0.3,
        'gen_ai.system_instructions': [{ type: 'text', content: 'You are terse.' }],
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `What is the weather in Paris? [${m}]` }] }],
        'gen_ai.response.id': `msg_${m}`,
        'gen_ai.response.model': 'claude-sonnet-4-6-20250929',
        'gen_ai.usage.input_tokens': 25,
        'gen_ai.usage.output_tokens': 12,
        'gen_ai.usage.cache_read.input_tokens': 0,
        'gen_ai.usage.cache_creation.input_tokens': 0,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['end_turn'],
      },
      transport(run.pid),
    );
  });

  test('messages.stream (stream: true): text, then a tool_use whose input arrives as input_json_delta fragments; cached system prompt', async () => {
    const m = marker('anthropic-sse');
    const run = await node('anthropic-sdk.mjs', { baseURL: `https://api.anthropic.com:${tlsServer.port}`, model: 'claude-opus-4-6', marker: m, stream: true, tools: true, cacheSystem: true }, KEYS);
    const text = reply('Claude', m);
    const sdk = JSON.parse(run.stdout);
    assert.deepEqual(sdk.content, [
      { type: 'text', text },
      { type: 'tool_use', id: `toolu_${m}`, name: 'get_forecast', input: TOOL_ARGS },
    ]);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat claude-opus-4-6',
      {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.operation.name': 'chat',
        'osprey.stream': true,
        'gen_ai.request.model': 'claude-opus-4-6',
        'gen_ai.request.max_tokens': 300,
        'gen_ai.request.temperature': 0.3,
        'gen_ai.system_instructions': [{ type: 'text', content: 'You are a terse SRE assistant. Runbook follows.' }],
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `What is the weather in Paris? [${m}]` }] }],
        'gen_ai.tool.definitions': [FORECAST_TOOL_ANTHROPIC],
        'gen_ai.response.id': `msg_${m}`,
        'gen_ai.response.model': 'claude-opus-4-6-20250929',
        // 25 uncached + 96 read from the cache (OTel Anthropic conventions: input includes cache reads).
        'gen_ai.usage.input_tokens': 121,
        'gen_ai.usage.output_tokens': 12,
        'gen_ai.usage.cache_read.input_tokens': 96,
        'gen_ai.usage.cache_creation.input_tokens': 0,
        'gen_ai.output.messages': [
          {
            role: 'assistant',
            parts: [
              { type: 'text', content: text },
              { type: 'tool_call', id: `toolu_${m}`, name: 'get_forecast', arguments: TOOL_ARGS },
            ],
            finish_reason: 'tool_call',
          },
        ],
        'gen_ai.response.finish_reasons': ['tool_use'],
      },
      transport(run.pid),
    );
  });
});

describe('Anthropic errors', () => {
  test('an OpenAI model name sent through the SDK: the 404 not_found_error is a record with status, type and message', async () => {
    const m = marker('anthropic-404');
    const run = await node('anthropic-sdk.mjs', { baseURL: `https://api.anthropic.com:${tlsServer.port}`, model: 'gpt-4o', marker: m, expectError: true }, KEYS);
    assert.deepEqual(JSON.parse(run.stdout), { error: { status: 404, type: 'not_found_error', message: 'model: gpt-4o' } });
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt-4o',
      {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.operation.name': 'chat',
        'osprey.stream': false,
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.max_tokens': 300,
        'gen_ai.request.temperature': 0.3,
        'gen_ai.system_instructions': [{ type: 'text', content: 'You are terse.' }],
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `What is the weather in Paris? [${m}]` }] }],
        'error.type': 'not_found_error',
        'osprey.error.message': 'model: gpt-4o',
      },
      { host: 'api.anthropic.com', port: tlsServer.port, path: '/v1/messages', protocol: '1.1', status: 404, library: 'openssl', pid: run.pid, exe: NODE_EXE },
    );
  });
});

describe('Gemini: the official @google/genai SDK → generativelanguage.googleapis.com', () => {
  const spec = (m: string, extra: object): object => ({ baseUrl: `https://generativelanguage.googleapis.com:${tlsServer.port}`, model: 'gemini-2.5-flash', marker: m, ...extra });
  const request = (m: string, stream: boolean): Record<string, unknown> => ({
    'gen_ai.provider.name': 'gcp.gemini',
    'gen_ai.operation.name': 'generate_content',
    'osprey.stream': stream,
    'gen_ai.request.model': 'gemini-2.5-flash',
    'gen_ai.request.temperature': 0.4,
    'gen_ai.request.top_p': 0.9,
    'gen_ai.request.max_tokens': 128,
    'gen_ai.system_instructions': [{ type: 'text', content: 'You control a smart home.' }],
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Which lights should I switch on? [${m}]` }] }],
    'gen_ai.response.id': `gemini-${m}`,
    'gen_ai.response.model': 'gemini-2.5-flash',
    'gen_ai.usage.input_tokens': 9,
    // 11 candidate tokens + 5 thinking tokens.
    'gen_ai.usage.output_tokens': 16,
  });
  const transport = (pid: number, method: string, query?: string): Transport => ({
    host: 'generativelanguage.googleapis.com',
    port: tlsServer.port,
    path: `/v1beta/models/gemini-2.5-flash:${method}`,
    ...(query === undefined ? {} : { query }),
    protocol: '1.1',
    library: 'openssl',
    pid,
    exe: NODE_EXE,
  });

  test('models.generateContent', async () => {
    const m = marker('gemini');
    const run = await node('gemini-sdk.mjs', spec(m, {}), KEYS);
    const text = reply('Gemini', m);
    assert.equal(JSON.parse(run.stdout).text, text, 'the SDK read the fake');
    const r = await recordFor(m);
    assertRecord(
      r,
      'generate_content gemini-2.5-flash',
      {
        ...request(m, false),
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['STOP'],
      },
      transport(run.pid, 'generateContent'),
    );
  });

  test('models.generateContentStream: the SDK asks for alt=sse; CRLF-framed chunks merged', async () => {
    const m = marker('gemini-sse');
    const run = await node('gemini-sdk.mjs', spec(m, { stream: true }), KEYS);
    const text = reply('Gemini', m);
    const sdk = JSON.parse(run.stdout);
    assert.equal(sdk.text, text);
    assert.equal(sdk.chunks, 3);
    const r = await recordFor(m);
    assertRecord(
      r,
      'generate_content gemini-2.5-flash',
      {
        ...request(m, true),
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['STOP'],
      },
      transport(run.pid, 'streamGenerateContent', 'alt=sse'),
    );
  });

  test('models.generateContentStream with a function declaration: a functionCall part, finishReason STOP', async () => {
    const m = marker('gemini-tool');
    const run = await node('gemini-sdk.mjs', spec(m, { stream: true, tools: true }), KEYS);
    assert.deepEqual(JSON.parse(run.stdout).functionCalls, [{ name: 'set_light', args: TOOL_ARGS }]);
    const r = await recordFor(m);
    assertRecord(
      r,
      'generate_content gemini-2.5-flash',
      {
        ...request(m, true),
        'gen_ai.tool.definitions': [
          {
            functionDeclarations: [
              { name: 'set_light', description: 'Switch a light.', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' }, days: { type: 'INTEGER' } } } },
            ],
          },
        ],
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'tool_call', id: null, name: 'set_light', arguments: TOOL_ARGS }], finish_reason: 'tool_call' }],
        'gen_ai.response.finish_reasons': ['STOP'],
      },
      transport(run.pid, 'streamGenerateContent', 'alt=sse'),
    );
  });
});

describe('Gemini over the REST API with curl (key in x-goog-api-key on the command line)', () => {
  const curl = (model: string, method: string, body: object): string[] => [
    '--http1.1',
    '-sS',
    '-N',
    '--cacert',
    pki.caCertPath,
    `https://generativelanguage.googleapis.com:${tlsServer.port}/v1beta/models/${model}:${method}`,
    '-H',
    `x-goog-api-key: ${KEYS.GEMINI_API_KEY}`,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify(body),
  ];
  const restBody = (m: string): object => ({
    system_instruction: { parts: [{ text: 'Answer in one line.' }] },
    contents: [{ role: 'user', parts: [{ text: `Name a ring buffer use [${m}]` }] }],
    generation_config: { temperature: 1, max_output_tokens: 64 },
  });
  const request = (m: string, model: string, stream: boolean): Record<string, unknown> => ({
    'gen_ai.provider.name': 'gcp.gemini',
    'gen_ai.operation.name': 'generate_content',
    'osprey.stream': stream,
    'gen_ai.request.model': model,
    'gen_ai.request.temperature': 1,
    'gen_ai.request.max_tokens': 64,
    'gen_ai.system_instructions': [{ type: 'text', content: 'Answer in one line.' }],
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Name a ring buffer use [${m}]` }] }],
  });

  test(':streamGenerateContent without alt=sse: one JSON array streamed element by element (snake_case request)', async () => {
    const m = marker('gemini-array');
    const run = await client('curl', curl('gemini-2.0-flash', 'streamGenerateContent', restBody(m)));
    const text = reply('Gemini', m);
    const chunks = JSON.parse(run.stdout) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> } }> }>;
    assert.equal(chunks.map((c) => c.candidates[0]?.content.parts[0]?.text).join(''), text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'generate_content gemini-2.0-flash',
      {
        ...request(m, 'gemini-2.0-flash', true),
        'gen_ai.response.id': `gemini-${m}`,
        'gen_ai.response.model': 'gemini-2.0-flash',
        'gen_ai.usage.input_tokens': 9,
        'gen_ai.usage.output_tokens': 16,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['STOP'],
      },
      { host: 'generativelanguage.googleapis.com', port: tlsServer.port, path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent', protocol: '1.1', library: 'openssl', pid: run.pid, exe: /\/curl$/ },
    );
    assert.match(String(r.attributes['process.command_line']), /x-goog-api-key: \[REDACTED\]/);
  });

  test('a model the API does not have: the 404 NOT_FOUND is a record with status and message', async () => {
    const m = marker('gemini-404');
    const run = await client('curl', curl('text-bison-001', 'generateContent', restBody(m)));
    assert.equal(JSON.parse(run.stdout).error.status, 'NOT_FOUND');
    const r = await recordFor(m);
    assertRecord(
      r,
      'generate_content text-bison-001',
      {
        ...request(m, 'text-bison-001', false),
        'error.type': 'NOT_FOUND',
        'osprey.error.message':
          'models/text-bison-001 is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
      },
      { host: 'generativelanguage.googleapis.com', port: tlsServer.port, path: '/v1beta/models/text-bison-001:generateContent', protocol: '1.1', status: 404, library: 'openssl', pid: run.pid, exe: /\/curl$/ },
    );
  });
});

const FORECAST_TOOL_OPENAI = {
  type: 'function',
  function: {
    name: 'get_forecast',
    description: 'Forecast for the next days.',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
  },
};

/** What the openai-providers.mjs chat client sends, as attributes. */
function chatRequest(provider: string, model: string, m: string, stream: boolean): Record<string, unknown> {
  return {
    'gen_ai.provider.name': provider,
    'gen_ai.operation.name': 'chat',
    'osprey.stream': stream,
    'gen_ai.request.model': model,
    'gen_ai.request.temperature': 0.5,
    'gen_ai.request.max_tokens': 100,
    'gen_ai.input.messages': [
      { role: 'system', parts: [{ type: 'text', content: 'You answer weather questions.' }] },
      { role: 'user', parts: [{ type: 'text', content: `Will it rain in Paris this week? [${m}]` }] },
    ],
  };
}

function chatText(text: string): Record<string, unknown> {
  return {
    'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
    'gen_ai.response.finish_reasons': ['stop'],
  };
}

function chatToolCall(id: string): Record<string, unknown> {
  return {
    'gen_ai.tool.definitions': [FORECAST_TOOL_OPENAI],
    'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'tool_call', id, name: 'get_forecast', arguments: TOOL_ARGS }], finish_reason: 'tool_call' }],
    'gen_ai.response.finish_reasons': ['tool_calls'],
  };
}

const USAGE_19_8 = { 'gen_ai.usage.input_tokens': 19, 'gen_ai.usage.output_tokens': 8 };

describe('Azure OpenAI: the openai client → myres.openai.azure.com (deployment is the request model)', () => {
  const azure = (m: string, extra: object): object => ({
    client: 'azure',
    endpoint: `https://${AZURE_DEMO_HOST}:${tlsServer.port}`,
    deployment: 'gpt4o-deploy',
    apiVersion: '2024-10-21',
    model: 'gpt4o-deploy',
    marker: m,
    ...extra,
  });
  const transport = (pid: number): Transport => ({
    host: AZURE_DEMO_HOST,
    port: tlsServer.port,
    path: '/openai/deployments/gpt4o-deploy/chat/completions',
    query: 'api-version=2024-10-21',
    protocol: '1.1',
    library: 'openssl',
    pid,
    exe: NODE_EXE,
  });

  test('AzureOpenAI chat.completions.create, non-streaming', async () => {
    const m = marker('azure');
    const run = await node('openai-providers.mjs', azure(m, {}), KEYS);
    const text = reply('Azure OpenAI', m);
    assert.equal(JSON.parse(run.stdout).text, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt4o-deploy',
      { ...chatRequest('azure.ai.openai', 'gpt4o-deploy', m, false), 'gen_ai.response.id': `chatcmpl-${m}`, 'gen_ai.response.model': 'gpt-4o-2024-11-20', ...USAGE_19_8, ...chatText(text) },
      transport(run.pid),
    );
  });

  test('AzureOpenAI streaming with include_usage: the prompt-filter chunk (empty id and model) does not win', async () => {
    const m = marker('azure-sse');
    const run = await node('openai-providers.mjs', azure(m, { stream: true, include_usage: true }), KEYS);
    const text = reply('Azure OpenAI', m);
    assert.equal(JSON.parse(run.stdout).text, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt4o-deploy',
      { ...chatRequest('azure.ai.openai', 'gpt4o-deploy', m, true), 'gen_ai.response.id': `chatcmpl-${m}`, 'gen_ai.response.model': 'gpt-4o-2024-11-20', ...USAGE_19_8, ...chatText(text) },
      transport(run.pid),
    );
  });

  test('the plain OpenAI client on the deployment base URL (api-version, api-key by hand): streamed tool-call fragments, no usage', async () => {
    const m = marker('azure-tool');
    const run = await node(
      'openai-providers.mjs',
      { client: 'azure-baseurl', baseURL: `https://${AZURE_DEMO_HOST}:${tlsServer.port}/openai/deployments/gpt4o-deploy`, apiVersion: '2024-10-21', model: 'gpt-4o', marker: m, stream: true, tools: true },
      KEYS,
    );
    assert.deepEqual(JSON.parse(run.stdout).tool_calls, [{ id: `call_${m}`, name: 'get_forecast', arguments: JSON.stringify(TOOL_ARGS) }]);
    const r = await recordFor(m);
    // The body says gpt-4o; the URL's deployment is what the call used.
    assertRecord(
      r,
      'chat gpt4o-deploy',
      { ...chatRequest('azure.ai.openai', 'gpt4o-deploy', m, true), 'gen_ai.response.id': `chatcmpl-${m}`, 'gen_ai.response.model': 'gpt-4o-2024-11-20', ...chatToolCall(`call_${m}`) },
      transport(run.pid),
    );
  });
});

describe('Azure OpenAI with curl, as Azure documents it (-H "api-key: $AZURE_OPENAI_API_KEY")', () => {
  test('non-streaming chat; the key on the command line is redacted', async () => {
    const m = marker('azure-curl');
    const key = AZURE_HEX_KEY;
    const body = { messages: [{ role: 'user', content: `Will it rain in Paris this week? [${m}]` }], max_tokens: 50 };
    const url = `https://${AZURE_DEMO_HOST}:${tlsServer.port}/openai/deployments/gpt4o-deploy/chat/completions?api-version=2024-10-21`;
    const run = await client('curl', ['--http1.1', '-sS', '--fail', '--cacert', pki.caCertPath, url, '-H', 'Content-Type: application/json', '-H', `api-key: ${key}`, '-d', JSON.stringify(body)]);
    const text = reply('Azure OpenAI', m);
    assert.equal(JSON.parse(run.stdout).choices[0].message.content, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt4o-deploy',
      {
        'gen_ai.provider.name': 'azure.ai.openai',
        'gen_ai.operation.name': 'chat',
        'osprey.stream': false,
        'gen_ai.request.model': 'gpt4o-deploy',
        'gen_ai.request.max_tokens': 50,
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Will it rain in Paris this week? [${m}]` }] }],
        'gen_ai.response.id': `chatcmpl-${m}`,
        'gen_ai.response.model': 'gpt-4o-2024-11-20',
        ...USAGE_19_8,
        ...chatText(text),
      },
      { host: AZURE_DEMO_HOST, port: tlsServer.port, path: '/openai/deployments/gpt4o-deploy/chat/completions', query: 'api-version=2024-10-21', protocol: '1.1', library: 'openssl', pid: run.pid, exe: /\/curl$/ },
    );
    const commandLine = String(r.attributes['process.command_line']);
    assert.ok(!commandLine.includes(key), `the Azure key is in process.command_line: ${commandLine}`);
    assert.match(commandLine, /api-key: \[REDACTED\]/);
  });
});

describe('Azure OpenAI Responses API: AzureOpenAI → /openai/responses (the deployment named in the body)', () => {
  test('responses.create stream: output_text deltas, usage with cached tokens in response.completed', async () => {
    const m = marker('azure-responses');
    const run = await node(
      'openai-providers.mjs',
      { api: 'responses', client: 'azure', endpoint: `https://${AZURE_DEMO_HOST}:${tlsServer.port}`, apiVersion: '2025-04-01-preview', model: 'gpt4o-deploy', marker: m, stream: true },
      KEYS,
    );
    const text = reply('Azure OpenAI', m);
    const sdk = JSON.parse(run.stdout);
    assert.equal(sdk.output_text, text);
    assert.equal(sdk.events.filter((e: string) => e === 'response.output_text.delta').length, 9, 'one per word');
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt4o-deploy',
      {
        'gen_ai.provider.name': 'azure.ai.openai',
        'gen_ai.operation.name': 'chat',
        'openai.api.type': 'responses',
        'osprey.stream': true,
        'gen_ai.request.model': 'gpt4o-deploy',
        'gen_ai.request.max_tokens': 200,
        'gen_ai.system_instructions': [{ type: 'text', content: 'You answer weather questions.' }],
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Will it rain in Paris this week? [${m}]` }] }],
        'gen_ai.response.id': `resp_${m}`,
        'gen_ai.response.model': 'gpt-4o-2024-11-20',
        'gen_ai.usage.input_tokens': 40,
        'gen_ai.usage.output_tokens': 14,
        'gen_ai.usage.cache_read.input_tokens': 16,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['completed'],
      },
      { host: AZURE_DEMO_HOST, port: tlsServer.port, path: '/openai/responses', query: 'api-version=2025-04-01-preview', protocol: '1.1', library: 'openssl', pid: run.pid, exe: NODE_EXE },
    );
  });
});

describe('OpenAI-compatible providers: the openai client on their base URLs (provider named from the host)', () => {
  const transport = (host: string, path: string, pid: number): Transport => ({ host, port: tlsServer.port, path, protocol: '1.1', library: 'openssl', pid, exe: NODE_EXE });

  test('Groq (/openai/v1), streaming without include_usage: usage from x_groq', async () => {
    const m = marker('groq');
    const model = 'llama-3.3-70b-versatile';
    const run = await node('openai-providers.mjs', { baseURL: `https://api.groq.com:${tlsServer.port}/openai/v1`, model, marker: m, stream: true }, { OPENAI_API_KEY: GROQ_KEY });
    const text = reply('Groq', m);
    assert.equal(JSON.parse(run.stdout).text, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      `chat ${model}`,
      { ...chatRequest('groq', model, m, true), 'gen_ai.response.id': `chatcmpl-${m}`, 'gen_ai.response.model': model, ...USAGE_19_8, ...chatText(text) },
      transport('api.groq.com', '/openai/v1/chat/completions', run.pid),
    );
  });

  test('Mistral (/v1), streaming tool call sent whole in one delta; usage in the finish chunk', async () => {
    const m = marker('mistral');
    const model = 'mistral-small-latest';
    const run = await node('openai-providers.mjs', { baseURL: `https://api.mistral.ai:${tlsServer.port}/v1`, model, marker: m, stream: true, tools: true }, { OPENAI_API_KEY: MISTRAL_KEY });
    assert.deepEqual(JSON.parse(run.stdout).tool_calls, [{ id: `call_${m}`, name: 'get_forecast', arguments: JSON.stringify(TOOL_ARGS) }]);
    const r = await recordFor(m);
    assertRecord(
      r,
      `chat ${model}`,
      { ...chatRequest('mistral_ai', model, m, true), 'gen_ai.response.id': `mistral-${m}`, 'gen_ai.response.model': model, ...USAGE_19_8, ...chatToolCall(`call_${m}`) },
      transport('api.mistral.ai', '/v1/chat/completions', run.pid),
    );
  });

  test('Together (/v1), non-streaming tool call', async () => {
    const m = marker('together');
    const model = 'meta-llama/Llama-3.3-70B-Instruct-Turbo';
    const run = await node('openai-providers.mjs', { baseURL: `https://api.together.xyz:${tlsServer.port}/v1`, model, marker: m, tools: true }, { OPENAI_API_KEY: TOGETHER_KEY });
    assert.deepEqual(JSON.parse(run.stdout).tool_calls, [{ id: `call_${m}`, name: 'get_forecast', arguments: JSON.stringify(TOOL_ARGS) }]);
    const r = await recordFor(m);
    assertRecord(
      r,
      `chat ${model}`,
      { ...chatRequest('together_ai', model, m, false), 'gen_ai.response.id': `together-${m}`, 'gen_ai.response.model': model, ...USAGE_19_8, ...chatToolCall(`call_${m}`) },
      transport('api.together.xyz', '/v1/chat/completions', run.pid),
    );
  });

  test('Together (/v1), streaming text; usage in the finish chunk', async () => {
    const m = marker('together-sse');
    const model = 'meta-llama/Llama-3.3-70B-Instruct-Turbo';
    const run = await node('openai-providers.mjs', { baseURL: `https://api.together.xyz:${tlsServer.port}/v1`, model, marker: m, stream: true }, { OPENAI_API_KEY: TOGETHER_KEY });
    const text = reply('Together', m);
    assert.equal(JSON.parse(run.stdout).text, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      `chat ${model}`,
      { ...chatRequest('together_ai', model, m, true), 'gen_ai.response.id': `together-${m}`, 'gen_ai.response.model': model, ...USAGE_19_8, ...chatText(text) },
      transport('api.together.xyz', '/v1/chat/completions', run.pid),
    );
  });
});

describe('OpenAI Responses API: the openai client → api.openai.com/v1/responses', () => {
  const transport = (pid: number): Transport => ({ host: 'api.openai.com', port: tlsServer.port, path: '/v1/responses', protocol: '1.1', library: 'openssl', pid, exe: NODE_EXE });
  const request = (m: string, stream: boolean): Record<string, unknown> => ({
    'gen_ai.provider.name': 'openai',
    'gen_ai.operation.name': 'chat',
    'openai.api.type': 'responses',
    'osprey.stream': stream,
    'gen_ai.request.model': 'gpt-4.1',
    'gen_ai.request.max_tokens': 200,
    'gen_ai.system_instructions': [{ type: 'text', content: 'You answer weather questions.' }],
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Will it rain in Paris this week? [${m}]` }] }],
    'gen_ai.response.id': `resp_${m}`,
    'gen_ai.response.model': 'gpt-4.1-2024-07-18',
    'gen_ai.usage.input_tokens': 40,
    'gen_ai.usage.output_tokens': 14,
    'gen_ai.usage.cache_read.input_tokens': 16,
    'gen_ai.response.finish_reasons': ['completed'],
  });

  test('responses.create, non-streaming', async () => {
    const m = marker('responses');
    const run = await node('openai-providers.mjs', { api: 'responses', baseURL: `https://api.openai.com:${tlsServer.port}/v1`, model: 'gpt-4.1', marker: m }, KEYS);
    const text = reply('OpenAI', m);
    assert.equal(JSON.parse(run.stdout).output_text, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt-4.1',
      { ...request(m, false), 'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }] },
      transport(run.pid),
    );
  });

  test('responses.create stream: named events; a function_call item with argument deltas', async () => {
    const m = marker('responses-sse');
    const run = await node('openai-providers.mjs', { api: 'responses', baseURL: `https://api.openai.com:${tlsServer.port}/v1`, model: 'gpt-4.1', marker: m, stream: true, tools: true }, KEYS);
    const sdk = JSON.parse(run.stdout);
    assert.deepEqual(sdk.events, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat gpt-4.1',
      {
        ...request(m, true),
        'gen_ai.tool.definitions': [
          {
            type: 'function',
            name: 'get_forecast',
            description: 'Forecast for the next days.',
            parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false },
            strict: true,
          },
        ],
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'tool_call', id: `call_${m}`, name: 'get_forecast', arguments: TOOL_ARGS }], finish_reason: 'tool_call' }],
      },
      transport(run.pid),
    );
  });
});

describe('Ollama: plaintext HTTP on a watched port, declared as an ollama endpoint in the agent config', () => {
  const url = (path: string): string => `http://localhost:${plainServer.port}${path}`;
  const transport = (path: string, pid: number, exe: RegExp): Transport => ({ host: 'localhost', port: plainServer.port, path, protocol: '1.1', library: 'none', pid, exe });
  const ollama = { 'gen_ai.provider.name': 'ollama', 'osprey.endpoint.name': 'local-ollama' };
  const counts = { 'gen_ai.usage.input_tokens': 26, 'gen_ai.usage.output_tokens': 10 };

  test('curl /api/chat: NDJSON stream (stream defaults to true)', async () => {
    const m = marker('ollama-chat');
    const body = { model: 'llama3.2', messages: [{ role: 'user', content: `Why is the sky blue? [${m}]` }], options: { temperature: 0.7, top_p: 0.9, num_predict: 64 } };
    const run = await client('curl', ['-sS', '--fail', '-N', url('/api/chat'), '-d', JSON.stringify(body)]);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: { content: string }; done: boolean });
    const text = reply('Ollama', m);
    assert.equal(lines.map((l) => l.message.content).join(''), text);
    assert.equal(lines.at(-1)?.done, true);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat llama3.2',
      {
        ...ollama,
        'gen_ai.operation.name': 'chat',
        'osprey.stream': true,
        'gen_ai.request.model': 'llama3.2',
        'gen_ai.request.temperature': 0.7,
        'gen_ai.request.top_p': 0.9,
        'gen_ai.request.max_tokens': 64,
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Why is the sky blue? [${m}]` }] }],
        'gen_ai.response.model': 'llama3.2',
        ...counts,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['stop'],
      },
      transport('/api/chat', run.pid, /\/curl$/),
    );
  });

  test('curl /api/chat, stream: false, with tools: a tool call with object arguments answered with done_reason stop', async () => {
    const m = marker('ollama-tool');
    const tools = [{ type: 'function', function: { name: 'get_forecast', description: 'Forecast for the next days.', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } } } }];
    const body = { model: 'qwen3:8b', stream: false, tools, messages: [{ role: 'user', content: `Weather in Paris? [${m}]` }] };
    const run = await client('curl', ['-sS', '--fail', url('/api/chat'), '-d', JSON.stringify(body)]);
    assert.deepEqual(JSON.parse(run.stdout).message.tool_calls, [{ function: { name: 'get_forecast', arguments: TOOL_ARGS } }]);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat qwen3:8b',
      {
        ...ollama,
        'gen_ai.operation.name': 'chat',
        'osprey.stream': false,
        'gen_ai.request.model': 'qwen3:8b',
        'gen_ai.tool.definitions': tools,
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Weather in Paris? [${m}]` }] }],
        'gen_ai.response.model': 'qwen3:8b',
        ...counts,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'tool_call', id: null, name: 'get_forecast', arguments: TOOL_ARGS }], finish_reason: 'tool_call' }],
        'gen_ai.response.finish_reasons': ['stop'],
      },
      transport('/api/chat', run.pid, /\/curl$/),
    );
  });

  test('curl /api/generate: NDJSON `response` fragments; system prompt', async () => {
    const m = marker('ollama-generate');
    const body = { model: 'codellama:7b', system: 'You write shell one-liners.', prompt: `Count the open TCP sockets [${m}]`, options: { temperature: 0.1 } };
    const run = await client('curl', ['-sS', '--fail', '-N', url('/api/generate'), '-d', JSON.stringify(body)]);
    const text = reply('Ollama', m);
    assert.equal(run.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { response: string }).response).join(''), text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'text_completion codellama:7b',
      {
        ...ollama,
        'gen_ai.operation.name': 'text_completion',
        'osprey.stream': true,
        'gen_ai.request.model': 'codellama:7b',
        'gen_ai.request.temperature': 0.1,
        'gen_ai.system_instructions': [{ type: 'text', content: 'You write shell one-liners.' }],
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Count the open TCP sockets [${m}]` }] }],
        'gen_ai.response.model': 'codellama:7b',
        ...counts,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['stop'],
      },
      transport('/api/generate', run.pid, /\/curl$/),
    );
  });

  test('Python http.client → /v1/chat/completions (OpenAI-compatible), streaming with include_usage', async () => {
    const m = marker('ollama-v1');
    const body = { model: 'llama3.2', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `ping [${m}]` }] };
    const run = await client('python3', [join(CLIENTS, 'http_post.py'), JSON.stringify({ url: url('/v1/chat/completions'), body })]);
    const text = reply('Ollama', m);
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('data: {')).length, 11, 'role, 8 words, finish, usage');
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat llama3.2',
      {
        ...ollama,
        'gen_ai.operation.name': 'chat',
        'osprey.stream': true,
        'gen_ai.request.model': 'llama3.2',
        'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `ping [${m}]` }] }],
        'gen_ai.response.id': `chatcmpl-${m}`,
        'gen_ai.response.model': 'llama3.2',
        ...USAGE_19_8,
        ...chatText(text),
      },
      transport('/v1/chat/completions', run.pid, /python3/),
    );
  });
});

describe('Cohere v2 chat → api.cohere.com', () => {
  const chatUrl = (): string => `https://api.cohere.com:${tlsServer.port}/v2/chat`;
  const base = (m: string, stream: boolean): Record<string, unknown> => ({
    'gen_ai.provider.name': 'cohere',
    'gen_ai.operation.name': 'chat',
    'osprey.stream': stream,
    'gen_ai.request.model': 'command-a-03-2025',
    'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: `Is it cold in Paris? [${m}]` }] }],
    'gen_ai.response.id': `cohere-${m}`,
    // usage.tokens (what the model read and wrote), not billed_units (7 in).
    'gen_ai.usage.input_tokens': 73,
    'gen_ai.usage.output_tokens': 12,
  });
  const transport = (pid: number, exe: RegExp, protocol: '1.1' | '2'): Transport => ({ host: 'api.cohere.com', port: tlsServer.port, path: '/v2/chat', protocol, library: 'openssl', pid, exe });
  // curl's default: HTTP/2, negotiated by ALPN.
  const curl = (body: object): string[] => [
    '-sS',
    '--fail',
    '-N',
    '--cacert',
    pki.caCertPath,
    chatUrl(),
    '-H',
    `Authorization: Bearer ${KEYS.CO_API_KEY}`,
    '-H',
    'content-type: application/json',
    '-d',
    JSON.stringify(body),
  ];

  test('curl over HTTP/2 (its default, by ALPN), non-streaming; the key on its command line is redacted', async () => {
    const m = marker('cohere');
    const run = await client('curl', curl({ model: 'command-a-03-2025', temperature: 0.3, p: 0.75, max_tokens: 80, messages: [{ role: 'user', content: `Is it cold in Paris? [${m}]` }] }));
    const text = reply('Command A', m);
    assert.equal(JSON.parse(run.stdout).message.content[0].text, text);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat command-a-03-2025',
      {
        ...base(m, false),
        'gen_ai.request.temperature': 0.3,
        'gen_ai.request.top_p': 0.75,
        'gen_ai.request.max_tokens': 80,
        'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }],
        'gen_ai.response.finish_reasons': ['COMPLETE'],
      },
      transport(run.pid, /\/curl$/, '2'),
    );
    // curl's command line carried the key; the record keeps the scheme only.
    assert.match(String(r.attributes['process.command_line']), /Authorization: Bearer \[REDACTED\]/);
  });

  test('curl over HTTP/2, streaming tool call: tool-plan-delta and tool-call-delta events', async () => {
    const m = marker('cohere-tool');
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city.', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } } } }];
    const run = await client('curl', curl({ model: 'command-a-03-2025', stream: true, tools, messages: [{ role: 'user', content: `Is it cold in Paris? [${m}]` }] }));
    assert.match(run.stdout, /^event: message-end$/m);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat command-a-03-2025',
      {
        ...base(m, true),
        'gen_ai.tool.definitions': tools,
        'gen_ai.output.messages': [
          {
            role: 'assistant',
            parts: [
              { type: 'reasoning', content: 'I will call get_weather to answer this.' },
              { type: 'tool_call', id: `get_weather_${m}`, name: 'get_weather', arguments: TOOL_ARGS },
            ],
            finish_reason: 'tool_call',
          },
        ],
        'gen_ai.response.finish_reasons': ['TOOL_CALL'],
      },
      transport(run.pid, /\/curl$/, '2'),
    );
  });

  test('Python http.client (HTTP/1.1), streaming text: content-delta events', async () => {
    const m = marker('cohere-py');
    const body = { model: 'command-a-03-2025', stream: true, messages: [{ role: 'user', content: `Is it cold in Paris? [${m}]` }] };
    const spec = { url: chatUrl(), cafile: pki.caCertPath, bearer_env: 'CO_API_KEY', body };
    const run = await client('python3', [join(CLIENTS, 'http_post.py'), JSON.stringify(spec)], KEYS);
    assert.equal((run.stdout.match(/^event: content-delta$/gm) ?? []).length, 9);
    const text = reply('Command A', m);
    const r = await recordFor(m);
    assertRecord(
      r,
      'chat command-a-03-2025',
      { ...base(m, true), 'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }], 'gen_ai.response.finish_reasons': ['COMPLETE'] },
      transport(run.pid, /python3/, '1.1'),
    );
  });
});

describe('secrets', () => {
  test('no API key of any provider appears in any record', async () => {
    const text = readFileSync(agent.jsonlPath, 'utf8');
    assert.ok(text.length > 0);
    assert.doesNotMatch(text, /SECRET/);
    assert.ok(!text.includes(AZURE_HEX_KEY), 'the Azure key given to curl');
    assert.doesNotMatch(text, /Bearer (?!\[REDACTED\])/);
  });
});

describe('HTTP/2: Node http2 client, 4 concurrent streams on one connection', () => {
  test('each stream is its own exact record', async () => {
    const markers = [0, 1, 2, 3].map(() => marker('h2'));
    const stream = [true, false, true, false];
    const run = await node('node-http2.mjs', { origin: `https://api.openai.com:${tlsServer.port}`, model: 'gpt-4o-mini', markers, stream }, KEYS);
    assert.deepEqual(JSON.parse(run.stdout), { streams: 4 });
    for (const [i, m] of markers.entries()) {
      const r = await recordFor(m);
      const a = r.attributes;
      assert.equal(a['network.protocol.version'], '2');
      assert.equal(a['osprey.stream'], stream[i]);
      assert.equal(a['gen_ai.provider.name'], 'openai');
      assert.equal(a['gen_ai.request.model'], 'gpt-4o-mini');
      assert.deepEqual(a['gen_ai.output.messages'], [{ role: 'assistant', parts: [{ type: 'text', content: reply('OpenAI', m) }], finish_reason: 'stop' }]);
      assert.equal(typeof a['gen_ai.usage.input_tokens'], 'number');
      assert.equal(a['process.pid'], run.pid);
      assert.equal(a['osprey.warnings'], undefined);
    }
  });
});
