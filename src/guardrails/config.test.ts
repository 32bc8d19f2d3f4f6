import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_GUARDRAILS_CONFIG, parseGuardrailsConfig } from './config.js';
import { GuardrailsConfigError } from './errors.js';
import { scanText } from './scan.js';

function configError(raw: unknown): GuardrailsConfigError {
  try {
    parseGuardrailsConfig(raw);
  } catch (err) {
    assert.ok(err instanceof GuardrailsConfigError, String(err));
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

test('absent section means defaults: validated PII and secrets on, IP off, injection at 0.7', () => {
  assert.equal(parseGuardrailsConfig(undefined), DEFAULT_GUARDRAILS_CONFIG);
  assert.equal(parseGuardrailsConfig(null), DEFAULT_GUARDRAILS_CONFIG);
  const c = DEFAULT_GUARDRAILS_CONFIG;
  assert.equal(c.enabled, true);
  assert.equal(c.detectors.ip_address.enabled, false);
  assert.equal(c.detectors.payment_card.action, 'redact');
  assert.equal(c.detectors.secrets.action, 'redact');
  assert.equal(c.detectors.email.action, 'alert');
  assert.equal(c.injectionThreshold, 0.7);
  assert.equal(parseGuardrailsConfig(false).enabled, false);
});

test('the YAML section as users write it', () => {
  const raw = parseYaml(`
enabled: true
detectors:
  email: redact
  phone: { action: alert, regions: [us, GB, DE] }
  ip_address: { enabled: true, action: log }
  iban: false
  secrets: { action: block, directions: [input] }
  prompt_injection: { action: block, threshold: 0.8 }
custom:
  - name: employee-id
    pattern: 'EMP-[0-9]{6}'
    action: redact
    type: pii
    score: 0.8
  - name: project-codename
    pattern: 'project\\s+(falcon|osprey)'
    case_insensitive: true
    directions: [output]
stream: { window: 8192, scan_every: 128 }
`);
  const c = parseGuardrailsConfig(raw);
  assert.equal(c.detectors.email.action, 'redact');
  assert.deepEqual(c.phoneRegions, ['US', 'GB', 'DE']);
  assert.equal(c.detectors.ip_address.enabled, true);
  assert.equal(c.detectors.iban.enabled, false);
  assert.deepEqual([...c.detectors.secrets.directions], ['input']);
  assert.equal(c.injectionThreshold, 0.8);
  assert.equal(c.custom.length, 2);
  assert.equal(c.stream.windowChars, 8192);
  const m = scanText('badge EMP-123456 issued', c, { direction: 'input', role: 'user' });
  assert.deepEqual(
    m.map((x) => [x.detector, x.kind, x.type, x.sample]),
    [['custom', 'employee-id', 'pii', 'EM******56']],
  );
  assert.equal(scanText('Project FALCON ships', c, { direction: 'input', role: 'user' }).length, 0, 'output only');
  assert.equal(scanText('Project FALCON ships', c, { direction: 'output', role: 'assistant' })[0]?.kind, 'project-codename');
});

test('errors name the rule and the field, with a stable code', () => {
  const cases: Array<[unknown, string, string]> = [
    ['yes', 'guardrails', 'guardrails'],
    [{ detecters: {} }, 'guardrails', 'detecters'],
    [{ detectors: { credit_card: 'redact' } }, 'detectors', 'credit_card'],
    [{ detectors: { email: 'mask' } }, 'detectors.email', 'action'],
    [{ detectors: { email: { action: 'redact', colour: 'red' } } }, 'detectors.email', 'colour'],
    [{ detectors: { prompt_injection: 'redact' } }, 'detectors.prompt_injection', 'action'],
    [{ detectors: { prompt_injection: { threshold: 1.5 } } }, 'detectors.prompt_injection', 'threshold'],
    [{ detectors: { phone: { regions: ['XX'] } } }, 'detectors.phone', 'regions'],
    [{ detectors: { ssn: { directions: ['sideways'] } } }, 'detectors.ssn', 'directions'],
    [{ custom: {} }, 'custom', 'custom'],
    [{ custom: [{ pattern: 'x' }] }, 'custom[0]', 'name'],
    [{ custom: [{ name: 'a b', pattern: 'x' }] }, 'custom[0]', 'name'],
    [{ custom: [{ name: 'ok', pattern: 'x' }, { name: 'ok', pattern: 'y' }] }, 'custom[1] "ok"', 'name'],
    [{ custom: [{ name: 'emp', pattern: '' }] }, 'custom[0] "emp"', 'pattern'],
    [{ custom: [{ name: 'emp', pattern: 'EMP-(' }] }, 'custom[0] "emp"', 'pattern'],
    [{ custom: [{ name: 'lookahead', pattern: 'foo(?=bar)' }] }, 'custom[0] "lookahead"', 'pattern'],
    [{ custom: [{ name: 'backref', pattern: '(a)\\1' }] }, 'custom[0] "backref"', 'pattern'],
    [{ custom: [{ name: 'empty', pattern: 'a*' }] }, 'custom[0] "empty"', 'pattern'],
    [{ custom: [{ name: 'big', pattern: 'a'.repeat(3000) }] }, 'custom[0] "big"', 'pattern'],
    [{ custom: [{ name: 'emp', pattern: 'x', action: 'delete' }] }, 'custom[0] "emp"', 'action'],
    [{ custom: [{ name: 'emp', pattern: 'x', type: 'secretish' }] }, 'custom[0] "emp"', 'type'],
    [{ custom: [{ name: 'emp', pattern: 'x', score: 2 }] }, 'custom[0] "emp"', 'score'],
    [{ custom: [{ name: 'emp', pattern: 'x', flags: 'i' }] }, 'custom[0] "emp"', 'flags'],
    [{ stream: { window: 10 } }, 'stream', 'window'],
  ];
  for (const [raw, rule, field] of cases) {
    const err = configError(raw);
    assert.equal(err.code, 'OSP_ERR_GUARDRAILS_CONFIG', JSON.stringify(raw));
    assert.equal(err.rule, rule, JSON.stringify(raw));
    assert.equal(err.field, field, JSON.stringify(raw));
    assert.ok(err.message.includes(rule) && err.message.includes(`"${field}"`), err.message);
  }
});

test('custom patterns run in linear time: a catastrophic-backtracking pattern stays fast', () => {
  const c = parseGuardrailsConfig({ custom: [{ name: 'redos', pattern: '(a+)+$' }, { name: 'redos2', pattern: '(x+x+)+y' }] });
  const evil = 'a'.repeat(50_000) + '!' + 'x'.repeat(50_000);
  const t0 = performance.now();
  scanText(evil, c, { direction: 'input', role: 'user' });
  const ms = performance.now() - t0;
  // A backtracking engine takes longer than the age of the universe here; RE2 is linear.
  assert.ok(ms < 5000, `${ms} ms`);
  // For contrast, the same pattern in V8's engine on a much shorter input is already slow.
  const v8 = /(x+x+)+y/;
  const t1 = performance.now();
  v8.test('x'.repeat(24));
  assert.ok(performance.now() - t1 > 1, 'V8 backtracks (sanity check of the test itself)');
});

test('custom rules report every match, including adjacent ones', () => {
  const c = parseGuardrailsConfig({ custom: [{ name: 'ticket', pattern: 'T-[0-9]{3}', action: 'redact' }] });
  const m = scanText('T-001T-002 and T-003', c, { direction: 'input', role: 'user' }).filter((x) => x.detector === 'custom');
  assert.deepEqual(
    m.map((x) => [x.start, x.end]),
    [
      [0, 5],
      [5, 10],
      [15, 20],
    ],
  );
});
