/**
 * Memory. (1) The real agent while a client holds N idle TLS connections, each having made one
 * small chat completion: RSS of the agent's node process and of its loader before, with all
 * connections open, and after they close. (2) The leak check: 1M exchanges through one Pipeline
 * via the replay path (synthetic sensor records, no kernel) in a child process, RSS and heap
 * sampled every 50K exchanges after a forced GC.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, waitForStableCount, type Metrics } from '../lib/agent.js';
import { rssBytes, cpuSeconds } from '../lib/proc.js';
import { log, sleep } from '../lib/util.js';
import type { BenchContext } from './context.js';

export interface IdleConnectionsResult {
  connections: number;
  opened: number;
  failed: number;
  openSeconds: number;
  records: number;
  agentRssMB: { before: number; allOpen: number; peak: number; afterClose: number };
  loaderRssMB: { before: number; allOpen: number };
  agentCpuSecondsWhileOpening: number;
  metrics: Metrics | null;
}

/** Where the agent's memory goes, measured without the kernel (see lib/conn-cost-child.ts, lib/import-cost-child.ts). */
export interface MemoryBreakdown {
  perConnection: { connections: number; heapBytesPerConnection: number; arrayBufferBytesPerConnection: number; rssDeltaMB: number };
  /** RSS of a fresh node process after importing each module (the agent's command module vs the whole CLI). */
  imports: Array<{ module: string; rssMB: number; addedRssMB: number; heapUsedMB: number }>;
}

export interface LeakSample {
  exchanges: number;
  records: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  cpuS: number;
  wallS: number;
  connections: number;
  processes: number;
}

export interface LeakResult {
  exchanges: number;
  records: number;
  samples: LeakSample[];
  exchangesPerCpuSecond: number;
  verdict: { flat: boolean; rssGrowthMB: number; heapGrowthMB: number; why: string };
}

const MB = 2 ** 20;

export async function runIdleConnections(ctx: BenchContext): Promise<IdleConnectionsResult> {
  const n = ctx.config.idleConnections;
  const jsonl = join(ctx.workDir, 'idle-conns.jsonl');
  const agent = await startAgent({ jsonlPath: jsonl, waitFor: [/attached openssl probes to \S*node/] });
  let peak = 0;
  const peakTimer = setInterval(() => (peak = Math.max(peak, rssBytes(agent.pid) ?? 0)), 200);
  try {
    await sleep(1500);
    const before = { agent: rssBytes(agent.pid) ?? 0, loader: rssBytes(agent.loaderPid) ?? 0 };
    const cpu0 = cpuSeconds(agent.pid) ?? 0;
    log(`memory: opening ${n} idle TLS connections`);
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(ctx.benchDist, 'clients', 'idle-conns.js'), String(ctx.caddy.port), String(n), '200', ctx.pki.certPath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const allOpen = new Promise<{ opened: number; failed: number }>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (t: string) => {
        out += t;
        const m = /all-open (\d+) failed (\d+)/.exec(out);
        if (m) resolve({ opened: Number(m[1]), failed: Number(m[2]) });
      });
      child.once('exit', (code) => reject(new Error(`idle-conns client exited (${code}): ${out.slice(-500)}`)));
    });
    const closed = new Promise<void>((r) => child.once('exit', () => r()));
    const { opened, failed } = await allOpen;
    const openSeconds = (performance.now() - t0) / 1000;
    const count = (): number => (readFileSync(jsonl, 'utf8').match(/\[idle-\d+\]/g) ?? []).length;
    const records = await waitForStableCount(count, 1000, 30_000);
    await sleep(2000);
    const allOpenRss = { agent: rssBytes(agent.pid) ?? 0, loader: rssBytes(agent.loaderPid) ?? 0 };
    const agentCpu = (cpuSeconds(agent.pid) ?? 0) - cpu0;
    const metrics = await agent.metrics().catch(() => null);
    log(`memory: ${opened} open (${failed} failed) in ${openSeconds.toFixed(1)} s, ${records} records, agent RSS ${(allOpenRss.agent / MB).toFixed(0)} MB (before ${(before.agent / MB).toFixed(0)} MB)`);
    child.kill('SIGTERM');
    await closed;
    await sleep(3000);
    const afterClose = rssBytes(agent.pid) ?? 0;
    return {
      connections: n,
      opened,
      failed,
      openSeconds,
      records,
      agentRssMB: { before: before.agent / MB, allOpen: allOpenRss.agent / MB, peak: peak / MB, afterClose: afterClose / MB },
      loaderRssMB: { before: before.loader / MB, allOpen: allOpenRss.loader / MB },
      agentCpuSecondsWhileOpening: agentCpu,
      metrics,
    };
  } finally {
    clearInterval(peakTimer);
    await agent.stop();
  }
}

