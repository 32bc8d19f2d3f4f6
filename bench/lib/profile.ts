/**
 * Turning evidence into tables: self time by function from a V8 CPU profile (.cpuprofile JSON,
 * from node --cpu-prof or the inspector), and BPF program run counts and time from bpftool with
 * kernel.bpf_stats_enabled=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { run } from './util.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  fn: string;
  where: string;
  selfMs: number;
  selfPercent: number;
  /** Time in this function and everything it called (counted once per sample). */
  totalPercent: number;
}

export interface ProfileSummary {
  /** Sampled time counted (inside the window, if any). */
  totalMs: number;
  /** The profile's own span, to check the window fell inside it. */
  profileSpanUs?: { startUs: number; endUs: number };
  idlePercent: number;
  top: HotFunction[];
}

function where(url: string, line: number): string {
  if (!url) return '(native)';
  const i = url.indexOf('/dist/');
  const path = i >= 0 ? url.slice(i + 6) : url.replace(/^file:\/\//, '').split('/').slice(-3).join('/');
  return `${path}:${line + 1}`;
}

/** A time window in CLOCK_MONOTONIC microseconds (V8's profile clock and process.hrtime agree on Linux). */
export interface Window {
  fromUs: number;
  toUs: number;
}

/** Sample timestamps: startTime plus the running sum of timeDeltas. */
function sampleTimes(p: CpuProfile): number[] {
  const out: number[] = [];
  let t = p.startTime;
  for (const d of p.timeDeltas) out.push((t += d));
  return out;
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Self and total time per function (name + source location), busiest first; (idle) and (program) are kept apart. Only samples inside `window` count when one is given. */
export function summarizeProfile(profile: unknown, topN = 20, window?: Window): ProfileSummary {
  const p = profile as CpuProfile;
  const times = sampleTimes(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (window && ((times[i] as number) < window.fromUs || (times[i] as number) > window.toUs)) continue;
    const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i] as number);
    if (!node) continue;
    total += dt;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += dt;
      continue;
    }
    const key = `${name}\t${where(node.callFrame.url, node.callFrame.lineNumber)}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n) break;
      const k = `${n.callFrame.functionName || '(anonymous)'}\t${where(n.callFrame.url, n.callFrame.lineNumber)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      totalUs.set(k, (totalUs.get(k) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([k, us]) => {
      const [fn, loc] = k.split('\t') as [string, string];
      return { fn, where: loc, selfMs: us / 1000, selfPercent: busy > 0 ? (100 * us) / busy : 0, totalPercent: busy > 0 ? (100 * (totalUs.get(k) ?? 0)) / busy : 0 };
    });
  return { totalMs: total / 1000, profileSpanUs: { startUs: p.startTime, endUs: p.endTime }, idlePercent: total > 0 ? (100 * idle) / total : 0, top };
}

/**
 * Busy time split by source area, as % of busy time: each sample goes to the area of the nearest
 * frame (the leaf or its callers) whose script is in one of `areas`, so native work (JSON.parse,
 * Buffer copies, regexp) counts with the JS function that asked for it; GC is its own line;
 * samples with no such frame go to dependencies (node_modules) or other (node internals, harness).
 * The shares add up to 100%.
 */
export function areaShares(profile: unknown, areas: Record<string, RegExp>, window?: Window): Record<string, number> {
  const p = profile as CpuProfile;
  const times = sampleTimes(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const areaOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const cached = areaOf.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id);
    let out = 'other (node internals, harness)';
    if (n) {
      if (n.callFrame.functionName === '(garbage collector)') out = 'garbage collector';
      else {
        const hit = Object.entries(areas).find(([, re]) => re.test(n.callFrame.url));
        if (hit) out = hit[0];
        else if (n.callFrame.url.includes('/node_modules/')) out = 'dependencies (node_modules)';
        else {
          const up = parent.get(id);
          if (up !== undefined) out = resolve(up);
        }
      }
    }
    areaOf.set(id, out);
    return out;
  };
  const totals = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (window && ((times[i] as number) < window.fromUs || (times[i] as number) > window.toUs)) continue;
    const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i] as number);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') continue;
    busy += dt;
    const area = resolve(node.id);
    totals.set(area, (totals.get(area) ?? 0) + dt);
  }
  return Object.fromEntries([...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, busy > 0 ? (100 * v) / busy : 0]));
}

export function loadProfile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

export function saveProfile(path: string, profile: unknown): void {
  writeFileSync(path, JSON.stringify(profile));
}

export interface BpfProgStat {
  id: number;
  name: string;
  runCnt: number;
  runTimeNs: number;
}

/**
 * Programs of one Osprey loader with their run counts: those named as in bpf/sensor.bpf.c
 * (probe_*, tp_*, raw_tp_*; the kernel keeps 15 characters) and loaded while that agent started
 * (bpftool here shows no owning pids, so the load time tells our loader's programs from another's).
 */
export async function bpfProgStats(loadedFromMs: number, loadedToMs: number): Promise<BpfProgStat[]> {
  const r = await run('bpftool', ['-j', 'prog', 'show']);
  if (r.code !== 0) return [];
  const list = JSON.parse(r.stdout) as Array<{ id: number; name?: string; run_cnt?: number; run_time_ns?: number; loaded_at?: number }>;
  const from = Math.floor(loadedFromMs / 1000) - 1;
  const to = Math.ceil(loadedToMs / 1000) + 1;
  return list
    .filter((p) => /^(probe_|tp_|raw_tp_)/.test(p.name ?? '') && (p.loaded_at ?? 0) >= from && (p.loaded_at ?? 0) <= to)
    .map((p) => ({ id: p.id, name: p.name ?? '?', runCnt: p.run_cnt ?? 0, runTimeNs: p.run_time_ns ?? 0 }));
}

export async function setBpfStats(on: boolean): Promise<string | null> {
  const r = await run('sysctl', ['-n', 'kernel.bpf_stats_enabled']);
  const before = r.code === 0 ? r.stdout.trim() : null;
  await run('sysctl', ['-q', '-w', `kernel.bpf_stats_enabled=${on ? 1 : 0}`]);
  return before;
}
