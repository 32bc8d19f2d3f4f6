import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { compilePolicy, KERNEL_KIND, META_FLAGS, NO_PREVIOUS, type PreviousAssignment } from './compile.js';
import { dnsNameHash } from './dns-name.js';
import { parsePolicy, PolicyError, type Policy } from './policy.js';
import type { ResolvedScope, ScopeResolution } from './scopes.js';

/** Scopes without a cgroup filesystem: host is bit 0, every other distinct spec gets the next bit and one fake cgroup id. */
function fakeScopes(policy: Policy): ScopeResolution {
  const byKey = new Map<string, ResolvedScope>();
  const host: ResolvedScope = { bit: 0, label: 'host', spec: { kind: 'host' }, cgroups: [] };
  byKey.set('host', host);
  const ruleScope = new Map<number, ResolvedScope>();
  for (const r of policy.rules) {
    const key = JSON.stringify(r.scope);
    let s = byKey.get(r.scope.kind === 'host' ? 'host' : key);
    if (!s) {
      s = { bit: byKey.size, label: r.scopeLabel, spec: r.scope, cgroups: [{ id: BigInt(1000 + byKey.size), path: `/fake/${byKey.size}` }] };
      byKey.set(key, s);
    }
    ruleScope.set(r.index, s);
  }
  return { scopes: [...byKey.values()], ruleScope, warnings: [] };
}

function compile(yaml: string, previous: PreviousAssignment = NO_PREVIOUS): ReturnType<typeof compilePolicy> {
  const policy = parsePolicy(parse(yaml));
  return compilePolicy({ policy, scopes: fakeScopes(policy), exec: new Map(), previous });
}

