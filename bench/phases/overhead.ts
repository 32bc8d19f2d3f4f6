/**
 * Capture overhead: the same load run alternately without (A) and with (B) the agent, in pairs
 * (A/B/A/B…), so slow drifts of a shared machine hit both sides alike. Each B run starts a fresh
 * agent, waits for its probes, measures, then stops it. A final, separate B run per workload is
 * profiled (node --cpu-prof on the agent, BPF run time with kernel.bpf_stats_enabled=1) and is not
 * part of the ratios.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, waitForStableCount, type Metrics } from '../lib/agent.js';
import { areaShares, bpfProgStats, loadProfile, monotonicUs, setBpfStats, summarizeProfile, type BpfProgStat, type ProfileSummary, type Window } from '../lib/profile.js';
import { Sampler, loadAverage, pidsWithCmdline, type SamplerResult } from '../lib/proc.js';
import { startWrk, type WrkResult } from '../lib/wrk.js';
import { log, median, sleep } from '../lib/util.js';
import type { BenchContext } from './context.js';

export interface Workload {
  name: 'llm' | 'flood';
  title: string;
  script: string;
  url: string;
  threads: number;
  connections: number;
  /** Does each request produce an LlmCall record? */
  llm: boolean;
}

export interface OverheadRun {
  pair: number;
  withAgent: boolean;
  marker: string;
  wrk: Omit<WrkResult, 'raw'>;
  cpu: SamplerResult;
  loadAverage: number;
  /** Other osprey-loader processes on the host during the run (another agent would distort it). */
  foreignLoaders: number;
  records?: number;
  metrics?: Metrics;
}

export interface OverheadProfile {
  cpuProfile: ProfileSummary | null;
  /** The agent's busy time by source area (lib/profile.ts areaShares; adds up to 100%). */
  areas: Record<string, number>;
  bpf: Array<BpfProgStat & { nsPerRun: number }>;
  bpfTotal: { runCnt: number; runTimeNs: number; nsPerRequest: number; percentOfCore: number };
  requests: number;
  agentCpuPercentOfCore: number;
}

export interface OverheadResult {
  workload: Omit<Workload, 'script'>;
  runs: OverheadRun[];
  profile: OverheadProfile | null;
  profileError?: string;
}

function countMarker(path: string, marker: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  let n = 0;
  const needle = `[${marker}-`;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
  return n;
}

function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

async function waitNoForeignAgent(ourLoader: number | null): Promise<number> {
  const foreign = (): number[] => pidsWithCmdline('osprey-loader').filter((p) => p !== ourLoader && p !== process.pid);
  const deadline = Date.now() + 20_000;
  while (foreign().length > 0 && Date.now() < deadline) await sleep(500);
  return foreign().length;
}

export function workloads(ctx: BenchContext): Workload[] {
  const port = ctx.caddy.port;
  return [
    {
      name: 'llm',
      title: 'LLM-shaped: POST /v1/chat/completions, 2–20 KB JSON, SSE answer of 200 events',
      script: join(ctx.benchSrc, 'wrk', 'llm.lua'),
      url: `https://api.openai.com:${port}/v1/chat/completions`,
      threads: 1,
      connections: 16,
      llm: true,
    },
    {
      name: 'flood',
      title: 'Small-request HTTPS flood: GET /healthz, 2-byte answer',
      script: join(ctx.benchSrc, 'wrk', 'flood.lua'),
      url: `https://bench.local:${port}/healthz`,
      threads: 2,
      connections: 64,
      llm: false,
    },
  ];
}

const omitRaw = (w: WrkResult): Omit<WrkResult, 'raw'> => {
  const { raw: _raw, ...rest } = w;
  return rest;
};

