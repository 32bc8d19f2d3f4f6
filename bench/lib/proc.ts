/**
 * Reading processes from /proc: CPU time (utime + stime of /proc/PID/stat, all threads of the
 * process), resident memory, and the whole machine's busy time, so each run can say how much
 * CPU went to processes that are not part of the benchmark.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | undefined;

export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far; null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / clockTicks();
  } catch {
    return null;
  }
}

/** Resident set size in bytes (VmRSS), null when the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine (all CPUs), from the first line of /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Pids whose command line contains `needle` (used to notice other Osprey agents on the host). */
export function pidsWithCmdline(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(needle)) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * Samples named processes every `intervalMs` between construction and stop(): CPU seconds used
 * (the last value read is kept, so a process that exits near the end is counted up to then), peak
 * and last RSS; plus the machine's busy time, to show how much CPU went to other processes.
 */
export class Sampler {
  private readonly firstCpu = new Map<string, number>();
  private readonly lastCpu = new Map<string, number>();
  private readonly peakRss = new Map<string, number>();
  private readonly lastRss = new Map<string, number>();
  private readonly startMachine = machineJiffies();
  private readonly startWall = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: Record<string, number>,
    intervalMs = 250,
  ) {
    for (const [name, pid] of Object.entries(pids)) {
      const c = cpuSeconds(pid);
      if (c !== null) {
        this.firstCpu.set(name, c);
        this.lastCpu.set(name, c);
      }
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const c = cpuSeconds(pid);
      if (c !== null) {
        if (!this.firstCpu.has(name)) this.firstCpu.set(name, c);
        this.lastCpu.set(name, c);
      }
      const r = rssBytes(pid);
      if (r !== null) {
        this.lastRss.set(name, r);
        this.peakRss.set(name, Math.max(r, this.peakRss.get(name) ?? 0));
      }
    }
  }

  stop(): SamplerResult {
    this.sample();
    clearInterval(this.timer);
    const wallS = (performance.now() - this.startWall) / 1000;
    const cpuPercentOfCore: Record<string, number> = {};
    const cpuSecondsUsed: Record<string, number> = {};
    let ours = 0;
    for (const name of Object.keys(this.pids)) {
      const used = (this.lastCpu.get(name) ?? 0) - (this.firstCpu.get(name) ?? 0);
      ours += used;
      cpuSecondsUsed[name] = used;
      cpuPercentOfCore[name] = (100 * used) / wallS;
    }
    const m = machineJiffies();
    const busyS = (m.busy - this.startMachine.busy) / clockTicks();
    const totalS = (m.total - this.startMachine.total) / clockTicks();
    return {
      wallS,
      cpuSeconds: cpuSecondsUsed,
      cpuPercentOfCore,
      peakRssBytes: Object.fromEntries(this.peakRss),
      lastRssBytes: Object.fromEntries(this.lastRss),
      machineBusyPercent: totalS > 0 ? (100 * busyS) / totalS : NaN,
      otherCpuPercentOfCore: (100 * Math.max(0, busyS - ours)) / wallS,
    };
  }
}

export interface SamplerResult {
  wallS: number;
  cpuSeconds: Record<string, number>;
  /** 100 = one full core. */
  cpuPercentOfCore: Record<string, number>;
  peakRssBytes: Record<string, number>;
  lastRssBytes: Record<string, number>;
  /** Busy share of all cores of the machine over the interval. */
  machineBusyPercent: number;
  /** CPU used by processes outside the sampled set (other work on the host), in % of one core. */
  otherCpuPercentOfCore: number;
}
