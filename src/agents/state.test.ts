import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { identityOf } from '../../test/identity/identity-fixture.js';
import { OspreyError } from '../util/errors.js';
import { AgentDiscovery } from './discovery.js';
import { readAgentsState, startAgentsStateWriter, writeAgentsState } from './state.js';

const dir = mkdtempSync(join(tmpdir(), 'osprey-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function discoveryWithOne(): AgentDiscovery {
  const d = new AgentDiscovery();
  d.observeCall({ identity: identityOf(), provider: 'openai', model: 'gpt-4o', serverAddress: 'api.openai.com' });
  return d;
}

test('write then read: the same snapshot, atomically (no temporary file left), mode 0640, parent created', () => {
  const path = join(dir, 'nested/dir/agents.json');
  const snapshot = discoveryWithOne().snapshot();
  writeAgentsState(path, snapshot);
  const { snapshot: back, writtenAtMs } = readAgentsState(path);
  assert.deepEqual(back, snapshot);
  assert.ok(Math.abs(writtenAtMs - Date.now()) < 5000);
  assert.deepEqual(readdirSync(join(dir, 'nested/dir')), ['agents.json']);
  assert.equal(statSync(path).mode & 0o777, 0o640);
});

test('read errors have stable codes and say what to do', () => {
  const expectCode = (path: string, code: string, message: RegExp): void => {
    assert.throws(
      () => readAgentsState(path),
      (err: unknown) => err instanceof OspreyError && err.code === code && message.test(err.message),
    );
  };
  expectCode(join(dir, 'missing.json'), 'OSP_ERR_AGENTS_STATE_MISSING', /is `osprey agent` running/);
  writeFileSync(join(dir, 'garbage.json'), 'not json');
  expectCode(join(dir, 'garbage.json'), 'OSP_ERR_AGENTS_STATE_INVALID', /not JSON/);
  writeFileSync(join(dir, 'other.json'), '{"schemaVersion": 2}');
  expectCode(join(dir, 'other.json'), 'OSP_ERR_AGENTS_STATE_INVALID', /schemaVersion 1/);
});

test('the periodic writer writes at once, on its interval and at stop; failures are not thrown', async () => {
  const path = join(dir, 'periodic.json');
  const d = discoveryWithOne();
  const writer = startAgentsStateWriter({ discovery: d, path, intervalMs: 20, processesMonitored: () => 7 });
  assert.equal(readAgentsState(path).snapshot.processesMonitored, 7);
  d.observeCall({ identity: identityOf(), provider: 'openai', model: 'gpt-4o', serverAddress: 'api.openai.com' });
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(readAgentsState(path).snapshot.llmCallsIntercepted, 2);
  d.observeCall({ identity: identityOf(), provider: 'openai', model: 'gpt-4o', serverAddress: 'api.openai.com' });
  writer.stop();
  writer.stop();
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).llmCallsIntercepted, 3);

  // An unwritable path (a directory in the way) is warned about, not thrown.
  const blocked = join(dir, 'blocked');
  writeFileSync(blocked, 'a file where a directory should be');
  const w = startAgentsStateWriter({ discovery: d, path: join(blocked, 'agents.json'), intervalMs: 1000 });
  w.stop();
});