async function oneRun(ctx: BenchContext, w: Workload, pair: number, withAgent: boolean, durationS: number): Promise<OverheadRun> {
  const marker = `${w.name}${pair}${withAgent ? 'b' : 'a'}${Date.now().toString(36)}`;
  const foreignLoaders = await waitNoForeignAgent(null);
  const jsonl = join(ctx.workDir, `overhead-${marker}.jsonl`);
  const agent = withAgent ? await startAgent({ jsonlPath: jsonl, waitFor: [/attached openssl probes to \S*libssl\.so/] }) : null;
  try {
    if (agent) await sleep(500);
    const before = agent ? await agent.metrics() : undefined;
    const wrk = startWrk({ hostsFile: ctx.hostsFile, script: w.script, url: w.url, threads: w.threads, connections: w.connections, durationS, env: { BENCH_RUN: marker } });
    const pids: Record<string, number> = { wrk: wrk.pid, caddy: ctx.caddy.pid, backend: ctx.backend.pid };
    if (agent) Object.assign(pids, { agent: agent.pid, loader: agent.loaderPid });
    const sampler = new Sampler(pids);
    const load = loadAverage();
    const result = await wrk.done;
    const cpu = sampler.stop();
    const r: OverheadRun = { pair, withAgent, marker, wrk: omitRaw(result), cpu, loadAverage: load, foreignLoaders };
    if (agent) {
      r.records = await waitForStableCount(() => (w.llm ? countMarker(jsonl, marker) : countLines(jsonl)));
      const after = await agent.metrics();
      r.metrics = diffMetrics(after, before);
    }
    return r;
  } finally {
    await agent?.stop();
  }
}

function diffMetrics(after: Metrics, before: Metrics | undefined): Metrics {
  if (!before) return after;
  const drops: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.drops)) {
    const d = v - (before.drops[k] ?? 0);
    if (d !== 0) drops[k] = d;
  }
  return {
    drops,
    llmCalls: after.llmCalls - before.llmCalls,
    ignoredExchanges: after.ignoredExchanges - before.ignoredExchanges,
    plaintextBytes: after.plaintextBytes - before.plaintextBytes,
  };
}

async function profileRun(ctx: BenchContext, w: Workload, durationS: number): Promise<OverheadProfile> {
  const dir = join(ctx.workDir, `cpuprof-${w.name}`);
  mkdirSync(dir, { recursive: true });
  const before = await setBpfStats(true);
  const jsonl = join(ctx.workDir, `overhead-${w.name}-profile.jsonl`);
  const agent = await startAgent({ jsonlPath: jsonl, cpuProfDir: dir, waitFor: [/attached openssl probes to \S*libssl\.so/] });
  let requests = 0;
  let agentCpu = 0;
  let stats0: BpfProgStat[] = [];
  let stats1: BpfProgStat[] = [];
  let wallS = 1;
  const window: Window = { fromUs: 0, toUs: 0 };
  try {
    await sleep(500);
    stats0 = await bpfProgStats(agent.spawnedAtMs, agent.readyAtMs);
    window.fromUs = monotonicUs();
    const wrk = startWrk({ hostsFile: ctx.hostsFile, script: w.script, url: w.url, threads: w.threads, connections: w.connections, durationS, env: { BENCH_RUN: `${w.name}prof` } });
    const sampler = new Sampler({ agent: agent.pid, loader: agent.loaderPid });
    requests = (await wrk.done).requests;
    window.toUs = monotonicUs();
    const cpu = sampler.stop();
    wallS = cpu.wallS;
    agentCpu = (cpu.cpuPercentOfCore.agent ?? 0) + (cpu.cpuPercentOfCore.loader ?? 0);
    stats1 = await bpfProgStats(agent.spawnedAtMs, agent.readyAtMs);
  } finally {
    await agent.stop();
    await setBpfStats(before === '1');
  }
  const bpf = stats1
    .map((s) => {
      const s0 = stats0.find((x) => x.id === s.id);
      const runCnt = s.runCnt - (s0?.runCnt ?? 0);
      const runTimeNs = s.runTimeNs - (s0?.runTimeNs ?? 0);
      return { ...s, runCnt, runTimeNs, nsPerRun: runCnt > 0 ? runTimeNs / runCnt : 0 };
    })
    .filter((s) => s.runCnt > 0)
    .sort((a, b) => b.runTimeNs - a.runTimeNs);
  const runCnt = bpf.reduce((a, s) => a + s.runCnt, 0);
  const runTimeNs = bpf.reduce((a, s) => a + s.runTimeNs, 0);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const profile = files[0] ? loadProfile(join(dir, files[0])) : null;
  const areas = profile ? areaShares(profile, DIRS, window) : {};
  return {
    // Only the load: the agent's start-up (module loading, ELF symbol scans) is left out.
    cpuProfile: profile ? summarizeProfile(profile, 15, window) : null,
    areas,
    bpf,
    bpfTotal: { runCnt, runTimeNs, nsPerRequest: requests > 0 ? runTimeNs / requests : 0, percentOfCore: (100 * runTimeNs) / 1e9 / wallS },
    requests,
    agentCpuPercentOfCore: agentCpu,
  };
}

