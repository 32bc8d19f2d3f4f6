/**
 * The process table: who a tgid is, keyed by (tgid, start time) so a reused pid is a different
 * process. Kept current from exec/fork/exit events; /proc is read once per process to fill what
 * the kernel event did not carry (command line, cgroup, environment), and the event's own fields
 * stay as the fallback for processes that exit before /proc can be read.
 * The identity itself (process, container, pod, node, cluster) is an IdentityResolver's.
 */
import { IdentityResolver, type ExecInfo, type ProcessIdentity } from '../identity/identity.js';

export class ProcessTable {
  constructor(readonly identities: IdentityResolver = new IdentityResolver()) {}

  onExec(e: { tgid: number; ppid: number; startNs: bigint; uid: number; comm: string; filename: string; commandLine?: string }): ProcessIdentity {
    return this.identities.onExec(e);
  }

  onFork(e: { parentTgid: number; childTgid: number; childStartNs: bigint }): void {
    this.identities.onFork(e);
  }

  onExit(e: { tgid: number; startNs: bigint }, nowMs: number): void {
    this.identities.onExit(e, nowMs);
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
