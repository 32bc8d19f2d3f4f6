/**
 * `osprey demo`: a provider-like HTTPS server on loopback (src/demo/providers: every provider's
 * wire format) and real clients calling it every few seconds, each in a private mount namespace
 * whose /etc/hosts points the provider names at 127.0.0.1: Python and Node fetch call
 * "api.openai.com", and curl calls OpenAI, Anthropic, Gemini, Azure OpenAI, Cohere, Groq and
 * Mistral in turn, each in its own format (three calls a round, whatever the provider). Nothing
 * leaves the host; the agent sees real TLS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnostics } from '../telemetry/log.js';
import { makePki } from './pki.js';
import { AZURE_DEMO_HOST, FAKE_PROVIDER_HOSTS, startFakeProviders, type FakeProviders } from './providers/router.js';

const HOST = 'api.openai.com';
/** Not keys: the fake accepts any. */
const DEMO_KEY = 'demo-not-a-real-key';
const PROMPTS = [
  'Summarise the incident report for ticket [demo-ticket]',
  'Draft a reply to the customer about invoice [demo-invoice]',
  'Which tool should I call to get the weather in Paris? [demo-tools]',
];

function clientsDir(): string {
  // dist/src/demo/workload.js → <repo>/scripts/clients
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'clients');
}

/** Round `round`'s curl call: to one provider after the other, in that provider's wire format (HTTP/1.1). */
function curlCall(round: number, port: number, caCert: string, userText: string): string[] {
  const curl = (url: string, headers: string[], body: object): string[] => [
    'curl', '--http1.1', '-sS', '--fail', '-N', '--cacert', caCert, url,
    ...headers.flatMap((h) => ['-H', h]), '-H', 'content-type: application/json', '-o', '/dev/null', '-d', JSON.stringify(body),
  ];
  const messages = [{ role: 'user', content: userText }];
  const calls: Array<() => string[]> = [
    () => curl(`https://${HOST}:${port}/v1/chat/completions`, ['Authorization: Bearer sk-demo-not-a-real-key-0000000000000000'], { model: 'gpt-4o', messages }),
    () => curl(`https://api.anthropic.com:${port}/v1/messages`, [`x-api-key: ${DEMO_KEY}`, 'anthropic-version: 2023-06-01'], { model: 'claude-sonnet-4-5', max_tokens: 512, stream: true, messages }),
    () => curl(`https://generativelanguage.googleapis.com:${port}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, [`x-goog-api-key: ${DEMO_KEY}`], { contents: [{ role: 'user', parts: [{ text: userText }] }] }),
    () => curl(`https://${AZURE_DEMO_HOST}:${port}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21`, [`api-key: ${DEMO_KEY}`], { messages, stream: true, stream_options: { include_usage: true } }),
    () => curl(`https://api.cohere.com:${port}/v2/chat`, [`Authorization: Bearer ${DEMO_KEY}`], { model: 'command-a-03-2025', stream: true, messages }),
    () => curl(`https://api.groq.com:${port}/openai/v1/chat/completions`, [`Authorization: Bearer ${DEMO_KEY}`], { model: 'llama-3.3-70b-versatile', stream: true, messages }),
    () => curl(`https://api.mistral.ai:${port}/v1/chat/completions`, [`Authorization: Bearer ${DEMO_KEY}`], { model: 'mistral-small-latest', messages }),
  ];
  return (calls[round % calls.length] as () => string[])();
}

export interface DemoWorkload {
  port: number;
  stop(): Promise<void>;
}

export async function startDemoWorkload(intervalMs = 5000): Promise<DemoWorkload> {
  const pki = makePki(FAKE_PROVIDER_HOSTS);
  const server: FakeProviders = await startFakeProviders({ tls: { cert: pki.cert, key: pki.key } });
  const hosts = join(mkdtempSync(join(tmpdir(), 'osprey-demo-')), 'hosts');
  writeFileSync(hosts, `127.0.0.1 localhost\n127.0.0.1 ${FAKE_PROVIDER_HOSTS.join(' ')}\n`);
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
      curlCall(round, server.port, pki.caCertPath, `${prompt} [${marker}]`),
    ];
    round++;
    for (const cmd of commands) {
      const child = spawn(join(clients, 'with-hosts.sh'), [hosts, ...cmd], { stdio: 'ignore', env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.caCertPath } });
      child.on('error', (e) => diagnostics.warn(`demo client ${cmd[0]} could not start: ${e.message}`));
    }
  };
  runOnce();
  const timer = setInterval(runOnce, intervalMs);
  diagnostics.info(`demo: provider-like server for ${FAKE_PROVIDER_HOSTS.join(', ')} on 127.0.0.1:${server.port}; clients every ${intervalMs / 1000} s`);
  return {
    port: server.port,
    stop: async () => {
      clearInterval(timer);
      await server.close();
    },
  };
}
