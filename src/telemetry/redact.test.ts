import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { HeaderList } from '../protocols/types.js';
import { redactHeaders, redactSecretsInText, redactUrl } from './redact.js';

test('redactHeaders: credentials masked, the auth scheme and org/project ids kept', () => {
  const headers: HeaderList = [
    ['host', 'api.openai.com'],
    ['authorization', 'Bearer sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr678'],
    ['proxy-authorization', 'Basic dXNlcjpwYXNz'],
    ['x-api-key', 'sk-ant-api03-secret'],
    ['api-key', 'azure-key-value'],
    ['x-goog-api-key', 'AIzaSyA-1234567890abcdefghijklmnopqrstu'],
    ['cookie', '__cf_bm=abc; _cfuvid=def'],
    ['set-cookie', '__cf_bm=xyz; path=/; HttpOnly'],
    ['openai-organization', 'org-5kXv2QbT9RmWc1LzH8yJnP3d'],
    ['openai-project', 'proj_Qm3HcLkU7B1dTz9v'],
    ['authorization', 'opaque-token-without-scheme'],
  ];
  assert.deepEqual(redactHeaders(headers), [
    ['host', 'api.openai.com'],
    ['authorization', 'Bearer [REDACTED]'],
    ['proxy-authorization', 'Basic [REDACTED]'],
    ['x-api-key', '[REDACTED]'],
    ['api-key', '[REDACTED]'],
    ['x-goog-api-key', '[REDACTED]'],
    ['cookie', '[REDACTED]'],
    ['set-cookie', '[REDACTED]'],
    ['openai-organization', 'org-5kXv2QbT9RmWc1LzH8yJnP3d'],
    ['openai-project', 'proj_Qm3HcLkU7B1dTz9v'],
    ['authorization', '[REDACTED]'],
  ]);
});

test('redactHeaders: a list without secrets is returned as is, not copied', () => {
  const headers: HeaderList = [
    ['content-type', 'application/json'],
    ['user-agent', 'OpenAI/Python 1.99.0'],
  ];
  assert.equal(redactHeaders(headers), headers);
});

test('redactUrl: secret-looking query values masked, every other byte kept', () => {
  assert.equal(
    redactUrl('/v1beta/models/gemini-2.0-flash:generateContent?key=AIzaSyA-123&alt=sse'),
    '/v1beta/models/gemini-2.0-flash:generateContent?key=[REDACTED]&alt=sse',
  );
  assert.equal(
    redactUrl('/x?api_key=a&APIKEY=b&access_token=c&token=d&sig=e&Signature=f&secret=g&password=h&x-goog-api-key=i&n=%20+1'),
    '/x?api_key=[REDACTED]&APIKEY=[REDACTED]&access_token=[REDACTED]&token=[REDACTED]&sig=[REDACTED]&Signature=[REDACTED]&secret=[REDACTED]&password=[REDACTED]&x-goog-api-key=[REDACTED]&n=%20+1',
  );
  assert.equal(
    redactUrl('/b/o.bin?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=ab12&client_secret=s#frag'),
    '/b/o.bin?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&client_secret=[REDACTED]#frag',
  );
  assert.equal(redactUrl('/x?api%5Fkey=a'), '/x?api%5Fkey=[REDACTED]');
});

test('redactUrl: targets without secrets come back identical, including odd ones', () => {
  for (const target of [
    '/v1/chat/completions',
    '/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21',
    '/x?monkey=1&keys=2&key&=3&&%zz=4',
    '/x?',
  ]) {
    assert.equal(redactUrl(target), target);
  }
});

const OPENAI_LEGACY = 'sk-' + 'T3BlbkFJ'.repeat(6);
const OPENAI_PROJECT = 'sk-proj-' + 'Ab3_Cd4-Ef5'.repeat(14);
const ANTHROPIC = 'sk-ant-api03-' + 'Xy9-Zw8_Vu7'.repeat(8) + 'AA';
const GOOGLE = 'AIzaSyD' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6'.slice(0, 32);
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const GITHUB = 'ghp_' + 'a1B2c3D4e5'.repeat(3) + 'F6g7H8';
const GITHUB_PAT = 'github_pat_11ABCDEFG0_' + 'x'.repeat(59);
const SLACK = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp';

