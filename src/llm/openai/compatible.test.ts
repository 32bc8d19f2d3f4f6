import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWarnings, caseExchange } from '../../../test/fixtures/llm/case.js';
import { openaiChatSseUsageExpected, openaiChatToolsExpected } from '../../../test/fixtures/openai/cases.js';
import { findAdapter } from '../registry.js';
import { routeOf } from '../route.js';
import { OPENAI_COMPATIBLE_HOSTS } from './compatible.js';

test('OpenAI-compatible hosts read OpenAI chat bodies, JSON and SSE, under their own provider name', () => {
  for (const { provider, hosts, bases } of OPENAI_COMPATIBLE_HOSTS) {
    for (const host of hosts) {
      for (const base of bases) {
        for (const c of [openaiChatToolsExpected(), openaiChatSseUsageExpected()]) {
          const exchange = caseExchange({ ...c, route: { serverName: host, serverPort: 443, target: `${base}/chat/completions` } });
          const adapter = findAdapter(routeOf(exchange));
          assert.equal(adapter?.provider, provider, `${host}${base}`);
          const got = adapter!.extract(exchange);
          assert.deepEqual(got.attributes, { ...c.expected.attributes, 'gen_ai.provider.name': provider });
          assertWarnings(got.warnings, []);
        }
      }
    }
  }
});
