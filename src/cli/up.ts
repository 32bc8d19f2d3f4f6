/**
 * `osprey up`: Osprey's main job on one host — the server with its embedded SQLite store, and the
 * agent delivering every captured LLM call to it — in one process, with local tokens made once and
 * kept (mode 0600) in the data directory so `osprey calls` and `osprey stats` work right away.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrivileges, runAgent } from '../agent/run.js';
import type { AgentConfig } from '../config/agent-config.js';
import { buildServer } from '../server/app.js';
import { DEFAULT_DATA_DIR, storeLocation } from '../server/cli/store-location.js';
import { loadPricing } from '../server/pricing.js';
import { loadProbeConfig } from '../server/probe-config.js';
import { openStore } from '../server/store/store.js';
import { createAgentSink } from '../sinks/agent-sink.js';
import { diagnostics } from '../telemetry/log.js';
import { parseListen } from '../telemetry/metrics-server.js';
import { UserFacingError } from '../util/errors.js';

export interface LocalTokens {
  ingest: string;
  read: string;
}

export const LOCAL_TOKENS_FILE = 'local-tokens.json';

/** The tokens `osprey up` made for this host, if this user may read them. */
export function readLocalTokens(dataDir = DEFAULT_DATA_DIR): LocalTokens | null {
  try {
    const t = JSON.parse(readFileSync(join(dataDir, LOCAL_TOKENS_FILE), 'utf8')) as Partial<LocalTokens>;
    return typeof t.ingest === 'string' && typeof t.read === 'string' ? { ingest: t.ingest, read: t.read } : null;
  } catch {
    return null;
  }
}

function ensureLocalTokens(dataDir: string): LocalTokens {
  const existing = readLocalTokens(dataDir);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  const tokens: LocalTokens = { ingest: `osp_${randomBytes(24).toString('base64url')}`, read: `osp_${randomBytes(24).toString('base64url')}` };
  const path = join(dataDir, LOCAL_TOKENS_FILE);
  if (existsSync(path)) throw new UserFacingError(`${path} exists but is not a token file: move it away and run again`);
  writeFileSync(path, JSON.stringify(tokens) + '\n', { mode: 0o600 });
  return tokens;
}

export interface UpOptions {
  dataDir: string;
  listen: string;
  jsonl?: string;
  demo: boolean;
  ringbufMb: number;
  metrics?: { host: string; port: number };
  config: AgentConfig;
}

export async function runUp(opts: UpOptions): Promise<void> {
  requirePrivileges();
  const { host, port } = parseListen(opts.listen, '--listen');
  const tokens = ensureLocalTokens(opts.dataDir);
  const store = await openStore(storeLocation({ dataDir: opts.dataDir }));
  const app = buildServer({
    store,
    pricing: loadPricing(),
    probeConfig: loadProbeConfig(),
    envTokens: [
      { scope: 'ingest', secret: tokens.ingest },
      { scope: 'read', secret: tokens.read },
    ],
  });
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    throw new UserFacingError(`cannot listen on ${opts.listen}: ${(e as Error).message} (is another osprey server running? use --listen)`, 'OSP_ERR_SERVER_LISTEN');
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  diagnostics.info(`server on ${url}, store ${store.describe}`);
  diagnostics.info(`query the calls: bin/osprey calls --server ${url}   (or: bin/osprey stats --by model)`);
  try {
    await runAgent({
      sink: createAgentSink({ server: url, token: tokens.ingest, jsonl: opts.jsonl, spoolDir: join(opts.dataDir, 'spool') }),
      ringbufMb: opts.ringbufMb,
      metrics: opts.metrics,
      demo: opts.demo,
      config: opts.config,
    });
  } finally {
    await app.close();
  }
}
