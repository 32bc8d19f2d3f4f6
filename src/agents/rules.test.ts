import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CONTAINER, identityOf, podIdentity } from '../../test/identity/identity-fixture.js';
import type { ProcessIdentity } from '../identity/identity.js';
import { AgentMapper, AgentRuleError, agentAttributes, explainMatch, globToRe2, matchAgent, parseAgentRules, type AgentRule } from './rules.js';

function rules(yaml: string): AgentRule[] {
  return parseAgentRules((parse(yaml) as { agents: unknown }).agents);
}

test('every match type, in each mode, against a process in a pod', async (t) => {
  const pod = podIdentity();
  // [type, mode, pattern, expected]
  const cases: Array<[string, string, string, boolean]> = [
    ['PROCESS_NAME', 'exact', 'python3', true],
    ['PROCESS_NAME', 'exact', 'python', false],
    ['PROCESS_NAME', 'glob', 'python*', true],
    ['PROCESS_NAME', 'regex', '^py', true],
    ['EXECUTABLE_PATH', 'exact', '/usr/bin/python3.11', true],
    ['EXECUTABLE_PATH', 'glob', '/usr/bin/python3.*', true],
    ['EXECUTABLE_PATH', 'glob', '/usr/local/*', false],
    ['COMMAND_LINE', 'glob', '*agent.py*', true],
    ['COMMAND_LINE', 'glob', '*/app/*', true], // * crosses /
    ['COMMAND_LINE', 'regex', '\\bagent\\.py\\b', true],
    ['COMMAND_LINE', 'regex', '^agent', false], // regex is searched, anchors are the user's
    ['COMMAND_LINE', 'exact', 'python3 /app/agent.py --port 8080', true],
    ['K8S_POD', 'glob', 'support-bot-*', true],
    ['K8S_POD', 'exact', 'support-bot', false],
    ['K8S_NAMESPACE', 'exact', 'support', true],
    ['K8S_NAMESPACE', 'regex', '^(support|billing)$', true],
    ['CONTAINER_ID', 'exact', CONTAINER, true],
    ['CONTAINER_ID', 'exact', CONTAINER.slice(0, 12), true], // docker ps short id
    ['CONTAINER_ID', 'exact', CONTAINER.slice(0, 8), false], // too short to be taken as a prefix
    ['CONTAINER_ID', 'glob', 'c0ffee*', true],
    ['CGROUP', 'glob', '/kubepods.slice/*', true],
    ['CGROUP', 'regex', 'cri-containerd-[0-9a-f]{64}\\.scope$', true],
  ];
  for (const [type, mode, pattern, expected] of cases) {
    await t.test(`${type} ${mode} ${pattern} → ${expected}`, () => {
      const r = parseAgentRules([{ name: 'r', match: [{ type, [mode]: pattern }], agent: 'a' }]);
      assert.equal(matchAgent(pod, r) !== null, expected);
    });
  }
});

test('a process without the value never matches that type', () => {
  const host = identityOf();
  for (const type of ['K8S_POD', 'K8S_NAMESPACE', 'CONTAINER_ID']) {
    const r = parseAgentRules([{ name: 'r', match: { type, glob: '*' }, agent: 'a' }]);
    assert.equal(matchAgent(host, r), null, type);
  }
});

test('PROCESS_NAME also tries the executable name when the kernel truncated the comm to 15 bytes', () => {
  const id = identityOf({ comm: 'my-support-agen', 'process.executable.name': 'my-support-agent', 'process.executable.path': '/opt/bin/my-support-agent' });
  assert.ok(matchAgent(id, parseAgentRules([{ name: 'r', match: { type: 'PROCESS_NAME', exact: 'my-support-agent' }, agent: 'a' }])));
  assert.ok(matchAgent(id, parseAgentRules([{ name: 'r', match: { type: 'PROCESS_NAME', exact: 'my-support-agen' }, agent: 'a' }])));
  const short = identityOf({ comm: 'node', 'process.executable.name': 'nodejs' });
  assert.equal(matchAgent(short, parseAgentRules([{ name: 'r', match: { type: 'PROCESS_NAME', exact: 'nodejs' }, agent: 'a' }])), null);
});

test('matchers combine: all must match', () => {
  const r = rules(`
agents:
  - name: both
    match:
      - { type: K8S_NAMESPACE, exact: support }
      - { type: COMMAND_LINE, regex: 'worker\\.py' }
    agent: support-worker
`);
  assert.equal(matchAgent(podIdentity(), r), null);
  assert.equal(matchAgent(podIdentity({ 'process.command_line': 'python3 worker.py' }), r)?.agent.name, 'support-worker');
});

