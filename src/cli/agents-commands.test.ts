/**
 * `osprey agents` and `osprey agents explain`, run as the real binary. The explain test puts a
 * real process in a simulated pod (new namespaces, pod environment, service-account file, a
 * kubepods/containerd cgroup) and reads it back through the CLI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { CgroupSandbox } from '../../test/identity/cgroup-sandbox.js';
import { identityOf, podIdentity } from '../../test/identity/identity-fixture.js';
import { startPodProcess, type PodProcess } from '../../test/identity/pod-sandbox.js';
import { hasCommand, isRoot, killAll, startProcess } from '../../test/identity/procs.js';
import { REPO_ROOT } from '../../test/helpers/fixtures.js';
import { AgentDiscovery } from '../agents/discovery.js';
import { parseAgentRules } from '../agents/rules.js';
import { writeAgentsState } from '../agents/state.js';
import { OspreyError } from '../util/errors.js';
import { ago, explainProcess, formatSnapshot, listAgents } from './agents-commands.js';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin/osprey');
const dir = mkdtempSync(join(tmpdir(), 'osprey-cli-agents-'));
const STATE = join(dir, 'agents.json');
const pods: PodProcess[] = [];
let cgroups: CgroupSandbox | null = null;

after(async () => {
  await Promise.all(pods.map((p) => p.stop()));
  await killAll();
  cgroups?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function osprey(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, OSPREY_CONFIG: join(dir, 'absent.yaml') } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

test('osprey agents lists mapped and discovered agents from the state file', () => {
  const d = new AgentDiscovery({ rules: parseAgentRules([{ name: 'support', match: { type: 'K8S_NAMESPACE', exact: 'support' }, agent: { name: 'support-bot', version: '2.3.1' } }]) });
  d.observeCall({ identity: podIdentity(), provider: 'openai', model: 'gpt-4o-mini', serverAddress: 'api.openai.com' });
  d.observeCall({ identity: identityOf({ envSignals: ['OPENAI_API_KEY'] }), provider: 'anthropic', model: 'claude-sonnet-4', serverAddress: 'api.anthropic.com' });
  d.observeConnection({ identity: identityOf({ envSignals: ['OPENAI_API_KEY'] }), serverName: 'api.openai.com' });
  writeAgentsState(STATE, d.snapshot());

  const text = listAgents(STATE, { json: false, nowMs: Date.now() });
  assert.match(text, /MAPPED AGENTS \(1\)/);
  assert.match(text, /support-bot\s+2\.3\.1/);
  assert.match(text, /DISCOVERED AGENTS \(1\)/);
  assert.match(text, /command\s+python3 \/app\/agent\.py --port 8080/);
  assert.match(text, /signals\s+conn:api\.openai\.com env:OPENAI_API_KEY/);
  assert.match(text, /map it with - name: agent/);
  assert.equal(JSON.parse(listAgents(STATE, { json: true, nowMs: Date.now() })).discoveredProcesses.length, 1);
});

test('a stale state file is flagged', () => {
  const s = new AgentDiscovery().snapshot();
  const now = Date.now();
  assert.match(formatSnapshot(s, '/x', now - 120_000, now), /warning: this state is 2m ago old/);
  assert.doesNotMatch(formatSnapshot(s, '/x', now - 2_000, now), /warning/);
  assert.equal(ago(now - 90 * 60_000, now), '1h ago');
});

test('osprey agents explain PID: a process in a simulated pod, and which rule wins and why', { skip: !isRoot() || !hasCommand('unshare') ? 'needs root and unshare' : false }, async () => {
  const pod = await startPodProcess({
    hostname: 'support-bot-7d9f8b6c5-x2x4q',
    env: { HOSTNAME: 'support-bot-7d9f8b6c5-x2x4q', KUBERNETES_SERVICE_HOST: '10.96.0.1', OPENAI_API_KEY: `sk-${randomBytes(16).toString('hex')}` },
    serviceAccountNamespace: 'support',
  });
  pods.push(pod);
  cgroups = CgroupSandbox.v2();
  const containerId = randomBytes(32).toString('hex');
  const uid = randomUUID();
  cgroups?.move(pod.pid, `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice/cri-containerd-${containerId}.scope`);
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    `capture:
  content: full
agents:
  - name: by-process
    match: { type: PROCESS_NAME, exact: python3 }
    agent: py
  - name: support-ns
    priority: 10
    match:
      - { type: K8S_NAMESPACE, exact: support }
      - { type: K8S_POD, glob: "support-bot-*" }
    agent: { name: support-bot, version: "2.3.1", team: cx }
  - name: any-container
    match: { type: CONTAINER_ID, glob: "*" }
    agent: containers
`,
  );
  const out = { stdout: explainProcess(pod.pid, { config, json: false }) };
  assert.match(out.stdout, new RegExp(`Process ${pod.pid} \\(sleep\\)`));
  assert.match(out.stdout, /k8s pod\s+support-bot-7d9f8b6c5-x2x4q \[env:HOSTNAME\]/);
  assert.match(out.stdout, /k8s namespace\s+support \[serviceaccount\]/);
  assert.match(out.stdout, /provider keys\s+OPENAI_API_KEY {2}\(variable names only\)/);
  assert.match(out.stdout, /✗ agents\[0\] "by-process" \(priority 0\): no match: match\[0\] PROCESS_NAME "sleep": exact "python3" does not match it/);
  assert.match(out.stdout, /✓ agents\[1\] "support-ns" \(priority 10\): MATCH → agent "support-bot"/);
  assert.match(out.stdout, /Result: agent "support-bot" \(rule "support-ns"\); version 2\.3\.1, team cx/);
  if (cgroups) {
    assert.match(out.stdout, new RegExp(`container\\s+${containerId} \\(containerd\\)`));
    assert.match(out.stdout, new RegExp(`k8s pod uid\\s+${uid} \\(QoS besteffort\\)`));
    assert.match(out.stdout, /~ agents\[2\] "any-container" \(priority 0\): matched, but rule "support-ns" wins: its priority 10 is higher than 0/);
  }

  const json = JSON.parse(explainProcess(pod.pid, { config, json: true })) as {
    identity: Record<string, unknown>;
    match: { rule: string };
  };
  assert.equal(json.match.rule, 'support-ns');
  assert.equal(json.identity['k8s.namespace.name'], 'support');
});

test('explain without a config file, and with a pid that does not exist', async () => {
  const p = await startProcess();
  assert.match(explainProcess(p.pid, { json: false }), /Rules: none \(no config file/);
  assert.throws(() => explainProcess(4194303999, { json: false }), (e: unknown) => e instanceof OspreyError && e.code === 'OSP_ERR_NO_SUCH_PROCESS');
});

test('the real binary: `agents`, `agents --json`, and one clear line with exit 1 for a bad rule file or a missing state file', async () => {
  assert.ok(existsSync(STATE), 'written by the first test');
  const p = await startProcess();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'agents:\n  - name: x\n    match: { type: POD, exact: y }\n    agent: z\n');
  const [list, json, badRules, missing, notPid] = await Promise.all([
    osprey('agents', '--state', STATE),
    osprey('agents', 'explain', '--json', String(p.pid)),
    osprey('agents', 'explain', String(p.pid), '--config', bad),
    osprey('agents', '--state', join(dir, 'nope.json')),
    osprey('agents', 'explain', 'abc'),
  ]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /DISCOVERED AGENTS \(1\)/);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).identity['process.pid'], p.pid);
  assert.equal(badRules.code, 1);
  assert.match(badRules.stderr, /bad\.yaml: config agents\[0\] \(rule "x"\), field match\[0\]\.type: unknown match type string "POD"\. Fix: use one of/);
  assert.equal(badRules.stderr.trim().split('\n').length, 1);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no agents state at .*nope\.json: is `osprey agent` running/);
  assert.notEqual(notPid.code, 0);
});
