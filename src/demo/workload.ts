/**
 * `osprey demo`: a provider-like HTTPS server on loopback and real clients (curl, Python, Node
 * fetch) calling it as "api.openai.com" every few seconds, each in a private mount namespace whose
 * /etc/hosts points that name at 127.0.0.1. Nothing leaves the host; the agent sees real TLS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnostics } from '../telemetry/log.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-provider.js';
import { makePki } from './pki.js';

const HOST = 'api.openai.com';
const PROMPTS = [
  'Summarise the incident report for ticket [demo-ticket]',
  'Draft a reply to the customer about invoice [demo-invoice]',
  'Which tool should I call to get the weather in Paris? [demo-tools]',
];

function clientsDir(): string {
  // dist/src/demo/workload.js → <repo>/scripts/clients
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'clients');
}

export interface DemoWorkload {
  port: number;
  stop(): Promise<void>;
}

export async function startDemoWorkload(intervalMs = 5000): Promise<DemoWorkload> {
  const pki = makePki([HOST]);
  const server: FakeOpenAi = await startFakeOpenAi({ cert: pki.cert, key: pki.key });
  const hosts = join(mkdtempSync(join(tmpdir(), 'osprey-demo-')), 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${HOST}\n`);
  const clients = clientsDir();
  const url = `https://${HOST}:${server.port}/v1/chat/completions`;
  let round = 0;
  const runOnce = (): void => {
    const prompt = PROMPTS[round % PROMPTS.length] as string;
    const marker = `demo-${round}`;
    const tools = prompt.includes('tool');
    const commands: string[][] = [
      ['python3', join(clients, 'chat.py'), JSON.stringify({ host: HOST, port: server.port, cafile: pki.caCertPath, model: 'gpt-4o-mini', marker, prompt, stream: round % 2 === 0, tools })],
      [process.execPath, join(clients, 'node-fetch.mjs'), JSON.stringify({ url, model: 'gpt-4.1', marker, prompt, stream: true, include_usage: true, tools })],
      ['curl', '--http1.1', '-sS', '--fail', '--cacert', pki.caCertPath, url, '-H', 'Authorization: Bearer sk-demo-not-a-real-key-0000000000000000', '-H', 'content-type: application/json', '-o', '/dev/null', '-d', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `${prompt} [${marker}]` }] })],
    ];
    round++;
    for (const cmd of commands) {
      const child = spawn(join(clients, 'with-hosts.sh'), [hosts, ...cmd], { stdio: 'ignore', env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caCertPath } });
      child.on('error', (e) => diagnostics.warn(`demo client ${cmd[0]} could not start: ${e.message}`));
    }
  };
  runOnce();
  const timer = setInterval(runOnce, intervalMs);
  diagnostics.info(`demo: provider-like server for ${HOST} on 127.0.0.1:${server.port}; clients every ${intervalMs / 1000} s`);
  return {
    port: server.port,
    stop: async () => {
      clearInterval(timer);
      await server.close();
    },
  };
}