test('priority: highest wins, then file order (table)', async (t) => {
  const pod = podIdentity();
  // rules as [name, priority, matches?]; expected winner
  const cases: Array<[string, Array<[string, number | undefined, boolean]>, string | null]> = [
    ['single match', [['a', undefined, true]], 'a'],
    ['no match', [['a', 5, false], ['b', undefined, false]], null],
    ['higher priority later in the file wins', [['low', 1, true], ['high', 10, true]], 'high'],
    ['higher priority earlier wins', [['high', 10, true], ['low', 1, true]], 'high'],
    ['equal priority: first in the file', [['first', 3, true], ['second', 3, true]], 'first'],
    ['default priority is 0', [['zero', undefined, true], ['neg', -1, true]], 'zero'],
    ['negative beats nothing', [['miss', 100, false], ['neg', -5, true]], 'neg'],
    ['a non-matching high priority does not shadow', [['miss', 100, false], ['a', 0, true], ['b', 0, true]], 'a'],
    ['three-way', [['p5', 5, true], ['p7a', 7, true], ['p7b', 7, true], ['p6', 6, true]], 'p7a'],
  ];
  for (const [name, spec, winner] of cases) {
    await t.test(name, () => {
      const list = parseAgentRules(
        spec.map(([n, priority, hit]) => ({
          name: n,
          ...(priority === undefined ? {} : { priority }),
          match: { type: 'K8S_NAMESPACE', exact: hit ? 'support' : 'elsewhere' },
          agent: { name: `agent-${n}` },
        })),
      );
      const m = matchAgent(pod, list);
      assert.equal(m?.rule.name ?? null, winner);
      if (winner !== null) assert.equal(m?.agent.name, `agent-${winner}`);
      // explain agrees with match, and names the winner for every other matching rule.
      const e = explainMatch(pod, list);
      assert.equal(e.match?.rule.name ?? null, winner);
      assert.deepEqual(
        e.rules.filter((r) => r.selected).map((r) => r.rule.name),
        winner === null ? [] : [winner],
      );
      for (const r of e.rules.filter((x) => x.matched && !x.selected)) assert.match(r.summary, new RegExp(`rule "${winner}" wins`));
    });
  }
});

test('explain: the first failing matcher of each rule, with value and pattern', () => {
  const r = rules(`
agents:
  - name: by-name
    match: [{ type: PROCESS_NAME, exact: node }]
    agent: a
  - name: ns-then-pod
    priority: 2
    match:
      - { type: K8S_NAMESPACE, exact: support }
      - { type: K8S_POD, glob: 'billing-*' }
      - { type: PROCESS_NAME, exact: nope }
    agent: b
  - name: container
    match: [{ type: CONTAINER_ID, regex: '^dead' }]
    agent: c
  - name: cmd
    match: [{ type: COMMAND_LINE, regex: 'agent\\.py' }]
    agent: { name: support-bot, version: "2.3.1", team: cx, environment: prod }
  - name: also-cmd
    match: [{ type: COMMAND_LINE, glob: '*agent*' }]
    agent: other
`);
  const e = explainMatch(podIdentity({ 'process.command_line': 'python3 /app/agent.py --api-key sk-abcdefghijklmnopqrstuvwxyz0123456789' }), r);
  const [byName, nsThenPod, container, cmd, alsoCmd] = e.rules;
  assert.equal(byName!.matched, false);
  assert.deepEqual(
    { type: byName!.failure!.type, value: byName!.failure!.value, pattern: byName!.failure!.pattern, index: byName!.failure!.matcherIndex },
    { type: 'PROCESS_NAME', value: 'python3', pattern: 'node', index: 0 },
  );
  assert.match(byName!.summary, /PROCESS_NAME "python3": exact "node" does not match it/);
  assert.equal(nsThenPod!.failure!.matcherIndex, 1);
  assert.match(nsThenPod!.summary, /match\[1\] K8S_POD "support-bot-7d9f8b6c5-x2x4q": glob "billing-\*" does not match it/);
  assert.match(container!.summary, /regex \/\^dead\/ is not found in/);
  assert.equal(cmd!.selected, true);
  assert.match(cmd!.summary, /MATCH → agent "support-bot"/);
  assert.equal(alsoCmd!.matched, true);
  assert.match(alsoCmd!.summary, /matched, but rule "cmd" wins: same priority 0, and it comes earlier in the file/);
  assert.deepEqual(e.match?.agent, { name: 'support-bot', version: '2.3.1', team: 'cx', environment: 'prod' });
  // Explain output never shows a key from the command line.
  const failing = explainMatch(podIdentity({ 'process.command_line': 'python3 run.py --api-key sk-abcdefghijklmnopqrstuvwxyz0123456789' }), r);
  assert.ok(!JSON.stringify(failing.rules.map((x) => x.summary)).includes('sk-abcdefghijklmnopqrstuvwxyz0123456789'));
  // A missing value says so.
  assert.match(explainMatch(identityOf(), r).rules[1]!.summary, /not in a Kubernetes pod/);
});

