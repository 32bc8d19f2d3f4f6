import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, buildReport, formatReport, readAudit, type DecisionEvent } from './audit.js';
import { parseEnforceConfig, DEFAULT_ENFORCE_CONFIG } from './config.js';

function decision(over: Partial<DecisionEvent>): DecisionEvent {
  return {
    type: 'decision',
    ts: '2026-01-01T10:00:00.000Z',
    rule: 'r',
    rule_slot: 0,
    hook: 'connect4',
    verdict: 'observed',
    reason: 'denied',
    mode: 'observe',
    pid: 10,
    tid: 10,
    uid: 0,
    comm: 'python3',
    cgroup_id: 1,
    family: 4,
    proto: 'tcp',
    daddr: '203.0.113.7',
    dport: 443,
    ...over,
  };
}

test('the report counts what enforce mode would have blocked, per rule, with top processes and targets', () => {
  const events = [
    decision({}),
    decision({ ts: '2026-01-01T11:00:00.000Z', pid: 11 }),
    decision({ verdict: 'alerted', mode: 'alert', comm: 'node', hosts: ['api.example.ai'] }),
    decision({ rule: 'enforced', verdict: 'blocked', mode: 'enforce' }),
    decision({ rule: 'exec', hook: 'exec', verdict: 'observed', filename: '/usr/bin/nc', daddr: undefined }),
    { type: 'kill' as const, ts: '2026-01-01T10:00:00.000Z', pid: 3, trigger: 'manual' as const, destinations: [], connections: [], destroyed: 1 },
  ];
  const rep = buildReport(events, 0, Date.parse('2026-01-02T00:00:00Z'));
  assert.deepEqual(
    rep.rules.map((r) => [r.rule, r.wouldBlock, r.alerts, r.blocked]),
    [
      ['r', 3, 1, 0],
      ['exec', 1, 0, 0],
      ['enforced', 0, 0, 1],
    ],
  );
  const r = rep.rules[0]!;
  assert.equal(r.last, '2026-01-01T11:00:00.000Z');
  assert.deepEqual(r.processes[0], { comm: 'python3', count: 2, pids: [10, 11] });
  assert.deepEqual(r.targets[0], { target: 'tcp 203.0.113.7:443', count: 2 });
  assert.deepEqual(r.targets[1], { target: 'tcp 203.0.113.7:443 (api.example.ai)', count: 1 });
  assert.equal(rep.rules[1]?.targets[0]?.target, '/usr/bin/nc');
  assert.equal(rep.kills, 1);
  const text = formatReport(rep);
  assert.match(text, /In enforce mode, 4 more action\(s\) would have been blocked\./);
  assert.match(formatReport(buildReport([], 0, 1)), /would have blocked nothing/);
});

test('the audit log appends whole lines; reading skips what is malformed or too old', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-audit-'));
  try {
    const path = join(dir, 'sub', 'audit.jsonl');
    const log = new AuditLog(path);
    log.append(decision({ ts: '2026-01-01T09:00:00.000Z' }));
    log.append(decision({ ts: '2026-01-01T12:00:00.000Z' }));
    log.close();
    appendFileSync(path, 'not json\n{"type":"decision"}\n\n');
    const { events, malformed } = await readAudit(path, Date.parse('2026-01-01T10:00:00Z'));
    assert.equal(events.length, 1);
    assert.equal(malformed, 2);
    assert.deepEqual(await readAudit(join(dir, 'missing.jsonl'), 0), { events: [], malformed: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the enforce: section of the agent config', () => {
  assert.equal(parseEnforceConfig(undefined), DEFAULT_ENFORCE_CONFIG);
  const inline = parseEnforceConfig({ rules: [{ name: 'a', deny: ['10.0.0.0/8'] }], audit_log: '/tmp/a.jsonl' });
  assert.equal(inline.policy?.rules.length, 1);
  assert.equal(inline.auditLog, '/tmp/a.jsonl');
  assert.equal(parseEnforceConfig({ policy_file: '/etc/osprey/enforce.yaml' }).policyFile, '/etc/osprey/enforce.yaml');
  assert.throws(() => parseEnforceConfig({ policy_file: '/x', rules: [] }), /has both policy_file and inline rules/);
  assert.throws(() => parseEnforceConfig({ policy_fiel: '/x' }), /enforce\.policy_fiel: unknown field/);
  assert.throws(() => parseEnforceConfig({ rules: [{ name: 'a', deny: ['nope'] }] }), /^PolicyError: enforce\.rules\[0\] \(a\)\.deny\[0\]/);
  assert.throws(() => parseEnforceConfig({ audit_log: 'relative.jsonl' }), /enforce\.audit_log: must be an absolute path/);
});
