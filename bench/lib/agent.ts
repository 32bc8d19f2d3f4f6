/**
 * Runs the real agent (`node bin/osprey agent`) for a benchmark run: waits until its TLS probes
 * are attached, knows its node pid and its loader's pid (for /proc CPU and RSS), scrapes its
 * Prometheus metrics, and stops it with SIGINT so it drains and flushes as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { APP_ROOT, freePort } from './servers.js';
import { sleep } from './util.js';

export interface AgentOptions {
  jsonlPath: string;
  recordPath?: string;
  /** Write a V8 CPU profile of the agent here (node --cpu-prof). */
  cpuProfDir?: string;
  /** Stderr lines that must appear before the agent counts as ready (its attach messages). */
  waitFor: RegExp[];
  /** Extra environment (e.g. OSPREY_LOADER for an experimental loader build). */
  env?: Record<string, string>;
}

export interface Metrics {
  drops: Record<string, number>;
  llmCalls: number;
  ignoredExchanges: number;
  plaintextBytes: number;
}

export interface RunningAgent {
  pid: number;
  /** Epoch ms when it was spawned and when its probes were attached. */
  spawnedAtMs: number;
  readyAtMs: number;
  loaderPid: number;
  metricsPort: number;
  stderr(): string;
  metrics(): Promise<Metrics>;
  stop(): Promise<void>;
}

export function parseMetrics(text: string): Metrics {
  const m: Metrics = { drops: {}, llmCalls: 0, ignoredExchanges: 0, plaintextBytes: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (!match) continue;
    const [, name, labels = '', value] = match;
    const v = Number(value);
    if (name === 'osprey_records_dropped_total') {
      const stage = /stage="([^"]*)"/.exec(labels)?.[1] ?? '?';
      const reason = /reason="([^"]*)"/.exec(labels)?.[1] ?? '?';
      m.drops[`${stage}/${reason}`] = (m.drops[`${stage}/${reason}`] ?? 0) + v;
    } else if (name === 'osprey_llm_calls_total') m.llmCalls += v;
    else if (name === 'osprey_http_exchanges_ignored_total') m.ignoredExchanges += v;
    else if (name === 'osprey_plaintext_bytes_total') m.plaintextBytes += v;
  }
  return m;
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const metricsPort = await freePort();
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  // What bin/osprey runs, from the benchmark's copy of the build.
  const args = [...nodeArgs, join(APP_ROOT, 'dist', 'src', 'cli', 'main.js'), 'agent', '--jsonl', opts.jsonlPath, '--metrics', `127.0.0.1:${metricsPort}`];
  if (opts.recordPath) args.push('--record', opts.recordPath);
  const spawnedAtMs = Date.now();
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...opts.env } });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  let loaderPid = 0;
  for (;;) {
    const m = /loader pid (\d+)/.exec(stderr);
    if (m) loaderPid = Number(m[1]);
    if (loaderPid && opts.waitFor.every((re) => re.test(stderr))) break;
    if (child.exitCode !== null) throw new Error(`agent exited early (${child.exitCode}):\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent did not attach in time:\n${stderr}`);
    }
    await sleep(50);
  }
  return {
    pid: child.pid as number,
    spawnedAtMs,
    readyAtMs: Date.now(),
    loaderPid,
    metricsPort,
    stderr: () => stderr,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return parseMetrics(await res.text());
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        try {
          process.kill(loaderPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 30_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Waits until a predicate over the file's line count holds still for `settleMs` (the agent has written what it will write). */
export async function waitForStableCount(count: () => number, settleMs = 700, maxMs = 15_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = count();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(100);
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= settleMs) break;
  }
  return last;
}