/** Source areas for the split of the agent's CPU in the report (lib/profile.ts areaShares). */
export const DIRS: Record<string, RegExp> = {
  'sensor (record decoding)': /\/src\/sensor\//,
  'stream (tracker, byte streams)': /\/src\/stream\//,
  'protocols (HTTP/1, SSE, decoding)': /\/src\/protocols\//,
  'llm (adapters, JSON)': /\/src\/llm\//,
  guardrails: /\/src\/guardrails\//,
  'agent (build call, pipeline)': /\/src\/agent\//,
  'sinks (JSONL)': /\/src\/sinks\//,
  'telemetry (metrics, content policy)': /\/src\/telemetry\//,
  'process/identity': /\/src\/(process|identity)\//,
  'prom-client': /prom-client/,
};

export async function runOverhead(ctx: BenchContext, w: Workload): Promise<OverheadResult> {
  const { pairs, runSeconds } = ctx.config;
  log(`overhead ${w.name}: warm-up`);
  await oneRun(ctx, w, 0, false, Math.min(3, runSeconds));
  const runs: OverheadRun[] = [];
  for (let pair = 1; pair <= pairs; pair++) {
    for (const withAgent of [false, true]) {
      const r = await oneRun(ctx, w, pair, withAgent, runSeconds);
      runs.push(r);
      log(
        `overhead ${w.name} pair ${pair} ${withAgent ? 'B (agent)' : 'A (none) '}: ${r.wrk.requestsPerSec.toFixed(0)} req/s, p50 ${r.wrk.latencyMs.p50.toFixed(2)} ms, p99 ${r.wrk.latencyMs.p99.toFixed(2)} ms` +
          (withAgent ? `, agent ${((r.cpu.cpuPercentOfCore.agent ?? 0) + (r.cpu.cpuPercentOfCore.loader ?? 0)).toFixed(0)}% core, records ${r.records}, drops ${JSON.stringify(r.metrics?.drops ?? {})}` : '') +
          `, other ${r.cpu.otherCpuPercentOfCore.toFixed(0)}% core`,
      );
    }
  }
  let profile: OverheadProfile | null = null;
  let profileError: string | undefined;
  try {
    log(`overhead ${w.name}: profiled run (node --cpu-prof, bpf_stats)`);
    profile = await profileRun(ctx, w, runSeconds);
  } catch (e) {
    profileError = (e as Error).message;
    log(`overhead ${w.name}: profile failed: ${profileError}`);
  }
  const { script: _script, ...workload } = w;
  return { workload, runs, profile, ...(profileError ? { profileError } : {}) };
}

