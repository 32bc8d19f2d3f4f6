/**
 * Real child processes for identity tests, always cleaned up: every process spawned here is
 * SIGKILLed by `killAll()` (call it from `after()`), and also on exit of the test process.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readStat, startNsOfTicks } from '../../src/process/proc-fs.js';

const live = new Set<ChildProcess>();
const extraPids = new Set<number>();

export interface Proc {
  pid: number;
  /** Boot-time ns of the start, at tick precision (what /proc can tell). */
  startNs: bigint;
  child: ChildProcess;
  kill(): Promise<void>;
}

/** Starts a long sleep (or another command) and waits until it is running. */
export async function startProcess(argv: string[] = ['sleep', '300'], opts: SpawnOptions = {}): Promise<Proc> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', ...opts });
  live.add(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid!;
  const stat = readStat(pid);
  if (!stat) throw new Error(`process ${pid} vanished right after spawning`);
  return { pid, startNs: startNsOfTicks(stat.startTicks), child, kill: () => killChild(child) };
}

export function killChild(child: ChildProcess): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A pid not spawned by node (a grandchild) that killAll must also kill. */
export function trackPid(pid: number): void {
  extraPids.add(pid);
}

export async function killAll(): Promise<void> {
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  extraPids.clear();
  await Promise.all([...live].map(killChild));
}

process.on('exit', () => {
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const c of live) c.kill('SIGKILL');
});

/** Host pids whose parent is `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat?.ppid === ppid) out.push(Number(name));
  }
  return out;
}

/** Polls until `f` returns a value (not undefined), or throws after `timeoutMs`. */
export async function waitFor<T>(f: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function readComm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}
