/**
 * Inputs built to make a scanner go quadratic or backtrack: repeated triggers, openers without
 * closers, separators without values. Each must scan in time linear in its size; the bound is
 * loose on purpose (a quadratic case takes minutes at this size, a linear one well under a second).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGuardrailsConfig } from './config.js';
import { scanText } from './scan.js';
import { createStreamScanner } from './stream.js';

const SIZE = 128 * 1024;
const CONFIG = parseGuardrailsConfig({ detectors: { ip_address: true }, custom: [{ name: 'x', pattern: '(a+)+b' }] });

function rep(unit: string): string {
  return unit.repeat(Math.ceil(SIZE / unit.length));
}

const CASES: Record<string, string> = {
  'trigger words': rep('ignore '),
  'comment openers': rep('<!-- ai '),
  'PEM headers without END': rep('-----BEGIN RSA PRIVATE KEY-----\n'),
  'at signs': rep('a@'),
  'domains without locals': rep('@a.b.c.d.e.f.g.h'),
  'digit groups': rep('12-'),
  'plus signs': rep('+1 '),
  'JWT openers': rep('eyJhbGciOiJub25lIn0.'),
  'one long key-like token': 'sk-' + 'a'.repeat(SIZE),
  'one long digit run': '4'.repeat(SIZE),
  'AWS keyword without value': rep('aws_secret_access_key = '),
  'markdown headers': rep('## '),
  'role tags': rep('<system '),
  'role prefixes': rep('system: '),
  'unicode tags': rep('\udb40\udc41'),
  'zero-width': rep('a\u200b'),
  'IBAN prefixes': rep('DE89 '),
  'encoded payloads': rep('SGVsbG8gd29ybGQgaWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM= '),
  'code fences': rep('``` ignore previous instructions '),
  'custom pattern backtracking bait': rep('a') + '!',
};

test('adversarial inputs scan in linear time', () => {
  for (const [name, text] of Object.entries(CASES)) {
    const t0 = performance.now();
    scanText(text, CONFIG, { direction: 'input', role: 'tool' });
    const ms = performance.now() - t0;
    assert.ok(ms < 4000, `${name}: ${ms.toFixed(0)} ms for ${text.length} characters`);
  }
});

test('adversarial input through the stream scanner', () => {
  const s = createStreamScanner(CONFIG);
  const text = CASES['trigger words']!;
  const t0 = performance.now();
  for (let i = 0; i < text.length; i += 7) s.push(text.slice(i, i + 7));
  s.end();
  assert.ok(performance.now() - t0 < 8000);
});
