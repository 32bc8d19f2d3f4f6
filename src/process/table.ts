/**
 * The process table: who a tgid is, keyed by (tgid, start time) so a reused pid is a different
 * process. Kept current from exec/fork/exit events; /proc is read once per process to fill what
 * the kernel event did not carry (command line, cgroup, environment), and the event's own fields
 * stay as the fallback for processes that exit before /proc can be read.
 *
 * The full identity (container, pod, node, cluster) lives in an IdentityResolver; ProcessInfo is
 * the short view older callers use. Both come from the same single read of /proc.
 */
import { IdentityResolver, type ExecInfo, type ProcessIdentity } from '../identity/identity.js';

export interface ProcessInfo {
  pid: number;
  startNs: bigint;
  ppid: number | null;
  uid: number | null;
  comm: string | null;
  exe: string | null;
  commandLine: string | null;
}

export class ProcessTable {
  constructor(readonly identities: IdentityResolver = new IdentityResolver()) {}

  onExec(e: { tgid: number; ppid: number; startNs: bigint; uid: number; comm: string; filename: string; commandLine?: string }): ProcessInfo {
    return toInfo(this.identities.onExec(e), e.startNs);
  }

  onFork(e: { parentTgid: number; childTgid: number; childStartNs: bigint }): void {
    this.identities.onFork(e);
  }

  onExit(e: { tgid: number; startNs: bigint }, nowMs: number): void {
    this.identities.onExit(e, nowMs);
  }

  /** Identity of (pid, start): from the table, else read from /proc now, else just the pid. */
  lookup(pid: number, startNs: bigint): ProcessInfo {
    return toInfo(this.identities.resolve(pid, startNs), startNs);
  }

  /** The full identity (process, container, Kubernetes) of (pid, start); see IdentityResolver.resolve. */
  identity(pid: number, startNs: bigint, exec?: ExecInfo): ProcessIdentity {
    return this.identities.resolve(pid, startNs, exec);
  }

  /** Forgets processes that exited more than the retention period ago. */
  sweep(nowMs: number): void {
    this.identities.sweep(nowMs);
  }

  get size(): number {
    return this.identities.size;
  }
}

function toInfo(id: ProcessIdentity, startNs: bigint): ProcessInfo {
  return {
    pid: id['process.pid'],
    startNs,
    ppid: id['process.parent_pid'],
    uid: id['process.user.id'],
    comm: id.comm,
    exe: id['process.executable.path'],
    commandLine: id['process.command_line'] ?? id.comm,
  };
}
