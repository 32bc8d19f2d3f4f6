import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGuardrailsConfig } from './config.js';
import { cardIssuer, luhnValid } from './detectors/card.js';
import { ibanChecksumValid, matchIban } from './detectors/iban.js';
import { ssnValid } from './detectors/ssn.js';
import { maskCard, maskEmail, maskGeneric, maskIban, maskIp, maskPhone, maskSecret, maskSsn } from './mask.js';
import { scanText } from './scan.js';
import type { Match } from './types.js';

const ALL = parseGuardrailsConfig({ detectors: { ip_address: true, prompt_injection: false } });

function scan(text: string): Match[] {
  return scanText(text, ALL, { direction: 'input', role: 'user' });
}

function found(text: string, detector: string): Array<{ kind: string; value: string; sample: string }> {
  return scan(text)
    .filter((m) => m.detector === detector)
    .map((m) => ({ kind: m.kind, value: text.slice(m.start, m.end), sample: m.sample }));
}

function digits(s: string): number[] {
  return [...s].map(Number);
}

// ── payment cards ────────────────────────────────────────────────────────

test('card: Luhn', () => {
  assert.equal(luhnValid(digits('4111111111111111'), 16), true);
  assert.equal(luhnValid(digits('4111111111111112'), 16), false);
  assert.equal(luhnValid(digits('79927398713'), 11), true);
});