test('agentAttributes: name, rule and the labels that are set', () => {
  const r = parseAgentRules([
    { name: 'r1', match: { type: 'PROCESS_NAME', exact: 'python3' }, agent: { name: 'bot', version: '1.10', environment: 'prod' } },
  ]);
  assert.deepEqual(agentAttributes(matchAgent(identityOf(), r)), {
    'osprey.agent.name': 'bot',
    'osprey.agent.rule': 'r1',
    'osprey.agent.version': '1.10',
    'osprey.agent.environment': 'prod',
  });
  assert.deepEqual(agentAttributes(null), {});
});

test('AgentMapper caches per identity object and forgets on setRules', () => {
  const mapper = new AgentMapper(parseAgentRules([{ name: 'a', match: { type: 'PROCESS_NAME', exact: 'python3' }, agent: 'A' }]));
  const id = identityOf();
  assert.equal(mapper.map(id)?.agent.name, 'A');
  assert.equal(mapper.map(id), mapper.map(id));
  mapper.setRules(parseAgentRules([{ name: 'b', match: { type: 'PROCESS_NAME', exact: 'python3' }, agent: 'B' }]));
  assert.equal(mapper.map(id)?.agent.name, 'B');
});

test('the section may be a list or { rules: [...] }; absent or null is no rules', () => {
  assert.deepEqual(parseAgentRules(undefined), []);
  assert.deepEqual(parseAgentRules(null), []);
  assert.equal(parseAgentRules({ rules: [{ name: 'x', match: { type: 'CGROUP', glob: '*' }, agent: 'x' }] }).length, 1);
});

test('glob translation', () => {
  const ok = (glob: string, value: string): boolean => matchAgent(identityOf({ 'process.command_line': value }), parseAgentRules([{ name: 'g', match: { type: 'COMMAND_LINE', glob }, agent: 'a' }])) !== null;
  assert.equal(ok('python? *', 'python3 x'), true);
  assert.equal(ok('[pP]ython3 *', 'Python3 x'), true);
  assert.equal(ok('[!p]ython3 *', 'python3 x'), false);
  assert.equal(ok('a.b', 'aXb'), false); // . is literal
  assert.equal(ok('a\\*b', 'a*b'), true);
  assert.equal(ok('a\\*b', 'axxb'), false);
  assert.equal(ok('(x)+[', '(x)+['), true); // unclosed class is literal, regex metacharacters are literal
  assert.equal(ok('*', 'multi\nline'), true);
  assert.equal(globToRe2('a*b?'), '(?s)^a.*b.$');
});

test('regex runs in linear time: a catastrophic-backtracking pattern cannot hang the agent', () => {
  const r = parseAgentRules([{ name: 'evil', match: { type: 'COMMAND_LINE', regex: '^(a+)+$' }, agent: 'a' }]);
  const t0 = performance.now();
  const id = identityOf({ 'process.command_line': `${'a'.repeat(30_000)}!` });
  assert.equal(matchAgent(id, r), null);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
});

