/** Probe control plane: register, config, heartbeat, and the agent kill switch. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_PROBE_CONFIG } from '../../../src/server/probe-config.js';
import { getProbe, setAgentHalted } from '../../../src/server/store/probes.js';
import type { Store } from '../../../src/server/store/store.js';
import type { StoreFactory } from '../stores.js';
import { bearer, INGEST_TOKEN, READ_TOKEN, testApp } from '../fixtures.js';

export function probesSuite(factory: StoreFactory): void {
  describe('probe endpoints', () => {
    let store: Store;
    let app: FastifyInstance;
    before(async () => {
      store = await factory.open();
      app = testApp(store);
    });
    after(() => app.close());

    const call = (method: 'GET' | 'POST', url: string, payload?: unknown, token = INGEST_TOKEN) =>
      app.inject({ method, url, headers: { ...bearer(token), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, payload: payload === undefined ? undefined : JSON.stringify(payload) });

    it('registers a probe, keeps its id across re-registration, serves its config and records heartbeats', async () => {
      const registration = { hostname: 'node-1', clusterName: 'eu-1', kernelVersion: '6.1.0', agentVersion: '1.0.0' };
      const first = await call('POST', '/api/sdk/v1/ebpf/register', registration);
      assert.equal(first.statusCode, 200);
      const { id } = first.json() as { id: string };
      assert.match(id, /^[0-9a-f-]{36}$/);
      const again = await call('POST', '/api/sdk/v1/ebpf/register', { ...registration, agentVersion: '1.0.1' });
      assert.equal(again.json().id, id);
      const other = await call('POST', '/api/sdk/v1/ebpf/register', { hostname: 'node-2' });
      assert.notEqual(other.json().id, id);

      const config = await call('GET', `/api/sdk/v1/ebpf/probes/${id}/config`);
      assert.equal(config.statusCode, 200);
      assert.deepEqual(config.json(), { probe_id: id, ...DEFAULT_PROBE_CONFIG });

      const hb = await call('POST', `/api/sdk/v1/ebpf/probes/${id}/heartbeat`, {
        processesMonitored: 3,
        llmCallsIntercepted: 42,
        discoveredProcesses: [{ processName: 'python3', executablePath: '/usr/bin/python3', commandLine: 'python3 bot.py', pid: 99, llmCallCount: 7 }],
      });
      assert.equal(hb.statusCode, 200);
      const probe = await getProbe(store.db, id);
      assert.equal(probe?.agent_version, '1.0.1');
      assert.equal(probe?.processes_monitored, 3);
      assert.equal(probe?.llm_calls_intercepted, 42);
      assert.equal(JSON.parse(probe!.discovered_processes!)[0].processName, 'python3');
      const beats = await store.db.selectFrom('probe_heartbeats').selectAll().where('probe_id', '=', id).execute();
      assert.equal(beats.length, 1);
    });

    it('answers 404 for unknown probes, 400 for bad heartbeats, 401/403 without the ingest scope', async () => {
      assert.equal((await call('GET', '/api/sdk/v1/ebpf/probes/unknown/config')).statusCode, 404);
      assert.equal((await call('POST', '/api/sdk/v1/ebpf/probes/unknown/heartbeat', { processesMonitored: 1, llmCallsIntercepted: 1 })).statusCode, 404);
      const { id } = (await call('POST', '/api/sdk/v1/ebpf/register', { hostname: 'node-3' })).json() as { id: string };
      assert.equal((await call('POST', `/api/sdk/v1/ebpf/probes/${id}/heartbeat`, { processes_monitored: 1 })).statusCode, 400);
      assert.equal((await call('POST', '/api/sdk/v1/ebpf/register', {})).statusCode, 400);
      assert.equal((await call('POST', '/api/sdk/v1/ebpf/register', { hostname: 'x' }, READ_TOKEN)).statusCode, 403);
      assert.equal((await app.inject({ method: 'GET', url: '/api/sdk/v1/agents/a/control' })).statusCode, 401);
    });

    it('serves the agent kill switch', async () => {
      const running = (await call('GET', '/api/sdk/v1/agents/support%20bot/control')).json();
      assert.equal(running.agent_name, 'support bot');
      assert.equal(running.halted, false);
      assert.equal(running.halt_source, 'none');
      assert.equal(running.revision, 0);
      assert.equal(running.require_guardrails, 'OFF');
      assert.match(running.polled_at, /Z$/);
      await setAgentHalted(store.db, 'support bot', true, 'leaking PII', Date.UTC(2026, 10, 28) * 1000);
      const halted = (await call('GET', '/api/sdk/v1/agents/support%20bot/control')).json();
      assert.deepEqual([halted.halted, halted.halt_source, halted.halt_reason, halted.halted_at, halted.revision], [true, 'agent', 'leaking PII', '2026-11-28T00:00:00.000000Z', 1]);
      await setAgentHalted(store.db, 'support bot', false, null, Date.UTC(2026, 10, 29) * 1000);
      const resumed = (await call('GET', '/api/sdk/v1/agents/support%20bot/control')).json();
      assert.deepEqual([resumed.halted, resumed.halt_reason, resumed.revision], [false, null, 2]);
    });
  });
}