test('card: issuer prefixes and lengths', () => {
  const cases: Array<[string, string | undefined]> = [
    ['4111111111111111', 'visa'],
    ['4222222222222', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['2720990000000007', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'discover'],
    ['6221260000000000', 'discover'],
    ['3530111333300000', 'jcb'],
    ['30569309025904', 'diners'],
    ['6200000000000005', 'unionpay'],
    ['41111111111111', undefined], // Visa with 14 digits
    ['2721000000000000', undefined], // just past Mastercard's 2-series
    ['37828224631000', undefined], // Amex must be 15
    ['9111111111111111', undefined], // no issuer
  ];
  for (const [num, want] of cases) assert.equal(cardIssuer(digits(num), num.length), want, num);
});

test('card: found plain, spaced and dashed, masked as 41**********1111', () => {
  for (const text of ['pay with 4111111111111111 now', 'pay with 4111 1111 1111 1111 now', 'pay with 4111-1111-1111-1111.', 'amex 3782 822463 10005', 'card=5555555555554444&x=1']) {
    const hits = found(text, 'payment_card');
    assert.equal(hits.length, 1, text);
    assert.ok(/^\d{2}\*+\d{4}$/.test(hits[0]!.sample), hits[0]!.sample);
  }
  assert.equal(found('4111 1111 1111 1111', 'payment_card')[0]!.sample, '41**********1111');
  assert.equal(found('4111 1111 1111 1111', 'payment_card')[0]!.kind, 'visa');
});

test('card: near misses are not cards', () => {
  for (const text of [
    'order 4111111111111112', // Luhn fails
    'id 9111111111111111', // no issuer
    '4111 1111 1111 1111 1', // 17 digits
    '4111-1111 1111-1111', // mixed separators
    'x4111111111111111', // glued to a word
    '4111111111111111abc',
    'SN-4111-1111-1111-1111', // part of an identifier
    'uuid 41111111-1111-1111-1111-111111111111',
    'Card ending in 1111',
    'IMEI 490154203237518',
  ]) {
    assert.deepEqual(found(text, 'payment_card'), [], text);
  }
});

// ── SSN ──────────────────────────────────────────────────────────────────

test('ssn: issuable ranges only', () => {
  assert.equal(ssnValid(digits('536221234')), true);
  for (const bad of ['000221234', '666221234', '900221234', '999221234', '536001234', '536220000', '078051120', '219099999', '123456789']) {
    assert.equal(ssnValid(digits(bad)), false, bad);
  }
});

test('ssn: dashed anywhere, unformatted only after an SSN keyword', () => {
  assert.equal(found('My SSN is 536-22-1234.', 'ssn').length, 1);
  assert.equal(found('form says 536-22-1234', 'ssn').length, 1);
  assert.equal(found('ssn: 536221234', 'ssn').length, 1);
  assert.equal(found('ss#536221234', 'ssn').length, 1);
  assert.equal(found('Social Security Number 536 22 1234', 'ssn').length, 1);
  assert.equal(found('sample 536221234 from lab', 'ssn').length, 0);
  assert.equal(found('part 536-22-1234-B', 'ssn').length, 0);
  assert.equal(found('INV-536-22-1234', 'ssn').length, 0);
  assert.equal(found('SSN 666-22-1234', 'ssn').length, 0);
  assert.equal(found('SSN 536-22-1234', 'ssn')[0]!.sample, '***-**-1234');
});

// ── IBAN ─────────────────────────────────────────────────────────────────

test('iban: mod-97 and the country length table', () => {
  for (const ok of ['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'BE68539007547034', 'NO9386011117947']) {
    assert.equal(ibanChecksumValid(ok), true, ok);
    assert.ok(matchIban(ok, 0), ok);
  }
  assert.equal(ibanChecksumValid('DE89370400440532013001'), false);
  assert.equal(matchIban('DE8937040044053201300', 0), undefined); // 21 characters, DE needs 22
  assert.equal(matchIban('ZZ89370400440532013000', 0), undefined); // no such country
});

test('iban: grouped, compact and lower case; masked keeping country and last four', () => {
  assert.equal(found('IBAN DE89 3704 0044 0532 0130 00 thanks', 'iban').length, 1);
  assert.equal(found('iban: de89 3704 0044 0532 0130 00', 'iban').length, 1);
  assert.equal(found('GB82WEST12345698765432', 'iban')[0]!.sample, 'GB82**************5432');
  assert.equal(found('DE89 3704 0044 0532 0130 01', 'iban').length, 0);
});

// ── email ────────────────────────────────────────────────────────────────

test('email: addresses found and masked', () => {
  const hits = found('Mail JANE.DOE@Example.COM or ops+alerts@status.example.co.uk.', 'email');
  assert.deepEqual(
    hits.map((h) => h.value),
    ['JANE.DOE@Example.COM', 'ops+alerts@status.example.co.uk'],
  );
  assert.equal(hits[0]!.sample, 'J***@***.COM');
  assert.equal(found('<jane@acme-corp.engineering>', 'email').length, 1);
});

test('email: look-alikes are not addresses', () => {
  for (const text of [
    'user@localhost',
    '@channel @jane_doe',
    'lodash@4.17.21 and @types/node@20.1.0',
    'git@github.com:acme/app.git',
    'icon@2x.png',
    'a..b@example.com',
    'b.@example.com',
    'https://user:pw@example.com/x',
    '@media screen',
  ]) {
    assert.deepEqual(found(text, 'email'), [], text);
  }
});

// ── phone ────────────────────────────────────────────────────────────────

test('phone: E.164 and national formats validated against metadata', () => {
  for (const text of ['+1 415 555 2671', '(415) 555-2671', 'call 415-555-2671', '+44 20 7946 0958', 'London 020 7946 0958', '+49 30 901820', '01 42 68 53 00', '(02) 9374 4000', 'Mobile: 4155552671', '0044 20 7946 0958']) {
    assert.equal(found(text, 'phone').length, 1, text);
  }
  assert.equal(found('(415) 555-2671', 'phone')[0]!.sample, '(***) ***-**71');
});

test('phone: dates, versions, identifiers and context-free digit runs are not phones', () => {
  for (const text of [
    'on 2024-01-15',
    '15/01/2024',
    'version 10.15.7',
    'Invoice 415-555-2671 is due',
    'Invoice no. 415-555-2671',
    'Order #4155552671',
    'Call ID 4155552671 closed',
    'epoch 1712345678',
    'ISBN 978-0-306-40615-7',
    '555-123-4567', // 555 is not an area code
    'ZIP 07305-7037',
    'Product SKU 0049-3321-7765 is back', // 00 looks like an international prefix; the SKU says otherwise
  ]) {
    assert.deepEqual(found(text, 'phone'), [], text);
  }
});

// ── secrets ──────────────────────────────────────────────────────────────

const KEYS: Array<[string, string]> = [
  ['sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90T3BlbkFJUv12Wx34Yz56Ab78Cd90Ef12Gh34Ij56', 'openai_api_key'],
  ['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', 'openai_api_key'],
  [`sk-ant-api03-${'Ab3dE5fG7h'.repeat(9)}xyzAA`, 'anthropic_api_key'],
  ['AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'google_api_key'],
  ['AKIAIOSFODNN7EXAMPLE', 'aws_access_key_id'],
  ['ASIAY34FZKBOKMUTVV7A', 'aws_access_key_id'],
  ['ghp_Fake1234567890abcdefABCDEF1234567890', 'github_token'],
  [`github_pat_${'A1b2C3d4E5f6G7h8I9j0K1'}_${'a1B2c3D4e5F6g7H8i9J0'.repeat(2)}k1L2m3N4o5P6q7R8s9T`, 'github_token'],
  ['xoxb-2481632641-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'slack_token'],
  [
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    'jwt',
  ],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAxyz\n-----END RSA PRIVATE KEY-----', 'private_key'],
  ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', 'private_key'],
];

test('secrets: every vendor format, whole value, prefix-keeping mask', () => {
  for (const [key, kind] of KEYS) {
    const hits = found(`value: ${key} end`, 'secrets');
    assert.equal(hits.length, 1, key);
    assert.equal(hits[0]!.kind, kind, key);
    assert.equal(hits[0]!.value, key, key);
    assert.notEqual(hits[0]!.sample, key);
    assert.ok(hits[0]!.sample.includes('****'), hits[0]!.sample);
  }
  assert.equal(found('token=' + KEYS[9]![0], 'secrets').length, 1, 'JWT after key=');
});

test('secrets: AWS secret access key needs its keyword', () => {
  const value = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  assert.equal(found(`aws_secret_access_key = ${value}`, 'secrets')[0]?.kind, 'aws_secret_access_key');
  assert.equal(found(`"SecretAccessKey": "${value}"`, 'secrets').length, 1);
  assert.equal(found(`random ${value} text`, 'secrets').length, 0);
});

test('secrets: placeholders, words and public material are not secrets', () => {
  for (const text of [
    'sk-learn and sk-video',
    'sk-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
    'AKIA1234',
    'AKIAIOSFODNN7EXAMPLEEXTRA',
    'ghost_protocol ghp_short',
    'xoxo see you',
    'eyJhbGciOiJIUzI1NiJ9...',
    'eyJub3QiOiJqd3QifQ.eyJ4IjoxfQ.c2ln',
    '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    'The secret key to success is patience.',
  ]) {
    assert.deepEqual(found(text, 'secrets'), [], text);
  }
});

// ── IP (opt-in) ──────────────────────────────────────────────────────────

test('ip: off by default, IPv4 and IPv6 when enabled', () => {
  const defaults = parseGuardrailsConfig({});
  assert.deepEqual(
    scanText('from 203.0.113.42', defaults, { direction: 'input', role: 'user' }).filter((m) => m.detector === 'ip_address'),
    [],
  );
  assert.equal(found('from 203.0.113.42 today', 'ip_address')[0]!.sample, '203.0.*.*');
  assert.equal(found('upstream 10.0.0.12:8080', 'ip_address').length, 1);
  assert.equal(found('AAAA 2606:4700:4700::1111', 'ip_address')[0]!.kind, 'ipv6');
  for (const text of ['bind 0.0.0.0', 'lo 127.0.0.1', 'version 1.2.3.4', 'v1.2.3.4', '12:30:45', '256.1.1.1']) {
    assert.deepEqual(found(text, 'ip_address'), [], text);
  }
});

// ── masks ────────────────────────────────────────────────────────────────

test('masks never return the value', () => {
  const pairs: Array<[string, string]> = [
    ['4111111111111111', maskCard('4111111111111111')],
    ['536-22-1234', maskSsn('536-22-1234')],
    ['+14155552671', maskPhone('+14155552671')],
    ['a@b.co', maskEmail('a@b.co')],
    ['DE89370400440532013000', maskIban('DE89370400440532013000')],
    ['AKIAIOSFODNN7EXAMPLE', maskSecret('AKIAIOSFODNN7EXAMPLE', 4)],
    ['short', maskSecret('short', 4)],
    ['10.1.2.3', maskIp('10.1.2.3')],
    ['ab', maskGeneric('ab')],
    ['EMP-123456', maskGeneric('EMP-123456')],
  ];
  for (const [raw, masked] of pairs) {
    assert.notEqual(masked, raw);
    assert.ok(!masked.includes(raw), `${masked} contains ${raw}`);
  }
});