test('bad rules fail with a typed error naming the rule, the field and the fix (table)', async (t) => {
  const good = { name: 'ok', match: { type: 'PROCESS_NAME', exact: 'x' }, agent: 'x' };
  // [case, agents section, expected ruleIndex, ruleName, field, message fragment]
  const cases: Array<[string, unknown, number | null, string | null, string, RegExp]> = [
    ['section not a list', 'nope', null, null, 'agents', /must be a list of rules/],
    ['unknown section key', { rule: [] }, null, null, 'rule', /unknown field/],
    ['rule not a mapping', [good, 'x'], 1, null, '(rule)', /must be a mapping/],
    ['missing name', [{ match: good.match, agent: 'a' }], 0, null, 'name', /is missing/],
    ['duplicate names', [good, { ...good }], 1, 'ok', 'name', /already the name of agents\[0\].*rename one/],
    ['unknown match type, with a suggestion', [{ ...good, match: { type: 'process_name', exact: 'x' } }], 0, 'ok', 'match[0].type', /unknown match type.*did you mean PROCESS_NAME\?/],
    ['unknown match type', [{ ...good, match: [good.match, { type: 'POD_LABEL', exact: 'x' }] }], 0, 'ok', 'match[1].type', /unknown match type string "POD_LABEL".*use one of PROCESS_NAME/],
    ['invalid regex', [{ ...good, match: { type: 'COMMAND_LINE', regex: 'agent(' } }], 0, 'ok', 'match[0].regex', /not a valid RE2 regular expression.*missing closing \)/],
    ['backreference', [{ ...good, match: { type: 'COMMAND_LINE', regex: '(a)\\1' } }], 0, 'ok', 'match[0].regex', /not a valid RE2.*no backreferences/],
    ['regex matching everything', [{ ...good, match: { type: 'COMMAND_LINE', regex: '.*' } }], 0, 'ok', 'match[0].regex', /matches the empty string/],
    ['no pattern', [{ ...good, match: { type: 'COMMAND_LINE' } }], 0, 'ok', 'match[0]', /exactly one of/],
    ['two patterns', [{ ...good, match: { type: 'COMMAND_LINE', exact: 'a', glob: 'b' } }], 0, 'ok', 'match[0]', /has exact and glob/],
    ['empty pattern', [{ ...good, match: { type: 'COMMAND_LINE', glob: '' } }], 0, 'ok', 'match[0].glob', /non-empty string/],
    ['matcher typo', [{ ...good, match: { type: 'COMMAND_LINE', regexp: 'x' } }], 0, 'ok', 'match[0].regexp', /did you mean regex\?/],
    ['missing match', [{ name: 'n', agent: 'a' }], 0, 'n', 'match', /is missing/],
    ['empty match list', [{ name: 'n', match: [], agent: 'a' }], 0, 'n', 'match', /non-empty list/],
    ['missing agent', [{ name: 'n', match: good.match }], 0, 'n', 'agent', /is missing/],
    ['agent without name', [{ name: 'n', match: good.match, agent: { team: 'x' } }], 0, 'n', 'agent.name', /is missing/],
    ['numeric version', [{ name: 'n', match: good.match, agent: { name: 'a', version: 1.1 } }], 0, 'n', 'agent.version', /quote it.*1\.10/],
    ['unknown agent label', [{ name: 'n', match: good.match, agent: { name: 'a', owner: 'x' } }], 0, 'n', 'agent.owner', /unknown field/],
    ['priority not an integer', [{ ...good, priority: 'high' }], 0, 'ok', 'priority', /whole number/],
    ['unknown rule field', [{ ...good, prority: 3 }], 0, 'ok', 'prority', /did you mean priority\?/],
    ['container id not hex', [{ ...good, match: { type: 'CONTAINER_ID', exact: 'my-container' } }], 0, 'ok', 'match[0].exact', /lower-case hex/],
  ];
  for (const [name, section, index, ruleName, field, message] of cases) {
    await t.test(name, () => {
      assert.throws(
        () => parseAgentRules(section),
        (err: unknown) => {
          assert.ok(err instanceof AgentRuleError, String(err));
          assert.equal(err.code, 'OSP_ERR_CONFIG_AGENT_RULE');
          assert.equal(err.ruleIndex, index);
          assert.equal(err.ruleName, ruleName);
          assert.equal(err.field, field);
          assert.match(err.message, message);
          if (index !== null) assert.match(err.message, new RegExp(`agents\\[${index}\\]`));
          if (ruleName !== null) assert.ok(err.message.includes(`"${ruleName}"`));
          assert.match(err.message, /Fix: /);
          return true;
        },
      );
    });
  }
});

test('a full config section from YAML', () => {
  const r = rules(`
agents:
  - name: support-bot-prod
    priority: 10
    description: the support bot in production
    match:
      - { type: K8S_NAMESPACE, exact: support }
      - { type: K8S_POD, glob: "support-bot-*" }
    agent:
      name: support-bot
      version: "2.3.1"
      team: customer-experience
      environment: production
  - name: any-python
    match: { type: PROCESS_NAME, regex: '^python3?' }
    agent: python-scripts
`);
  const pod: ProcessIdentity = podIdentity();
  assert.equal(matchAgent(pod, r)?.rule.name, 'support-bot-prod');
  assert.equal(matchAgent(identityOf(), r)?.agent.name, 'python-scripts');
  assert.equal(r[0]!.priority, 10);
  assert.equal(r[1]!.index, 1);
});
