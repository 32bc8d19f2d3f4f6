import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { caseExchange } from '../../test/fixtures/llm/case.js';
import { anthropicMessagesSseExpected } from '../../test/fixtures/anthropic/cases.js';
import { openaiChatExpected } from '../../test/fixtures/openai/cases.js';
import { ollamaChatNdjsonExpected } from '../../test/fixtures/ollama/cases.js';
import { EndpointConfigError, parseEndpointsConfig } from './endpoints.js';
import { createAdapterRegistry } from './registry.js';
import { routeOf } from './route.js';

const YAML = `
endpoints:
  - name: litellm
    match: litellm.internal:4000
    api: openai
    provider: litellm
  - name: vllm
    match: http://10.0.3.7:8000/v1/
    api: openai
  - name: claude-gw
    match: "*.gw.corp.example/anthropic"
    api: anthropic
  - name: ollama-gpu
    match: gpu-box:9000
    api: ollama
  - name: gemini-proxy
    match: "[::1]:8443/google"
    api: gemini
  - name: cohere-proxy
    match: "*:7000"
    api: cohere
`;

test('parseEndpointsConfig: the endpoints section of the agent YAML', () => {
  const endpoints = parseEndpointsConfig((parseYaml(YAML) as { endpoints: unknown }).endpoints);
  assert.deepEqual(endpoints, [
    { name: 'litellm', match: 'litellm.internal:4000', host: 'litellm.internal', port: 4000, pathPrefix: '', api: 'openai', provider: 'litellm' },
    { name: 'vllm', match: 'http://10.0.3.7:8000/v1/', host: '10.0.3.7', port: 8000, pathPrefix: '/v1', api: 'openai', provider: 'openai' },
    { name: 'claude-gw', match: '*.gw.corp.example/anthropic', host: '*.gw.corp.example', port: null, pathPrefix: '/anthropic', api: 'anthropic', provider: 'anthropic' },
    { name: 'ollama-gpu', match: 'gpu-box:9000', host: 'gpu-box', port: 9000, pathPrefix: '', api: 'ollama', provider: 'ollama' },
    { name: 'gemini-proxy', match: '[::1]:8443/google', host: '[::1]', port: 8443, pathPrefix: '/google', api: 'gemini', provider: 'gcp.gemini' },
    { name: 'cohere-proxy', match: '*:7000', host: '*', port: 7000, pathPrefix: '', api: 'cohere', provider: 'cohere' },
  ]);
  assert.deepEqual(parseEndpointsConfig(undefined), []);
  assert.deepEqual(parseEndpointsConfig(null), []);
});

function configError(raw: unknown): EndpointConfigError {
  try {
    parseEndpointsConfig(raw);
  } catch (err) {
    assert.ok(err instanceof EndpointConfigError, String(err));
    return err;
  }
  assert.fail('expected an EndpointConfigError');
}

test('parseEndpointsConfig: errors name the entry and the field, with a stable code', () => {
  const cases: Array<[unknown, string, string, RegExp]> = [
    [{ name: 'x' }, '*', 'endpoints', /must be a list/],
    [['litellm'], '#0', 'entry', /must be a mapping/],
    [[{ match: 'h', api: 'openai' }], '#0', 'name', /non-empty string/],
    [[{ name: 'gw', match: 'h', api: 'bedrock' }], 'gw', 'api', /one of openai, anthropic, ollama, gemini, cohere/],
    [[{ name: 'gw', api: 'openai' }], 'gw', 'match', /must be a string/],
    [[{ name: 'gw', match: 'h:99999', api: 'openai' }], 'gw', 'match', /port 99999 is out of range/],
    [[{ name: 'gw', match: 'h:0', api: 'openai' }], 'gw', 'match', /out of range/],
    [[{ name: 'gw', match: 'bad host/x', api: 'openai' }], 'gw', 'match', /not host\[:port\]\[\/path-prefix\]/],
    [[{ name: 'gw', match: 'h/v1?x=1', api: 'openai' }], 'gw', 'match', /query or fragment/],
    [[{ name: 'gw', match: 'h', api: 'openai', provider: '' }], 'gw', 'provider', /non-empty/],
    [[{ name: 'gw', match: 'h', api: 'openai', provier: 'x' }], 'gw', 'provier', /unknown field/],
    [
      [
        { name: 'gw', match: 'a', api: 'openai' },
        { name: 'gw', match: 'b', api: 'openai' },
      ],
      'gw',
      'name',
      /earlier entry/,
    ],
  ];
  for (const [raw, entry, field, message] of cases) {
    const err = configError(raw);
    assert.equal(err.code, 'OSP_ERR_CONFIG_ENDPOINT');
    assert.equal(err.entry, entry, JSON.stringify(raw));
    assert.equal(err.field, field, JSON.stringify(raw));
    assert.match(err.message, message);
    assert.ok(err.message.startsWith(`config endpoints[${entry}].${field}: `), err.message);
  }
});

test('endpoint adapters read their API below the prefix and name the endpoint on the record', () => {
  const registry = createAdapterRegistry(parseEndpointsConfig((parseYaml(YAML) as { endpoints: unknown }).endpoints));

  const chat = openaiChatExpected();
  const viaLitellm = caseExchange({ ...chat, route: { serverName: 'litellm.internal', serverPort: 4000, target: '/chat/completions' } });
  const got = registry.find(routeOf(viaLitellm))!.extract(viaLitellm);
  assert.deepEqual(got.attributes, { ...chat.expected.attributes, 'gen_ai.provider.name': 'litellm', 'osprey.endpoint.name': 'litellm' });

  const claude = anthropicMessagesSseExpected();
  const viaGateway = caseExchange({ ...claude, route: { serverName: 'eu.gw.corp.example', serverPort: 443, target: '/anthropic/v1/messages' } });
  assert.deepEqual(registry.find(routeOf(viaGateway))!.extract(viaGateway).attributes, {
    ...claude.expected.attributes,
    'osprey.endpoint.name': 'claude-gw',
  });

  const ollama = ollamaChatNdjsonExpected();
  const onOtherPort = caseExchange({ ...ollama, route: { serverName: 'gpu-box', serverPort: 9000, target: '/api/chat' } });
  assert.deepEqual(registry.find(routeOf(onOtherPort))!.extract(onOtherPort).attributes, {
    ...ollama.expected.attributes,
    'osprey.endpoint.name': 'ollama-gpu',
  });

  const route = (serverName: string, serverPort: number, path: string) => ({ serverName, serverPort, method: 'POST', path });
  assert.equal(registry.find(route('::1', 8443, '/google/v1beta/models/gemini-2.5-flash:generateContent'))?.provider, 'gcp.gemini');
  assert.equal(registry.find(route('[::1]', 8443, '/google/v1beta/models/gemini-2.5-flash:streamGenerateContent'))?.provider, 'gcp.gemini');
  assert.equal(registry.find(route('[::1]', 8443, '/v1beta/models/gemini-2.5-flash:generateContent')), undefined);
  assert.equal(registry.find(route('anything', 7000, '/v2/chat'))?.provider, 'cohere');
  assert.equal(registry.find(route('gw.corp.example', 443, '/anthropic/v1/messages')), undefined, '*.suffix needs a label before it');
});
