import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseDuration, parsePolicy, parseSize, PolicyError, type Rule } from './policy.js';

function policyOf(yaml: string): ReturnType<typeof parsePolicy> {
  return parsePolicy(parse(yaml));
}

function errorOf(yaml: string): string {
  try {
    policyOf(yaml);
  } catch (e) {
    assert.ok(e instanceof PolicyError, `a PolicyError, not ${(e as Error).name}`);
    return e.message;
  }
  assert.fail('the policy should have been refused');
}

test('a full policy parses into typed rules', () => {
  const p = policyOf(`
version: 1
defaults: { mode: observe, dns_grace: 2m, resolve_interval: 30s }
scopes:
  bots: { cgroup: [/osprey/bots, "/kubepods/*/pod-*"] }
rules:
  - name: no-example
    deny: [api.example.ai, "*.example.ai", 203.0.113.0/24, "10.0.0.5:443", "[2001:db8::1]:8000-8100", "2001:db8::/32",
           { to: 198.51.100.0/24, ports: [53, "5353-5354"], protocol: udp }]
  - name: only-openai
    allow_only: [api.openai.com]
    scope: bots
    mode: enforce
  - name: budget
    rate_limit: { to: ["api.openai.com:443"], calls: 500, bytes: 50MB, window: 10m, per: cgroup, on_exceed: kill_connections }
    scope: { agent: support-bot }
  - name: no-nc
    deny_exec: [/usr/bin/nc, { sha256: "${'a'.repeat(64)}", search: [/opt/bin] }]
`);
  assert.deepEqual(p.defaults, { mode: 'observe', dnsGraceMs: 120_000, resolveIntervalMs: 30_000 });
  const [deny, allow, rate, exec] = p.rules as [Rule, Rule, Rule, Rule];
  assert.equal(deny.action, 'deny');
  assert.equal(deny.mode, 'observe', 'defaults.mode applies');
  assert.deepEqual(deny.scope, { kind: 'host' });
  if (deny.action !== 'deny') return;
  assert.deepEqual(
    deny.to.map((d) => [d.target.kind, d.ports, d.protocol]),
    [
      ['host', [], 'any'],
      ['host', [], 'any'],
      ['prefix', [], 'any'],
      ['prefix', [{ lo: 443, hi: 443 }], 'any'],
      ['prefix', [{ lo: 8000, hi: 8100 }], 'any'],
      ['prefix', [], 'any'],
      ['prefix', [{ lo: 53, hi: 53 }, { lo: 5353, hi: 5354 }], 'udp'],
    ],
  );
  assert.equal(deny.to[1]?.target.kind === 'host' && deny.to[1].target.host.wildcard, true);
  assert.equal(allow.action === 'allow_only' && allow.allowDns, true, 'allow_dns defaults to true');
  assert.deepEqual(allow.scope, { kind: 'cgroup', paths: ['/osprey/bots', '/kubepods/*/pod-*'] });
  assert.equal(allow.scopeLabel, 'bots');
  assert.equal(allow.mode, 'enforce');
  assert.ok(rate.action === 'rate_limit');
  if (rate.action === 'rate_limit') {
    assert.deepEqual([rate.calls, rate.connections, rate.bytes, rate.windowMs, rate.per, rate.onExceed], [500, null, 50_000_000, 600_000, 'cgroup', 'kill_connections']);
    assert.equal(rate.to[0]?.protocol, 'tcp', 'rate limits default to TCP');
  }
  assert.deepEqual(rate.scope, { kind: 'agent', agent: 'support-bot' });
  assert.ok(exec.action === 'deny_exec' && exec.executables.length === 2);
});

test('an empty document is an empty policy', () => {
  assert.equal(parsePolicy(null).rules.length, 0);
  assert.equal(policyOf('rules: []').rules.length, 0);
});

