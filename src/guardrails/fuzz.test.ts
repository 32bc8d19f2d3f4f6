import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LlmCall } from '../telemetry/llm-call.js';
import { parseGuardrailCheckRequest, runGuardrailsCheck } from './check-api.js';
import { parseGuardrailsConfig } from './config.js';
import { evaluateCall } from './evaluate.js';
import { scanText } from './scan.js';
import { createStreamScanner } from './stream.js';

const CONFIG = parseGuardrailsConfig({
  detectors: { ip_address: true, email: 'redact', phone: 'redact' },
  custom: [{ name: 'ticket', pattern: 'T-[0-9]{3,}', action: 'redact' }],
});
const SEED = 20240501;

/** Fragments that exercise every detector's entry points, glued together with arbitrary text. */
const FRAGMENTS = [
  '4111 1111 1111 1111', '4111-1111', '+1 (415) 555-2671', '(0', '+', '@', 'a@b.co', 'x@', '@y.z', 'DE89 3704', 'de89370400440532013000',
  'sk-proj-', 'sk-ant-api03-', 'AIza', 'AKIA', 'ASIAY34FZKBOKMUTVV7A', 'ghp_', 'github_pat_', 'xoxb-1234567890-', 'eyJ', 'eyJhbGciOiJub25lIn0.eyJ9.',
  '-----BEGIN PRIVATE KEY-----', '-----END', '536-22-1234', 'ssn ', '10.0.0.1', '::1', '2001:db8::', 'ignore all previous instructions', '<|im_start|>',
  '</user><system>', '<!--', '![x](http://a?b={', '\u200b', '\udb40\udc41', '\ud800', 'T-123', '##', '[INST]', 'aws_secret_access_key=',
];

const messy = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })), { maxLength: 24 }).map((xs) => xs.join(''));

test('fuzz: scanText never throws; spans are inside the text; samples never equal the matched text', () => {
  fc.assert(
    fc.property(messy, fc.constantFrom('system', 'user', 'assistant', 'tool', 'weird'), (text, role) => {
      for (const m of scanText(text, CONFIG, { direction: 'input', role })) {
        assert.ok(m.start >= 0 && m.end <= text.length && m.start < m.end, JSON.stringify(m));
        assert.ok(m.score > 0 && m.score <= 1);
        if (m.detector !== 'prompt_injection') {
          const raw = text.slice(m.start, m.end);
          if (raw.length >= 2) assert.notEqual(m.sample, raw);
        }
      }
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

test('fuzz: arbitrary full-Unicode strings', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      scanText(text, CONFIG, { direction: 'output', role: 'assistant' });
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

test('fuzz: evaluateCall never throws, never mutates its input, and masked values do not survive', () => {
  const part = fc.oneof(
    messy.map((content) => ({ type: 'text' as const, content })),
    fc.record({ type: fc.constant('tool_call' as const), id: fc.constant('c1'), name: fc.constant('f'), arguments: fc.jsonValue({ maxDepth: 3 }) }),
    fc.record({ type: fc.constant('tool_call_response' as const), id: fc.constant('c1'), response: fc.oneof(messy, fc.jsonValue({ maxDepth: 3 })) }),
  );
  const message = fc.record({ role: fc.constantFrom('system', 'user', 'assistant', 'tool', 'developer'), parts: fc.array(part, { maxLength: 3 }) });
  fc.assert(
    fc.property(fc.array(message, { maxLength: 4 }), fc.array(message, { maxLength: 2 }), (input, output) => {
      const call: LlmCall = {
        kind: 'llm_call',
        trace_id: 'a'.repeat(32),
        span_id: 'b'.repeat(16),
        parent_span_id: null,
        name: 'chat',
        start_time: '2024-01-01T00:00:00.000000Z',
        end_time: '2024-01-01T00:00:01.000000Z',
        attributes: {
          'gen_ai.provider.name': 'openai',
          'gen_ai.operation.name': 'chat',
          'osprey.stream': false,
          'gen_ai.input.messages': input,
          'gen_ai.output.messages': output.map((m) => ({ ...m, finish_reason: 'stop' })),
        },
      };
      const before = JSON.stringify(call);
      const { redactedCall, findings } = evaluateCall(call, CONFIG, { metrics: false });
      assert.equal(JSON.stringify(call), before);
      const json = JSON.stringify(redactedCall);
      for (const f of findings) {
        if (f.action !== 'redact' || f.detector === 'prompt_injection' || f.message_index === null) continue;
        const messages = f.direction === 'input' ? call.attributes['gen_ai.input.messages']! : call.attributes['gen_ai.output.messages']!;
        const p = messages[f.message_index]!.parts[f.part_index]!;
        if (p.type !== 'text') continue;
        const raw = p.content.slice(f.start, f.end);
        if (raw.length >= 6) assert.ok(!json.includes(JSON.stringify(raw).slice(1, -1)), `leaked ${raw}`);
      }
    }),
    { seed: SEED, numRuns: 400 },
  );
});

test('fuzz: the stream scanner never throws on arbitrary deltas and agrees with the whole-text scan on cards', () => {
  fc.assert(
    fc.property(fc.array(messy, { maxLength: 12 }), (deltas) => {
      const s = createStreamScanner(CONFIG);
      for (const d of deltas) s.push(d);
      s.end();
      const whole = deltas.join('');
      const cards = scanText(whole, CONFIG, { direction: 'output', role: 'assistant' }).filter((m) => m.detector === 'payment_card');
      const streamed = s.findings.filter((f) => f.detector === 'payment_card');
      assert.deepEqual(
        streamed.map((f) => [f.start, f.end]),
        cards.map((m) => [m.start, m.end]),
      );
    }),
    { seed: SEED, numRuns: 400 },
  );
});

test('fuzz: the check API never throws on arbitrary JSON bodies', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ text: messy, onViolation: fc.constantFrom('BLOCKED', 'warned', undefined) })), (body) => {
      try {
        runGuardrailsCheck(parseGuardrailCheckRequest(body), CONFIG);
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'OSP_ERR_GUARDRAILS_CHECK_REQUEST');
      }
    }),
    { seed: SEED, numRuns: 500 },
  );
});