function lines(text: string, kind: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${kind} `));
}

test('the output is framed for osprey-enforcer and ends with end', () => {
  const c = compile('rules:\n  - name: a\n    deny: [10.0.0.0/8]');
  const all = c.text.trimEnd().split('\n');
  assert.equal(all[0], 'osprey-enforce-policy 1');
  assert.equal(all.at(-1), 'end');
  assert.deepEqual(lines(c.text, 'rule'), [`rule 0 ${KERNEL_KIND.deny} 3 0 0 0 0 0 0 0 a`]);
  assert.deepEqual(lines(c.text, 'dst'), ['dst 10.0.0.0 8 1 0:0:0-65535']);
  assert.deepEqual(lines(c.text, 'meta'), [`meta ${META_FLAGS.net}`]);
  assert.deepEqual(c.resets, [0], 'a fresh slot is reset');
});

test('prefixes are flattened: a longer prefix carries the references of the prefixes containing it', () => {
  const c = compile(`
rules:
  - name: wide
    deny: [10.0.0.0/8]
  - name: narrow
    deny: ["10.1.2.0/24:443"]
  - name: exact
    deny: [10.1.2.3]
  - name: other
    deny: [192.168.0.0/16]
`);
  const dst = new Map(lines(c.text, 'dst').map((l) => [l.split(' ').slice(1, 3).join('/'), l.split(' ').slice(3).join(' ')]));
  assert.equal(dst.get('10.0.0.0/8'), '1 0:0:0-65535');
  assert.equal(dst.get('10.1.2.0/24'), '2 0:0:0-65535 1:0:443-443', 'shortest prefix first');
  assert.equal(dst.get('10.1.2.3/32'), '3 0:0:0-65535 1:0:443-443 2:0:0-65535');
  assert.equal(dst.get('192.168.0.0/16'), '1 3:0:0-65535');
  assert.equal(c.counts.prefixes4, 4);
});

test('host bits beyond the prefix are cleared, and IPv6 prefixes are written in full form', () => {
  const c = compile('rules:\n  - name: a\n    deny: [10.1.2.3/8, "2001:db8::1/32", "[::1]:53"]');
  assert.deepEqual(lines(c.text, 'dst').sort(), ['dst 10.0.0.0 8 1 0:0:0-65535', 'dst 2001:db8:: 32 1 0:0:0-65535', 'dst ::1 128 1 0:0:53-53'].sort());
});

test('allow_only keeps port 53 reachable unless allow_dns is false, and lists the rule as an allow list', () => {
  const c = compile(`
rules:
  - name: only
    allow_only: [api.openai.com]
    scope: { cgroup: /bots }
  - name: strict
    allow_only: [127.0.0.0/8]
    allow_dns: false
    scope: { cgroup: /strict }
`);
  assert.deepEqual(lines(c.text, 'allow'), ['allow 0 0 1', 'allow 1 1 2']);
  const dst = lines(c.text, 'dst');
  assert.ok(dst.includes('dst 0.0.0.0 0 1 0:0:53-53'));
  assert.ok(dst.includes('dst :: 0 1 0:0:53-53'));
  assert.ok(dst.includes('dst 127.0.0.0 8 2 0:0:53-53 1:0:0-65535'), 'the /0 DNS reference is flattened into the longer prefix');
  assert.match(lines(c.text, 'rule')[1] ?? '', /^rule 1 2 3 2 0 1 /, 'allow index 1 on the second allow rule');
  const flags = Number(lines(c.text, 'meta')[0]?.split(' ')[1]);
  assert.equal(flags & META_FLAGS.cgroups, META_FLAGS.cgroups);
  assert.equal(flags & META_FLAGS.hosts, META_FLAGS.hosts);
});

test('host names become watched names (hash, wildcard flag, slot) and host references', () => {
  const c = compile(`
rules:
  - name: a
    deny: ["api.example.ai:443", "*.example.ai"]
  - name: b
    rate_limit: { to: ["api.example.ai:443"], calls: 5, window: 1m }
`);
  assert.deepEqual(lines(c.text, 'name').sort(), [`name 0x${dnsNameHash('api.example.ai').toString(16)} 0 0`, `name 0x${dnsNameHash('example.ai').toString(16)} 1 1`].sort());
  assert.deepEqual(lines(c.text, 'href').sort(), ['href 0 2 0:0:443-443 1:6:443-443', 'href 1 1 0:0:0-65535']);
  assert.match(lines(c.text, 'rule')[1] ?? '', /^rule 1 3 3 0 0 0 60000000000 5 0 0 b$/);
});

test('rules and host names keep their slots across applies; new ones take slots the policy in force does not use', () => {
  const first = compile(`
rules:
  - name: a
    deny: [a.example.com]
  - name: b
    deny: [b.example.com]
  - name: c
    deny: [10.0.0.1]
`);
  const previous: PreviousAssignment = {
    rules: new Map(first.rules.map((r) => [r.name, { slot: r.slot, kind: KERNEL_KIND[r.action] }])),
    hosts: new Map(first.hosts.map((h) => [h.pattern, h.slot])),
  };
  const second = compile(
    `
rules:
  - name: new
    deny: [new.example.com]
  - name: c
    deny: [10.0.0.1]
  - name: a
    deny: [a.example.com]
  - name: b
    rate_limit: { to: [b.example.com], calls: 1, window: 1m }
`,
    previous,
  );
  const slot = (n: string): number | undefined => second.rules.find((r) => r.name === n)?.slot;
  assert.equal(slot('a'), 0);
  assert.equal(slot('c'), 2);
  assert.equal(slot('b'), 4, 'b changed kind: new counters, new slot');
  assert.equal(slot('new'), 3);
  assert.deepEqual([...second.resets].sort(), [3, 4]);
  const host = (p: string): number | undefined => second.hosts.find((h) => h.pattern === p)?.slot;
  assert.equal(host('a.example.com'), 0);
  assert.equal(host('b.example.com'), 1);
  assert.equal(host('new.example.com'), 2);
  assert.deepEqual(second.drops, []);

  const third = compile('rules:\n  - name: a\n    deny: [a.example.com]', previous);
  assert.deepEqual(third.drops, [1], 'the host slot no policy uses any more is dropped');
});

test('more than 16 references on one prefix is refused, naming the rules', () => {
  const rules = Array.from({ length: 17 }, (_, i) => `  - name: r${i}\n    deny: ["10.0.0.0/${8 + i}"]`).join('\n');
  assert.throws(() => compile(`rules:\n${rules}`), (e: unknown) => e instanceof PolicyError && /carry 17 rule references \(from r0, r1/.test(e.message));
});

test('scopes become cgroup masks, one bit per distinct scope', () => {
  const c = compile(`
rules:
  - name: a
    deny: [10.0.0.1]
    scope: { cgroup: /x }
  - name: b
    deny: [10.0.0.2]
    scope: { cgroup: /x }
  - name: c
    deny: [10.0.0.3]
    scope: { cgroup: /y }
`);
  assert.deepEqual(lines(c.text, 'scope').sort(), ['scope 1001 2', 'scope 1002 4']);
  assert.deepEqual(
    c.rules.map((r) => r.scopeBit),
    [1, 1, 2],
  );
});

test('addresses resolved in user space are seeded for exact host names', () => {
  const policy = parsePolicy(parse('rules:\n  - name: a\n    deny: [api.example.ai]'));
  const c = compilePolicy({ policy, scopes: fakeScopes(policy), exec: new Map(), previous: NO_PREVIOUS, learned: [{ host: 'api.example.ai', address: '192.0.2.7', ttlSeconds: 120 }] });
  assert.deepEqual(lines(c.text, 'learn'), ['learn 0 192.0.2.7 120']);
});

test('exec rules become inode and path references', () => {
  const policy = parsePolicy(parse('rules:\n  - name: x\n    deny_exec: [/usr/bin/nc]'));
  const exec = new Map([[0, { binaries: [{ dev: (8 << 20) | 1, ino: 1234n, path: '/usr/bin/nc' }], paths: ['/usr/bin/nc', '/usr/bin/nc.openbsd'], warnings: [] }]]);
  const c = compilePolicy({ policy, scopes: fakeScopes(policy), exec, previous: NO_PREVIOUS });
  assert.deepEqual(lines(c.text, 'xino'), [`xino ${(8 << 20) | 1} 1234 1 0:0:0-0`]);
  assert.deepEqual(lines(c.text, 'xpath'), ['xpath 1 0:0:0-0 /usr/bin/nc', 'xpath 1 0:0:0-0 /usr/bin/nc.openbsd']);
  assert.equal(Number(lines(c.text, 'meta')[0]?.split(' ')[1]) & META_FLAGS.exec, META_FLAGS.exec);
});