/** Pairwise ratios (B / A of the same pair) and their median, min and max. */
export function overheadSummary(r: OverheadResult): {
  throughputRatio: Stat;
  p50Ratio: Stat;
  p99Ratio: Stat;
  agentCpuPercentOfCore: Stat;
  loaderCpuPercentOfCore: Stat;
  agentPeakRssMB: Stat;
  loaderPeakRssMB: Stat;
  requestsWithAgent: number;
  recordsWithAgent: number;
  ignoredExchangesWithAgent: number;
  drops: Record<string, number>;
  agentCpuUsPerRequest: Stat;
  otherCpuPercentOfCore: Stat;
  foreignLoaderRuns: number;
  /** CPU of the load generator per request, without and with the agent: the difference is what the probes cost inside the traced process (uprobe traps + BPF). */
  clientCpuUsPerRequest: { a: Stat; b: Stat; delta: Stat };
} {
  const pairs = [...new Set(r.runs.map((x) => x.pair))];
  const ratio = (f: (x: OverheadRun) => number): number[] =>
    pairs.flatMap((p) => {
      const a = r.runs.find((x) => x.pair === p && !x.withAgent);
      const b = r.runs.find((x) => x.pair === p && x.withAgent);
      return a && b ? [f(b) / f(a)] : [];
    });
  const bRuns = r.runs.filter((x) => x.withAgent);
  const drops: Record<string, number> = {};
  for (const b of bRuns) for (const [k, v] of Object.entries(b.metrics?.drops ?? {})) drops[k] = (drops[k] ?? 0) + v;
  return {
    throughputRatio: stat(ratio((x) => x.wrk.requestsPerSec)),
    p50Ratio: stat(ratio((x) => x.wrk.latencyMs.p50)),
    p99Ratio: stat(ratio((x) => x.wrk.latencyMs.p99)),
    agentCpuPercentOfCore: stat(bRuns.map((x) => x.cpu.cpuPercentOfCore.agent ?? 0)),
    loaderCpuPercentOfCore: stat(bRuns.map((x) => x.cpu.cpuPercentOfCore.loader ?? 0)),
    agentPeakRssMB: stat(bRuns.map((x) => (x.cpu.peakRssBytes.agent ?? 0) / 2 ** 20)),
    loaderPeakRssMB: stat(bRuns.map((x) => (x.cpu.peakRssBytes.loader ?? 0) / 2 ** 20)),
    requestsWithAgent: bRuns.reduce((a, x) => a + x.wrk.requests, 0),
    recordsWithAgent: bRuns.reduce((a, x) => a + (x.records ?? 0), 0),
    ignoredExchangesWithAgent: bRuns.reduce((a, x) => a + (x.metrics?.ignoredExchanges ?? 0), 0),
    drops,
    agentCpuUsPerRequest: stat(bRuns.map((x) => (1e6 * ((x.cpu.cpuSeconds.agent ?? 0) + (x.cpu.cpuSeconds.loader ?? 0))) / Math.max(1, x.wrk.requests))),
    otherCpuPercentOfCore: stat(r.runs.map((x) => x.cpu.otherCpuPercentOfCore)),
    foreignLoaderRuns: r.runs.filter((x) => x.foreignLoaders > 0).length,
    clientCpuUsPerRequest: {
      a: stat(r.runs.filter((x) => !x.withAgent).map(clientUs)),
      b: stat(bRuns.map(clientUs)),
      delta: stat(ratioLike(r, (a, b) => clientUs(b) - clientUs(a))),
    },
  };
}

function clientUs(x: OverheadRun): number {
  return (1e6 * (x.cpu.cpuSeconds.wrk ?? 0)) / Math.max(1, x.wrk.requests);
}

/** f(A, B) for every complete pair. */
function ratioLike(r: OverheadResult, f: (a: OverheadRun, b: OverheadRun) => number): number[] {
  return [...new Set(r.runs.map((x) => x.pair))].flatMap((p) => {
    const a = r.runs.find((x) => x.pair === p && !x.withAgent);
    const b = r.runs.find((x) => x.pair === p && x.withAgent);
    return a && b ? [f(a, b)] : [];
  });
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function stat(values: number[]): Stat {
  return { median: median(values), min: values.length ? Math.min(...values) : NaN, max: values.length ? Math.max(...values) : NaN, values };
}
