/**
 * Small, failure-tolerant readers of /proc/PID. A process can exit between any two reads, so each
 * reader returns null instead of throwing; callers keep whatever the kernel event already told them.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export const PROC_ROOT = process.env.OSPREY_PROC_ROOT ?? '/proc';

function tryRead(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

export function readCmdline(pid: number): string | null {
  const raw = tryRead(`${PROC_ROOT}/${pid}/cmdline`);
  if (!raw || raw.length === 0) return null;
  const end = raw[raw.length - 1] === 0 ? raw.length - 1 : raw.length;
  return raw.toString('utf8', 0, end).split('\0').join(' ');
}

export function readExe(pid: number): string | null {
  try {
    return readlinkSync(`${PROC_ROOT}/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

export interface ProcStat {
  comm: string;
  ppid: number;
  /** Start time in clock ticks since boot (field 22). */
  startTicks: number;
}

export function readStat(pid: number): ProcStat | null {
  const raw = tryRead(`${PROC_ROOT}/${pid}/stat`);
  if (!raw) return null;
  const text = raw.toString('utf8');
  // comm may contain spaces and parentheses: it ends at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return null;
  return { comm: text.slice(open + 1, close), ppid, startTicks };
}

export function readUid(pid: number): number | null {
  const raw = tryRead(`${PROC_ROOT}/${pid}/status`);
  const m = raw ? /^Uid:\s+(\d+)/m.exec(raw.toString('utf8')) : null;
  return m ? Number(m[1]) : null;
}

export function listPids(): number[] {
  try {
    return readdirSync(PROC_ROOT)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

export function readMaps(pid: number): string | null {
  const raw = tryRead(`${PROC_ROOT}/${pid}/maps`);
  return raw ? raw.toString('utf8') : null;
}

export function readMountNs(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`${PROC_ROOT}/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}
