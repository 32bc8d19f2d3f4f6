/**
 * Enforcement driven by captured traffic: the agent's config carries a call budget; the agent
 * counts real LLM calls it captures and the kernel refuses the next connection once it is spent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAgent, withMarker } from '../helpers/agent.js';
import { startFakeOpenAi } from '../../src/demo/fake-provider.js';
import { makePki } from '../../src/demo/pki.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const run = promisify(execFile);
const HOST = 'api.openai.com';
const CLIENTS = join(REPO_ROOT, 'scripts', 'clients');

test('a call budget in the agent config: two captured calls spend it, the third connection is refused', async () => {
  const pki = makePki([HOST]);
  const provider = await startFakeOpenAi({ cert: pki.cert, key: pki.key });
  const dir = mkdtempSync(join(tmpdir(), 'osprey-agent-enforce-'));
  const pinDir = `/sys/fs/bpf/osprey-e2e-${process.pid}`;
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${HOST}\n`);
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'enforce:',
      `  pin_dir: ${pinDir}`,
      `  audit_log: ${join(dir, 'audit.jsonl')}`,
      '  rules:',
      '    - name: two-calls',
      `      rate_limit: { to: ["127.0.0.1:${provider.port}"], calls: 2, window: 10m }`,
      '',
    ].join('\n'),
  );
  const agent = await startAgent([/attached openssl probes to \S*libssl\.so/, /enforcement on/], ['--config', config]);
  const python = (marker: string): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      const spec = JSON.stringify({ host: HOST, port: provider.port, cafile: pki.caCertPath, model: 'gpt-4o-mini', marker });
      const child = spawn(join(CLIENTS, 'with-hosts.sh'), [hosts, 'python3', join(CLIENTS, 'chat.py'), spec], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
    });
  try {
    for (const m of ['budget-1', 'budget-2']) {
      assert.equal((await python(m)).code, 0);
      await agent.waitFor((rs) => withMarker(rs, m).length === 1);
    }
    // The agent counts a call right after writing its record; give that a moment to reach the kernel.
    await new Promise((r) => setTimeout(r, 1000));
    const third = await python('budget-3');
    assert.notEqual(third.code, 0, 'over budget, the connection is refused');
    assert.match(third.stderr, /PermissionError|Operation not permitted|EPERM/);
  } finally {
    assert.equal(await agent.stop(), 0, agent.stderr());
    await run(process.execPath, [join(REPO_ROOT, 'bin', 'osprey'), 'enforce', 'off', '--pin-dir', pinDir]).catch((e: Error) => assert.fail(`enforce off: ${e.message}`));
    await provider.close();
  }
});