test('errors name the rule (position and name) and the field', () => {
  const cases: [string, RegExp][] = [
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    mdoe: observe', /^rules\[0\] \(a\)\.mdoe: unknown field \(did you mean mode\?\)/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    mode: block', /^rules\[0\] \(a\)\.mode: must be one of observe, alert, enforce \(got "block"\)/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n  - name: b\n    deny: ["10.0.0.300"]', /^rules\[1\] \(b\)\.deny\[0\]: "10\.0\.0\.300" is not a destination/],
    ['rules:\n  - name: a\n    deny: ["1.2.3.4:70000"]', /^rules\[0\] \(a\)\.deny\[0\]: "1\.2\.3\.4:70000": "70000" is not a port/],
    ['rules:\n  - name: a\n    deny: ["10.0.0.0/33"]', /rules\[0\] \(a\)\.deny\[0\]: .* is not a destination/],
    ['rules:\n  - name: a\n    deny: []', /^rules\[0\] \(a\)\.deny: must list at least one destination/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    allow_only: [1.2.3.4]', /^rules\[0\] \(a\): has deny and allow_only: a rule does one thing/],
    ['rules:\n  - name: a', /^rules\[0\] \(a\): needs one of deny, allow_only, rate_limit, deny_exec/],
    ['rules:\n  - deny: [1.2.3.4]', /^rules\[0\]\.name: must be 1-63 letters/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n  - name: a\n    deny: [1.2.3.5]', /^rules\[1\] \(a\)\.name: the same name as rules\[0\]/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    scope: bots', /^rules\[0\] \(a\)\.scope: unknown scope "bots"/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    scope: { cgroup: relative/path }', /^rules\[0\] \(a\)\.scope\.cgroup: must be a cgroup path/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    scope: { cgroup: /a, agent: b }', /^rules\[0\] \(a\)\.scope: needs exactly one of cgroup or agent/],
    ['rules:\n  - name: a\n    rate_limit: { to: [1.2.3.4], window: 1m }', /^rules\[0\] \(a\)\.rate_limit: needs at least one of calls, connections, bytes/],
    ['rules:\n  - name: a\n    rate_limit: { to: [1.2.3.4], calls: 5, window: soon }', /^rules\[0\] \(a\)\.rate_limit\.window: must be a duration/],
    ['rules:\n  - name: a\n    rate_limit: { to: [1.2.3.4], calls: 0, window: 1m }', /^rules\[0\] \(a\)\.rate_limit\.calls: must be a whole number of at least 1/],
    ['rules:\n  - name: a\n    rate_limit: { to: [1.2.3.4], bytes: lots, window: 1m }', /^rules\[0\] \(a\)\.rate_limit\.bytes: must be a size/],
    ['rules:\n  - name: a\n    rate_limit: { calls: 5, window: 1m }', /^rules\[0\] \(a\)\.rate_limit\.to: must list the provider endpoints/],
    ['rules:\n  - name: a\n    rate_limit: { to: [x.io], calls: 5, window: 1m, on_exceed: explode }', /^rules\[0\] \(a\)\.rate_limit\.on_exceed: must be one of refuse, kill_connections, stop_process/],
    ['rules:\n  - name: a\n    deny_exec: [bin/nc]', /^rules\[0\] \(a\)\.deny_exec\[0\]: must be an absolute path/],
    ['rules:\n  - name: a\n    deny_exec: [{ sha256: abc }]', /^rules\[0\] \(a\)\.deny_exec\[0\]\.sha256: must be 64 hex digits/],
    ['rules:\n  - name: a\n    deny: [1.2.3.4]\n    allow_dns: false', /^rules\[0\] \(a\)\.allow_dns: only applies to allow_only rules/],
    ['rules:\n  - name: a\n    deny: [{ to: 1.2.3.4, ports: [0] }]', /^rules\[0\] \(a\)\.deny\[0\]\.ports\[0\]: 0 is not a port/],
    ['rules:\n  - name: a\n    deny: [{ to: 1.2.3.4, protocol: sctp }]', /^rules\[0\] \(a\)\.deny\[0\]\.protocol: must be one of tcp, udp, any/],
    ['rulez: []', /^\(top level\)\.rulez: unknown field \(did you mean rules\?\)/],
    ['version: 2\nrules: []', /^version: must be 1/],
    ['scopes:\n  host: { cgroup: /x }', /^scopes\.host: host is built in/],
    ['defaults: { resolve_interval: 100ms }', /^defaults\.resolve_interval: must be a duration of at least 1s/],
  ];
  for (const [yaml, re] of cases) assert.match(errorOf(yaml), re, yaml);
});

test('the error field is exposed for callers that add the file name', () => {
  try {
    policyOf('rules:\n  - name: a\n    deny: [nope]');
  } catch (e) {
    assert.ok(e instanceof PolicyError);
    assert.equal(e.field, 'rules[0] (a).deny[0]');
    assert.equal(e.code, 'OSP_ERR_POLICY');
  }
});

test('durations and sizes', () => {
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(90), 90_000);
  assert.equal(parseDuration('0s'), null);
  assert.equal(parseDuration('ten minutes'), null);
  assert.equal(parseSize('50MB'), 50_000_000);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('64kib'), 65536);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize('-1'), null);
  assert.equal(parseSize(1.5), null);
});
