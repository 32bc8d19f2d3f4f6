import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AGENT_CONFIG, loadAgentConfig, parseAgentConfig } from './agent-config.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'osprey-config-')), 'agent.yaml');
  writeFileSync(path, text);
  return path;
}

test('an empty file is the defaults', () => {
  assert.deepEqual(loadAgentConfig(file('')), DEFAULT_AGENT_CONFIG);
});

test('every section is read', () => {
  const c = loadAgentConfig(
    file(`
capture:
  plaintext_ports: [11434, 8000]
  content: truncate
  max_content_chars: 100
endpoints:
  - name: litellm
    match: litellm.internal:4000
    api: openai
guardrails:
  detectors:
    payment_card: { action: redact }
`),
  );
  assert.deepEqual(c.plaintextPorts, [11434, 8000]);
  assert.deepEqual(c.content, { mode: 'truncate', maxChars: 100 });
  assert.equal(c.endpoints[0]?.name, 'litellm');
  assert.equal(c.endpoints[0]?.port, 4000);
  assert.equal(c.guardrails.detectors.payment_card.action, 'redact');
});

test('errors name the file and the field, and say what is allowed', () => {
  const cases: Array<[string, RegExp]> = [
    ['captur: {}', /agent\.yaml: captur: unknown section; known sections are capture, endpoints, guardrails/],
    ['capture: { plaintext_ports: [0] }', /capture\.plaintext_ports: must be a list of ports 1-65535/],
    ['capture: { content: partial }', /capture\.content: must be full, off or truncate/],
    ['capture: { content: full, max_content_chars: 5 }', /capture\.max_content_chars: only applies with content: truncate/],
    ['capture: { colour: red }', /capture\.colour: unknown field/],
    ['endpoints: [{ name: x, match: "a:1", api: soap }]', /agent\.yaml: .*endpoints\[x\]\.api/],
    ['guardrails: { custom: [{ name: r, pattern: "(" }] }', /agent\.yaml: guardrails: rule .*r/],
    ['capture: [1', /agent\.yaml: line \d+: not valid YAML/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => loadAgentConfig(file(text)), (e: Error) => {
      assert.match(e.message, expected, text);
      return true;
    });
  }
});

test('a missing file is a clear error', () => {
  assert.throws(() => loadAgentConfig('/nonexistent/osprey.yaml'), /\/nonexistent\/osprey\.yaml: \(file\): cannot read it/);
});

test('a document that is not a table is refused', () => {
  assert.throws(() => parseAgentConfig([1, 2], 'x.yaml'), /x\.yaml: \(top level\): must be a table/);
});
