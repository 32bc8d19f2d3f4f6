import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { identityOf, podIdentity } from '../../test/identity/identity-fixture.js';
import { killAll, startProcess } from '../../test/identity/procs.js';
import { IdentityResolver } from '../identity/identity.js';
import { AgentDiscovery, suggestRule } from './discovery.js';
import { frameworksInMaps, frameworksInText } from './frameworks.js';
import { providerOfHost } from './providers.js';
import { parseAgentRules } from './rules.js';

const SECRET = 'sk-proj-discoverytestvalue0123456789abcdef';
const dirs: string[] = [];

after(async () => {
  await killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('a real process calling a provider with no rule is discovered, with its signals (key names, frameworks), never key values', async () => {
  // A native module under site-packages/crewai, mapped by the process: what a Python agent's maps show.
  const dir = mkdtempSync(join(tmpdir(), 'osprey-disc-'));
  dirs.push(dir);
  const pkg = join(dir, 'lib/python3.11/site-packages/crewai');
  mkdirSync(pkg, { recursive: true });
  const lib = ['/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/aarch64-linux-gnu/libz.so.1'].find(existsSync);
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', OPENAI_API_KEY: SECRET, ANTHROPIC_API_KEY: '', LANGSMITH_TRACING: 'true' };
  if (lib) {
    copyFileSync(lib, join(pkg, '_native.so'));
    env.LD_PRELOAD = join(pkg, '_native.so');
  }
  // argv[0] as a framework's launcher would show it (no shell: a killed shell would orphan its child).
  const p = await startProcess(['sleep', '300'], { env, argv0: '/venv/bin/langgraph' });
  // Let the dynamic loader map the preloaded library.
  await new Promise((r) => setTimeout(r, 50));
  const identity = new IdentityResolver().resolve(p.pid, p.startNs);

  const d = new AgentDiscovery({ rules: parseAgentRules([{ name: 'other', match: { type: 'PROCESS_NAME', exact: 'node' }, agent: 'x' }]), now: () => 1_700_000_000_000 });
  d.observeCall({ identity, provider: 'openai', model: 'gpt-4o-mini', serverAddress: 'api.openai.com' });
  d.observeCall({ identity, provider: 'openai', model: 'gpt-4o', serverAddress: 'api.openai.com' });
  d.observeCall({ identity, provider: 'openai', model: 'gpt-4o-mini', serverAddress: 'api.openai.com' });
  assert.equal(d.observeConnection({ identity, serverName: 'api.anthropic.com', serverPort: 443 }), true);
  assert.equal(d.observeConnection({ identity: () => assert.fail('not resolved for a non-provider'), serverName: 'example.com' }), false);

  const s = d.snapshot();
  assert.equal(s.mappedAgents.length, 0);
  assert.equal(s.discoveredProcesses.length, 1);
  const found = s.discoveredProcesses[0]!;
  assert.equal(found.pid, p.pid);
  assert.equal(found.processName, 'sleep');
  assert.equal(found.commandLine, '/venv/bin/langgraph 300');
  assert.equal(found.callCount, 3);
  assert.equal(found.connectionCount, 1);
  assert.deepEqual(found.providers, ['openai', 'anthropic']);
  assert.deepEqual(found.models, ['gpt-4o-mini', 'gpt-4o']);
  assert.deepEqual(found.serverAddresses, ['api.openai.com']);
  assert.deepEqual(found.signals.providerConnections, ['api.anthropic.com']);
  // Names of set variables only: the empty ANTHROPIC_API_KEY does not count.
  assert.deepEqual(found.signals.apiKeyEnvVars, ['OPENAI_API_KEY']);
  assert.deepEqual(found.signals.frameworks, lib ? ['crewai', 'langchain', 'langgraph'] : ['langchain', 'langgraph']);
  assert.equal(found.firstSeen, '2023-11-14T22:13:20.000Z');
  assert.ok(!JSON.stringify(s).includes(SECRET));
  assert.equal(s.llmCallsIntercepted, 3);
  assert.equal(s.processesMonitored, 1);
});

test('mapped processes are counted under their agent, not discovered', () => {
  const rules = parseAgentRules([
    { name: 'support', match: { type: 'K8S_NAMESPACE', exact: 'support' }, agent: { name: 'support-bot', version: '2.3.1', team: 'cx' } },
  ]);
  const d = new AgentDiscovery({ rules });
  const a = podIdentity({ 'process.pid': 10 });
  const b = podIdentity({ 'process.pid': 11, 'k8s.pod.name': 'support-bot-7d9f8b6c5-abcde' });
  d.observeCall({ identity: a, provider: 'openai', model: 'gpt-4o', serverAddress: 'api.openai.com' });
  d.observeCall({ identity: b, provider: 'anthropic', model: 'claude-sonnet-4', serverAddress: 'api.anthropic.com' });
  d.observeCall({ identity: b, provider: 'anthropic', model: 'claude-sonnet-4', serverAddress: 'api.anthropic.com' });
  const s = d.snapshot();
  assert.equal(s.discoveredProcesses.length, 0);
  assert.equal(s.mappedAgents.length, 1);
  const m = s.mappedAgents[0]!;
  assert.equal(m.name, 'support-bot');
  assert.equal(m.version, '2.3.1');
  assert.equal(m.team, 'cx');
  assert.deepEqual(m.rules, ['support']);
  assert.equal(m.processCount, 2);
  assert.equal(m.callCount, 3);
  assert.deepEqual(m.providers, ['anthropic', 'openai']);
  assert.deepEqual(m.namespaces, ['support']);
  assert.deepEqual(m.podNames.sort(), ['support-bot-7d9f8b6c5-abcde', 'support-bot-7d9f8b6c5-x2x4q']);
});

test('restarts of the same program are one discovered agent; different programs are not', () => {
  const d = new AgentDiscovery();
  for (let pid = 100; pid < 105; pid++) d.observeCall({ identity: identityOf({ 'process.pid': pid, startNs: BigInt(pid) }), provider: 'openai', model: 'gpt-4o', serverAddress: null });
  d.observeCall({ identity: identityOf({ 'process.pid': 200, 'process.command_line': 'python3 other.py' }), provider: 'openai', model: null, serverAddress: null });
  const s = d.snapshot();
  assert.equal(s.discoveredProcesses.length, 2);
  const agentPy = s.discoveredProcesses.find((x) => x.commandLine?.includes('agent.py'))!;
  assert.equal(agentPy.processCount, 5);
  assert.equal(agentPy.pid, 104);
  assert.deepEqual(agentPy.pids, [100, 101, 102, 103, 104]);
  assert.equal(agentPy.callCount, 5);
});

test('the agent never reports itself, nor pids it is told to ignore', () => {
  const d = new AgentDiscovery();
  d.ignorePid(77);
  d.observeCall({ identity: identityOf({ 'process.pid': process.pid }), provider: 'openai', model: null, serverAddress: null });
  d.observeCall({ identity: identityOf({ 'process.pid': 77 }), provider: 'openai', model: null, serverAddress: null });
  d.observeConnection({ identity: identityOf({ 'process.pid': process.pid }), serverName: 'api.openai.com' });
  assert.equal(d.snapshot().discoveredProcesses.length, 0);
});

test('connections alone discover a process (nothing on them could be parsed)', () => {
  const d = new AgentDiscovery();
  d.observeConnection({ identity: identityOf({ 'process.pid': 9 }), serverName: 'my-res.openai.azure.com', serverPort: 443 });
  d.observeConnection({ identity: identityOf({ 'process.pid': 9 }), serverName: 'bedrock-runtime.us-east-1.amazonaws.com' });
  const [p] = d.snapshot().discoveredProcesses;
  assert.equal(p!.callCount, 0);
  assert.equal(p!.connectionCount, 2);
  assert.deepEqual(p!.providers.sort(), ['aws.bedrock', 'azure.ai.openai']);
});

test('retention, bound, monitored window and exits', () => {
  let now = 1_000_000;
  const d = new AgentDiscovery({ maxDiscovered: 3, retentionMs: 10_000, activeWindowMs: 5_000, now: () => now });
  for (let i = 0; i < 5; i++) d.observeCall({ identity: identityOf({ 'process.pid': i, 'process.command_line': `prog${i}` }), provider: 'openai', model: null, serverAddress: null });
  let s = d.snapshot();
  assert.deepEqual(s.discoveredProcesses.map((x) => x.pid), [4, 3, 2]);
  assert.equal(s.processesMonitored, 5);
  d.onExit(4, identityOf().startNs);
  assert.equal(d.snapshot().processesMonitored, 4);
  now += 6_000;
  assert.equal(d.snapshot().processesMonitored, 0);
  assert.equal(d.snapshot({ processesMonitored: 42 }).processesMonitored, 42);
  now += 5_000;
  s = d.snapshot();
  assert.equal(s.discoveredProcesses.length, 0);
});

test('heartbeat payload: camelCase fields NodeLoom expects', () => {
  const d = new AgentDiscovery();
  d.observeCall({ identity: podIdentity({ 'process.pid': 5 }), provider: 'openai', model: 'gpt-4o', serverAddress: 'api.openai.com' });
  const hb = d.heartbeat();
  assert.deepEqual(Object.keys(hb), ['processesMonitored', 'llmCallsIntercepted', 'discoveredProcesses']);
  const p = hb.discoveredProcesses[0]!;
  for (const key of ['pid', 'processName', 'executablePath', 'commandLine', 'containerId', 'podName', 'namespace', 'firstSeen', 'lastSeen', 'callCount', 'providers', 'models', 'signals']) {
    assert.ok(key in p, key);
  }
  assert.ok(Object.keys(p).every((k) => /^[a-z][a-zA-Z]*$/.test(k)), 'camelCase keys');
});

test('suggested rules: pod workload in Kubernetes, executable and script elsewhere', () => {
  assert.deepEqual(suggestRule(podIdentity()), {
    name: 'support-bot',
    match: [
      { type: 'K8S_NAMESPACE', exact: 'support' },
      { type: 'K8S_POD', glob: 'support-bot-*' },
    ],
    agent: 'support-bot',
  });
  assert.deepEqual(suggestRule(identityOf()), {
    name: 'agent',
    match: [
      { type: 'EXECUTABLE_PATH', exact: '/usr/bin/python3.11' },
      { type: 'COMMAND_LINE', glob: '*/app/agent.py*' },
    ],
    agent: 'agent',
  });
  // The suggestion parses as a rule and matches the process it was made for.
  const s = suggestRule(podIdentity({ 'k8s.pod.name': 'rag-worker-0' }));
  assert.equal(s.name, 'rag-worker');
  const r = parseAgentRules([s]);
  assert.ok(r.length === 1);
});

test('providers by host name', () => {
  const cases: Array<[string | null, number | null, string | null]> = [
    ['api.openai.com', 443, 'openai'],
    ['API.OpenAI.com.', 443, 'openai'],
    ['api.anthropic.com', 443, 'anthropic'],
    ['generativelanguage.googleapis.com', 443, 'gcp.gemini'],
    ['us-central1-aiplatform.googleapis.com', 443, 'gcp.vertex_ai'],
    ['x.openai.azure.com', 443, 'azure.ai.openai'],
    ['openai.azure.com', 443, null],
    ['api.mistral.ai', 443, 'mistral_ai'],
    ['api.groq.com', 443, 'groq'],
    ['bedrock-runtime.eu-west-1.amazonaws.com', 443, 'aws.bedrock'],
    ['localhost', 11434, 'ollama'],
    ['example.com', 443, null],
    [null, null, null],
  ];
  for (const [host, port, provider] of cases) assert.equal(providerOfHost(host, port), provider, `${host}:${port}`);
});

test('frameworks: named between boundaries in command lines and module paths', () => {
  assert.deepEqual(frameworksInText('python -m crewai run'), ['crewai']);
  assert.deepEqual(frameworksInText('/venv/bin/langgraph dev --port 2024'), ['langgraph']);
  assert.deepEqual(frameworksInText('python3 -m autogen_agentchat.main'), ['autogen']);
  assert.deepEqual(frameworksInText('node /srv/node_modules/@mastra/core/dist/index.js'), ['mastra']);
  assert.deepEqual(frameworksInText('node server.js --use @ai-sdk/openai'), ['vercel-ai-sdk']);
  assert.deepEqual(frameworksInText('python app.py'), []);
  assert.deepEqual(frameworksInText('python mydspyproject/run.py langchainish'), []);
  assert.deepEqual(
    frameworksInMaps(['7f00-7f01 r-xp 0 08:01 1 /venv/lib/python3.12/site-packages/llama_index/_x.so', '7f02-7f03 r-xp 0 08:01 2 /app/node_modules/ai/dist/index.node'].join('\n')),
    ['llama_index', 'vercel-ai-sdk'],
  );
});
