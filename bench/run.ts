/**
 * `make bench`: Osprey's benchmarks in one run — capture overhead (A/B pairs with and without the
 * agent), pipeline throughput (recorded sensor output replayed without a kernel), response-end →
 * record latency, and memory (10K idle TLS connections; 1M exchanges leak check). Writes
 * bench/results/results.json, REPORT.md and SVG charts (BENCH_QUICK=1: a short smoke run into
 * bench/results/quick/). Needs root, like the agent. See bench/README.md.
 *
 * The working tree is shared with other work in progress, so the run first copies the build
 * (dist/, the loader binary) to a private directory and runs everything — agent, clients, replay —
 * from that copy: a rebuild elsewhere during the run cannot change what is being measured.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_ROOT, REPO_ROOT, ensurePackages, makeEcPki, startBackend, startCaddy, writeHostsFile } from './lib/servers.js';
import { loadAverage } from './lib/proc.js';
import { log } from './lib/util.js';
import type { BenchConfig, BenchContext } from './phases/context.js';
import { runOverhead, workloads, type OverheadResult } from './phases/overhead.js';
import { runPipeline, type PipelineResult } from './phases/pipeline.js';
import { runLatency, type LatencyCondition } from './phases/latency.js';
import { runIdleConnections, runLeak, runMemoryBreakdown, type IdleConnectionsResult, type LeakResult, type MemoryBreakdown } from './phases/memory.js';
import { writeReport } from './report.js';

export interface Results {
  meta: {
    startedAt: string;
    durationS: number;
    quick: boolean;
    config: BenchConfig;
    machine: { cpus: number; cpuModel: string; memoryGB: number; kernel: string; node: string; loadAverageAtStart: number; loadAverageAtEnd: number };
    commit: string;
    dirtyTree: boolean;
    workDir: string;
  };
  overhead: OverheadResult[];
  pipeline: PipelineResult | null;
  latency: LatencyCondition[];
  idleConnections: IdleConnectionsResult | null;
  memoryBreakdown: MemoryBreakdown | null;
  leak: LeakResult | null;
  errors: Record<string, string>;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Copies the build to WORKDIR/app and runs this file from there; returns its exit code. */
async function runFromSnapshot(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'osprey-bench-'));
  const app = join(workDir, 'app');
  mkdirSync(join(app, 'bpf'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(app, 'dist'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'package.json'), join(app, 'package.json'));
  copyFileSync(join(REPO_ROOT, 'bpf', 'osprey-loader'), join(app, 'bpf', 'osprey-loader'));
  chmodSync(join(app, 'bpf', 'osprey-loader'), 0o755);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(app, 'node_modules'));
  const child = spawn(process.execPath, [join(app, 'dist', 'bench', 'run.js')], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_REPO: REPO_ROOT, BENCH_WORKDIR: workDir },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  if (process.env.BENCH_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
  return code;
}

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) {
    process.stderr.write('bench: the agent needs root; run `sudo make bench`\n');
    process.exit(1);
  }
  if (process.env.BENCH_REPORT_ONLY === '1') {
    // Rewrites REPORT.md and the charts from the last results.json (e.g. after running an experiment).
    const dir = join(REPO_ROOT, 'bench', 'results', ...(process.env.BENCH_QUICK === '1' ? ['quick'] : []));
    const { targets: _targets, ...saved } = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results & { targets: unknown };
    process.stdout.write(`${writeReport(saved, dir)}\n`);
    return;
  }
  if (!process.env.BENCH_WORKDIR) {
    process.exit(await runFromSnapshot());
  }
  const quick = process.env.BENCH_QUICK === '1';
  const config: BenchConfig = quick
    ? { quick, pairs: 2, runSeconds: 3, latencyRequests: 40, idleConnections: 500, leakExchanges: 50_000, replayCpuSeconds: 0.5 }
    : { quick, pairs: 5, runSeconds: 8, latencyRequests: 300, idleConnections: 10_000, leakExchanges: 1_000_000, replayCpuSeconds: 2 };
  const started = Date.now();
  const outDir = join(REPO_ROOT, 'bench', 'results', ...(quick ? ['quick'] : []));
  mkdirSync(outDir, { recursive: true });
  if (quick) writeFileSync(join(outDir, '.gitignore'), '*\n');

  await ensurePackages(['wrk', 'caddy']);
  const workDir = process.env.BENCH_WORKDIR;
  log(`running from ${APP_ROOT}; work dir ${workDir}${quick ? ' (BENCH_QUICK=1)' : ''}`);
  const pki = await makeEcPki(workDir);
  const hostsFile = writeHostsFile(workDir);
  const backend = await startBackend(200);
  const caddy = await startCaddy(workDir, pki, backend.port);
  const ctx: BenchContext = {
    config,
    workDir,
    hostsFile,
    pki,
    caddy,
    backend,
    benchSrc: join(REPO_ROOT, 'bench'),
    benchDist: join(APP_ROOT, 'dist', 'bench'),
  };
  const results: Results = {
    meta: {
      startedAt: new Date(started).toISOString(),
      durationS: 0,
      quick,
      config,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '?',
        memoryGB: Math.round(totalmem() / 2 ** 30),
        kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
        node: process.version,
        loadAverageAtStart: loadAverage(),
        loadAverageAtEnd: 0,
      },
      commit: git(['rev-parse', '--short', 'HEAD']),
      dirtyTree: git(['status', '--porcelain', '--', 'src', 'bpf']) !== '',
      workDir,
    },
    overhead: [],
    pipeline: null,
    latency: [],
    idleConnections: null,
    memoryBreakdown: null,
    leak: null,
    errors: {},
  };
  // BENCH_ONLY=latency,leak runs a subset (for working on one phase; the report then shows only those).
  const only = process.env.BENCH_ONLY?.split(',').map((x) => x.trim());
  const phase = async (name: string, fn: () => Promise<void>): Promise<void> => {
    if (only && !only.some((o) => name.startsWith(o))) return;
    try {
      await fn();
    } catch (e) {
      results.errors[name] = (e as Error).stack ?? String(e);
      log(`${name} FAILED: ${(e as Error).message}`);
    }
  };
  try {
    for (const w of workloads(ctx)) await phase(`overhead-${w.name}`, async () => void results.overhead.push(await runOverhead(ctx, w)));
    await phase('pipeline', async () => void (results.pipeline = await runPipeline(ctx)));
    await phase('latency', async () => void (results.latency = await runLatency(ctx)));
    await phase('idle-connections', async () => void (results.idleConnections = await runIdleConnections(ctx)));
    await phase('memory-breakdown', async () => void (results.memoryBreakdown = await runMemoryBreakdown(ctx)));
    await phase('leak', async () => void (results.leak = await runLeak(ctx)));
  } finally {
    await caddy.stop();
    await backend.stop();
  }
  results.meta.durationS = (Date.now() - started) / 1000;
  results.meta.machine.loadAverageAtEnd = loadAverage();
  const report = writeReport(results, outDir);
  log(`done in ${results.meta.durationS.toFixed(0)} s; report ${report}`);
  process.stdout.write(`\n${report}\n`);
}

await main();