async function childJson<T>(args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--expose-gc', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
  const last = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as T;
}

export async function runMemoryBreakdown(ctx: BenchContext): Promise<MemoryBreakdown> {
  const n = ctx.config.idleConnections;
  const perConnection = await childJson<MemoryBreakdown['perConnection']>([join(ctx.benchDist, 'lib', 'conn-cost-child.js'), String(n)]);
  const src = join(ctx.benchDist, '..', 'src');
  const imports: MemoryBreakdown['imports'] = [];
  for (const m of ['agent/run.js', 'cli/main.js']) {
    const r = await childJson<MemoryBreakdown['imports'][number]>([join(ctx.benchDist, 'lib', 'import-cost-child.js'), join(src, m)]);
    imports.push({ ...r, module: `src/${m}` });
  }
  log(`memory breakdown: ${perConnection.heapBytesPerConnection.toFixed(0)} B heap + ${perConnection.arrayBufferBytesPerConnection.toFixed(0)} B array buffers per idle connection; RSS after importing ${imports.map((i) => `${i.module} ${i.rssMB.toFixed(0)} MB`).join(', ')}`);
  return { perConnection, imports };
}

export async function runLeak(ctx: BenchContext): Promise<LeakResult> {
  const total = ctx.config.leakExchanges;
  const every = Math.max(10_000, Math.round(total / 20));
  log(`memory: ${total} exchanges through one pipeline (replay path, synthetic records)`);
  const child = spawn(process.execPath, ['--expose-gc', join(ctx.benchDist, 'lib', 'leak-child.js'), String(total), String(every)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    out += t;
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`leak child exited ${code}`);
  const lines = out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as LeakSample & { done?: boolean });
  const samples = lines.filter((l) => !l.done) as LeakSample[];
  const last = samples[samples.length - 1]!;
  // Judge from the first fifth on (after warm-up): heap after GC must not grow, and RSS must not climb past what the first half already reached.
  const warm = samples.filter((s) => s.exchanges >= total * 0.2);
  const firstHalf = warm.filter((s) => s.exchanges <= total * 0.5);
  const heapGrowthMB = (last.heapUsedBytes + last.arrayBuffersBytes - ((warm[0]?.heapUsedBytes ?? 0) + (warm[0]?.arrayBuffersBytes ?? 0))) / MB;
  const rssGrowthMB = (last.rssBytes - Math.max(...firstHalf.map((s) => s.rssBytes))) / MB;
  const flat = heapGrowthMB < 5 && rssGrowthMB < 20;
  return {
    exchanges: last.exchanges,
    records: last.records,
    samples,
    exchangesPerCpuSecond: last.exchanges / last.cpuS,
    verdict: {
      flat,
      rssGrowthMB,
      heapGrowthMB,
      why: `heap+array buffers after forced GC grew ${heapGrowthMB.toFixed(1)} MB from the 20% mark to the end (limit 5 MB); final RSS is ${rssGrowthMB.toFixed(1)} MB above the highest RSS of the 20–50% stretch (limit 20 MB)`,
    },
  };
}
