/**
 * Real cgroups for identity tests: a private subtree `osprey-test-<pid>-<n>` under a cgroup
 * hierarchy (the unified v2 mount, or a v1 one), in which tests create groups whose paths
 * imitate container runtimes and move real processes into them.
 *
 * Cleanup moves every process still inside back to the root of the hierarchy and removes the
 * groups deepest first. It runs from `cleanup()` (call it from `after()`), on exit of the test
 * process, and — for subtrees left by a test process that was killed — whenever a new sandbox is
 * created (a subtree whose creator pid is gone is removed).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCgroup2Mount } from '../../src/process/proc-fs.js';

const PREFIX = 'osprey-test-';
let counter = 0;
const open = new Set<CgroupSandbox>();

export class CgroupSandbox {
  /** Absolute directory of the sandbox's root group. */
  readonly dir: string;
  /** The sandbox root as /proc/PID/cgroup shows it (e.g. `/osprey-test-123-0`). */
  readonly path: string;

  private constructor(
    /** Mount point of the hierarchy. */
    readonly mount: string,
    name: string,
  ) {
    this.dir = join(mount, name);
    this.path = `/${name}`;
    this.home = mount;
    mkdirSync(this.dir);
    open.add(this);
  }

  /**
   * Where processes go back to: the test process's own group (its children started there). For
   * v1 hierarchies, the root.
   */
  home: string;

  /** A sandbox in the cgroup v2 hierarchy, or null when there is none or it is not writable (not root). */
  static v2(): CgroupSandbox | null {
    const mount = findCgroup2Mount();
    const sandbox = mount ? CgroupSandbox.at(mount) : null;
    const own = /^0::(\/.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (sandbox && own && existsSync(join(mount!, own, 'cgroup.procs'))) sandbox.home = join(mount!, own);
    return sandbox;
  }

  /** A sandbox in a v1 hierarchy mounted at `mount` (e.g. /sys/fs/cgroup/systemd), or null. */
  static v1(mount: string): CgroupSandbox | null {
    if (!existsSync(join(mount, 'cgroup.procs')) || existsSync(join(mount, 'cgroup.controllers'))) return null;
    return CgroupSandbox.at(mount);
  }

  private static at(mount: string): CgroupSandbox | null {
    removeStale(mount);
    try {
      return new CgroupSandbox(mount, `${PREFIX}${process.pid}-${counter++}`);
    } catch {
      return null;
    }
  }

  /** Creates the group `rel` (and its parents) inside the sandbox; returns its path as /proc/PID/cgroup shows it. */
  group(rel: string): string {
    mkdirSync(join(this.dir, rel), { recursive: true });
    return `${this.path}/${rel}`;
  }

  /** Moves a process into the group `rel` (created if needed); returns the group's path. */
  move(pid: number, rel: string): string {
    const path = this.group(rel);
    writeFileSync(join(this.dir, rel, 'cgroup.procs'), `${pid}\n`);
    return path;
  }

  /** Moves every process back home and removes every group. Idempotent. */
  cleanup(): void {
    open.delete(this);
    removeTree(this.home, this.dir);
  }
}

function removeTree(home: string, dir: string, kill = false): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    try {
      if (statSync(child).isDirectory()) removeTree(home, child, kill);
    } catch {
      // raced with another cleanup
    }
  }
  try {
    const procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    for (const pid of procs) {
      try {
        // Orphans of a killed test run are test processes: they go too.
        if (kill) process.kill(Number(pid), 'SIGKILL');
        else writeFileSync(join(home, 'cgroup.procs'), `${pid}\n`);
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    // gone
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // EBUSY: a process that was just killed is still leaving the group.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** Subtrees whose creating test process is gone (it was killed before its cleanup ran). */
function removeStale(mount: string): void {
  let entries: string[];
  try {
    entries = readdirSync(mount);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = /^osprey-test-(\d+)-\d+$/.exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    removeTree(mount, join(mount, name), true);
  }
}

process.on('exit', () => {
  for (const s of open) s.cleanup();
});