test('redactSecretsInText: well-known key formats masked where they appear', () => {
  for (const key of [OPENAI_LEGACY, OPENAI_PROJECT, ANTHROPIC, GOOGLE, AWS, GITHUB, GITHUB_PAT, SLACK]) {
    assert.equal(redactSecretsInText(`key ${key} was rejected`), 'key [REDACTED] was rejected', key);
  }
  assert.equal(redactSecretsInText(`/v1/keys/${OPENAI_LEGACY}/usage`), '/v1/keys/[REDACTED]/usage');
});

test('redactSecretsInText: the half-masked key OpenAI quotes in 401 messages goes whole', () => {
  assert.equal(
    redactSecretsInText(`Incorrect API key provided: sk-proj-${'*'.repeat(140)}Wx3Q. You can find your API key at https://platform.openai.com/account/api-keys.`),
    'Incorrect API key provided: [REDACTED]. You can find your API key at https://platform.openai.com/account/api-keys.',
  );
});

test('redactSecretsInText: Bearer tokens keep the scheme', () => {
  assert.equal(redactSecretsInText('sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo'), 'sent Authorization: Bearer [REDACTED]');
  assert.equal(redactSecretsInText(`bearer ${OPENAI_LEGACY}`), 'bearer [REDACTED]');
});

test('redactSecretsInText: ordinary text is left alone', () => {
  for (const text of [
    'Rate limit reached for gpt-4o-mini in organization org-5kXv2QbT9RmWc1LzH8yJnP3d on requests per min (RPM)',
    'install scikit-learn; the task-force met; sk-short',
    '/v1/chat/completions',
    'AKIA is a prefix',
  ]) {
    assert.equal(redactSecretsInText(text), text);
  }
});

test('property: redaction is idempotent and never reveals an embedded key', () => {
  const keys = fc.constantFrom(OPENAI_LEGACY, OPENAI_PROJECT, ANTHROPIC, GOOGLE, AWS, GITHUB, GITHUB_PAT, SLACK);
  const sep = fc.constantFrom(' ', '\n', ': ', '"', '(', '/');
  fc.assert(
    fc.property(fc.string(), sep, keys, sep, fc.string(), (before, s1, key, s2, after) => {
      const once = redactSecretsInText(before + s1 + key + s2 + after);
      assert.ok(!once.includes(key));
      assert.equal(redactSecretsInText(once), once);
    }),
    { seed: 42, numRuns: 300 },
  );
});

test('redactSecretsInText: credentials named by a header, a flag or a variable, whatever their format', () => {
  const cases: Array<[string, string]> = [
    ['curl -H api-key: 5f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e https://x', 'curl -H api-key: [REDACTED] https://x'],
    ['curl -H "x-api-key:abc123" -H "Content-Type: application/json"', 'curl -H "x-api-key:[REDACTED]" -H "Content-Type: application/json"'],
    ['curl -H Authorization: Basic dXNlcjpwYXNz', 'curl -H Authorization: Basic [REDACTED]'],
    ['curl -H Authorization: Bearer abc.def', 'curl -H Authorization: Bearer [REDACTED]'],
    ['python agent.py --api-key 9f8e7d6c --model gpt-4o', 'python agent.py --api-key [REDACTED] --model gpt-4o'],
    ['node bot.js --token=tok_live_123 --verbose', 'node bot.js --token=[REDACTED] --verbose'],
    ['env OPENAI_API_KEY=abc123 AZURE_OPENAI_KEY=zzz python app.py', 'env OPENAI_API_KEY=[REDACTED] AZURE_OPENAI_KEY=[REDACTED] python app.py'],
    ['python agent.py --model gpt-4o --max-tokens 64', 'python agent.py --model gpt-4o --max-tokens 64'],
    ['the api-key header was missing', 'the api-key header was missing'],
  ];
  for (const [input, expected] of cases) assert.equal(redactSecretsInText(input), expected, input);
});
