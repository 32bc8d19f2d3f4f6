import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsNameHash, hostMatches, parseHostPattern, wireFormat } from './dns-name.js';
import { formatIp, formatPrefix, parseIp, parsePrefix, prefixContains, unmapV4 } from './net.js';

test('IPv4 and IPv6 addresses and prefixes', () => {
  assert.deepEqual(parseIp('10.1.2.3'), { family: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
  assert.equal(parseIp('010.1.2.3'), null, 'no octal-looking octets');
  assert.equal(parseIp('1.2.3'), null);
  assert.equal(parseIp('fe80::1%eth0'), null, 'no zone ids');
  assert.equal(formatIp(6, (parseIp('2001:db8::1') as { bytes: Uint8Array }).bytes), '2001:db8::1');
  assert.equal(formatIp(6, (parseIp('::ffff:10.0.0.1') as { bytes: Uint8Array }).bytes), '::ffff:a00:1');
  assert.equal(formatIp(6, (parseIp('::') as { bytes: Uint8Array }).bytes), '::');
  assert.equal(formatIp(6, (parseIp('1:0:0:2:0:0:0:3') as { bytes: Uint8Array }).bytes), '1:0:0:2::3');
  assert.equal(formatPrefix(parsePrefix('10.1.2.3/8')!), '10.0.0.0/8');
  assert.equal(formatPrefix(parsePrefix('2001:db8:ffff::/33')!), '2001:db8:8000::/33');
  assert.equal(parsePrefix('10.0.0.0/33'), null);
  assert.equal(parsePrefix('10.0.0.0/'), null);
  assert.equal(parsePrefix('::/129'), null);
});

test('containment and v4-mapped addresses', () => {
  assert.ok(prefixContains(parsePrefix('10.0.0.0/8')!, parsePrefix('10.9.9.9')!));
  assert.ok(!prefixContains(parsePrefix('10.0.0.0/8')!, parsePrefix('11.0.0.1')!));
  assert.ok(!prefixContains(parsePrefix('10.0.0.0/24')!, parsePrefix('10.0.0.0/16')!));
  assert.ok(!prefixContains(parsePrefix('::/0')!, parsePrefix('10.0.0.1')!), 'families never mix');
  assert.deepEqual(unmapV4(parseIp('::ffff:192.0.2.1')!), { family: 4, bytes: Uint8Array.from([192, 0, 2, 1]) });
  assert.equal(unmapV4(parseIp('::1')!).family, 6);
});

test('host patterns: normalization, wildcards, and what is not a host name', () => {
  assert.deepEqual(parseHostPattern('API.Example.AI.'), { pattern: 'api.example.ai', name: 'api.example.ai', wildcard: false });
  assert.deepEqual(parseHostPattern('*.example.ai'), { pattern: '*.example.ai', name: 'example.ai', wildcard: true });
  for (const bad of ['localhost', '1.2.3.4', '-bad.example', 'a..b', '*', '*.com.', 'x'.repeat(64) + '.com']) assert.equal(parseHostPattern(bad), null, bad);
  const w = parseHostPattern('*.example.ai')!;
  assert.ok(hostMatches(w, 'a.b.example.ai'));
  assert.ok(!hostMatches(w, 'example.ai'), 'a wildcard matches strictly below the suffix');
  assert.ok(!hostMatches(w, 'badexample.ai'));
});

/** The kernel's pass over a question (bpf/enforce.bpf.c: label_step + hash_step), transcribed. */
function kernelSuffixHashes(name: string): Map<number, bigint> {
  const wire = wireFormat(name);
  const starts = new Set<number>();
  for (let pos = 0; pos < wire.length; pos += (wire[pos] as number) + 1) starts.add(pos);
  const out = new Map<number, bigint>();
  let h = 0xcbf29ce484222325n;
  for (let i = wire.length - 1; i >= 0; i--) {
    let ch = wire[i] as number;
    if (ch >= 0x41 && ch <= 0x5a) ch += 32;
    h = ((h ^ BigInt(ch)) * 0x100000001b3n) & ((1n << 64n) - 1n);
    if (starts.has(i)) out.set(i, h);
  }
  return out;
}

test("one backward pass yields the hash of every suffix, as dnsNameHash computes them", () => {
  const q = 'Deep.API.example.AI';
  const at = kernelSuffixHashes(q);
  assert.equal(at.get(0), dnsNameHash('deep.api.example.ai'), 'the whole name');
  assert.equal(at.get(5), dnsNameHash('api.example.ai'), 'below one label');
  assert.equal(at.get(9), dnsNameHash('example.ai'));
  assert.equal(dnsNameHash('EXAMPLE.ai'), dnsNameHash('example.ai'), 'case-blind');
  assert.notEqual(dnsNameHash('example.ai'), dnsNameHash('exampl.eai'), 'label boundaries are part of the name');
  assert.deepEqual([...wireFormat('a.bc')], [1, 0x61, 2, 0x62, 0x63]);
});
