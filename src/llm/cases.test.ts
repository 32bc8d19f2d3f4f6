/**
 * Every provider's recorded fixtures, read through the default registry exactly as the pipeline
 * does: route → adapter → extraction, compared whole with the named expected objects. Streams are
 * also cut at every line boundary (a capture can end anywhere): what is read then never throws and
 * never hits the internal guard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertWarnings, caseExchange, type AdapterCase } from '../../test/fixtures/llm/case.js';
import { ANTHROPIC_CASES } from '../../test/fixtures/anthropic/cases.js';
import { AZURE_CASES } from '../../test/fixtures/azure/cases.js';
import { COHERE_CASES } from '../../test/fixtures/cohere/cases.js';
import { GEMINI_CASES } from '../../test/fixtures/gemini/cases.js';
import { OLLAMA_CASES } from '../../test/fixtures/ollama/cases.js';
import { OPENAI_CASES, OPENAI_OTHER_CASES } from '../../test/fixtures/openai/cases.js';
import { readFixture } from '../../test/helpers/fixtures.js';
import { findAdapter } from './registry.js';
import { routeOf } from './route.js';

const ALL_CASES: ReadonlyArray<() => AdapterCase> = [...OPENAI_CASES, ...OPENAI_OTHER_CASES, ...AZURE_CASES, ...ANTHROPIC_CASES, ...GEMINI_CASES, ...COHERE_CASES, ...OLLAMA_CASES];

function extract(c: AdapterCase, response?: Buffer) {
  const exchange = caseExchange(c, response);
  const adapter = findAdapter(routeOf(exchange));
  assert.ok(adapter, `no adapter for ${c.route.serverName}:${c.route.serverPort}${c.route.target}`);
  return adapter.extract(exchange);
}

for (const makeCase of ALL_CASES) {
  const c = makeCase();
  test(`fixture: ${makeCase.name} (${c.dir}/${c.responseFile})`, () => {
    const got = extract(c);
    assert.equal(got.spanName, c.expected.spanName);
    assert.deepEqual(got.attributes, c.expected.attributes);
    assertWarnings(got.warnings, c.expected.warningPrefixes);
  });
}

/** Offsets just after each LF: where a capture cut between lines (and events) would fall. */
function lineEnds(body: Buffer): number[] {
  const cuts: number[] = [];
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, i + 1)) cuts.push(i + 1);
  return cuts;
}

for (const makeCase of ALL_CASES) {
  const c = makeCase();
  if (c.status >= 400) continue;
  test(`cut at every line: ${makeCase.name}`, () => {
    const body = readFixture(c.dir, c.responseFile);
    for (const cut of [0, ...lineEnds(body), Math.floor(body.length / 2)]) {
      const got = extract(c, body.subarray(0, cut));
      assert.deepEqual(
        got.warnings.filter((w) => w.startsWith('internal:')),
        [],
        `cut at ${cut}`,
      );
      assert.equal(got.attributes['gen_ai.request.model'], c.expected.attributes['gen_ai.request.model']);
    }
  });
}
