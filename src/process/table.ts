/**
 * The process table: who a tgid is, keyed by (tgid, start time) so a reused pid is a different
 * process. Kept current from exec/fork/exit events; /proc is read once per process to fill what
 * the kernel event did not carry (command line), and the event's own fields stay as the fallback
 * for processes that exit before /proc can be read.
 */
import { readCmdline, readExe, readStat, readUid } from './proc-fs.js';

export interface ProcessInfo {
  pid: number;
  startNs: bigint;
  ppid: number | null;
  uid: number | null;
  comm: string | null;
  exe: string | null;
  commandLine: string | null;
}

/** Exited processes stay this long: their last records may still be in the pipeline. */
const EXITED_RETENTION_MS = 30_000;

export class ProcessTable {
  private readonly byKey = new Map<string, ProcessInfo>();
  private readonly exitedAt = new Map<string, number>();
  /** The live process currently holding each pid, for fork events that name only the parent's pid. */
  private readonly currentByPid = new Map<number, ProcessInfo>();

  private static key(pid: number, startNs: bigint): string {
    return `${pid}:${startNs}`;
  }

  onExec(e: { tgid: number; ppid: number; startNs: bigint; uid: number; comm: string; filename: string }): ProcessInfo {
    const info: ProcessInfo = {
      pid: e.tgid,
      startNs: e.startNs,
      ppid: e.ppid,
      uid: e.uid,
      comm: e.comm || null,
      // /proc/PID/exe is the resolved path; the event's filename is what was asked for (may be relative).
      exe: readExe(e.tgid) ?? (e.filename || null),
      commandLine: readCmdline(e.tgid) ?? (e.comm || null),
    };
    this.remember(info);
    return info;
  }

  onFork(e: { parentTgid: number; childTgid: number; childStartNs: bigint }): void {
    const parent = this.currentByPid.get(e.parentTgid);
    this.remember({
      pid: e.childTgid,
      startNs: e.childStartNs,
      ppid: e.parentTgid,
      uid: parent?.uid ?? null,
      comm: parent?.comm ?? null,
      exe: parent?.exe ?? null,
      commandLine: parent?.commandLine ?? null,
    });
  }

  onExit(e: { tgid: number; startNs: bigint }, nowMs: number): void {
    const key = ProcessTable.key(e.tgid, e.startNs);
    if (this.byKey.has(key)) this.exitedAt.set(key, nowMs);
    if (this.currentByPid.get(e.tgid)?.startNs === e.startNs) this.currentByPid.delete(e.tgid);
  }

  /** Identity of (pid, start): from the table, else read from /proc now, else just the pid. */
  lookup(pid: number, startNs: bigint): ProcessInfo {
    const key = ProcessTable.key(pid, startNs);
    const known = this.byKey.get(key);
    if (known) return known;
    const stat = readStat(pid);
    const info: ProcessInfo = {
      pid,
      startNs,
      ppid: stat?.ppid ?? null,
      uid: readUid(pid),
      comm: stat?.comm ?? null,
      exe: readExe(pid),
      commandLine: readCmdline(pid),
    };
    this.remember(info);
    return info;
  }

  /** Forgets processes that exited more than the retention period ago. */
  sweep(nowMs: number): void {
    for (const [key, at] of this.exitedAt) {
      if (nowMs - at < EXITED_RETENTION_MS) continue;
      this.byKey.delete(key);
      this.exitedAt.delete(key);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  private remember(info: ProcessInfo): void {
    this.byKey.set(ProcessTable.key(info.pid, info.startNs), info);
    this.currentByPid.set(info.pid, info);
  }
}
