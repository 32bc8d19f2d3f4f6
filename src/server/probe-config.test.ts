import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserFacingError } from '../util/errors.js';
import { DEFAULT_PROBE_CONFIG, loadProbeConfig } from './probe-config.js';

describe('probe config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-probe-config-'));

  it('lays the file over the defaults and orders mappings by priority', () => {
    const file = join(dir, 'probes.yaml');
    writeFileSync(
      file,
      ['guardrails:', '  pii: false', 'mappings:', '  - {match_type: PROCESS_NAME, pattern: "python.*", agent_name: py}', '  - {match_type: K8S_POD, pattern: "^billing-", agent_name: billing, priority: 10}'].join('\n'),
    );
    const config = loadProbeConfig(file);
    assert.deepEqual(config.endpoints, DEFAULT_PROBE_CONFIG.endpoints);
    assert.deepEqual(config.guardrails, { ...DEFAULT_PROBE_CONFIG.guardrails, pii: false });
    assert.deepEqual(config.mappings.map((m) => [m.agent_name, m.priority]), [['billing', 10], ['py', 0]]);
  });

  it('names what is wrong', () => {
    const badType = join(dir, 'bad-type.json');
    writeFileSync(badType, JSON.stringify({ mappings: [{ match_type: 'HOSTNAME', pattern: 'x', agent_name: 'a' }] }));
    assert.throws(() => loadProbeConfig(badType), (e: unknown) => e instanceof UserFacingError && /\/mappings\/0\/match_type must be equal to one of the allowed values/.test(e.message));
    const badRegex = join(dir, 'bad-regex.json');
    writeFileSync(badRegex, JSON.stringify({ mappings: [{ match_type: 'COMMAND_LINE', pattern: '(', agent_name: 'a' }] }));
    assert.throws(() => loadProbeConfig(badRegex), /is not a regular expression/);
  });
});
