/**
 * Small, failure-tolerant readers of /proc/PID. A process can exit between any two reads, so each
 * reader returns null instead of throwing; callers keep whatever the kernel event already told them.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync } from 'node:fs';

export const PROC_ROOT = process.env.OSPREY_PROC_ROOT ?? '/proc';

/**
 * procfs files report size 0, so readFileSync grows its buffer as it goes; reading into one
 * reused scratch buffer is about twice as fast, which matters on the exec path (every exec on the
 * host). Synchronous and single-threaded: callers get a copy (string or Buffer) before the next read.
 * Never used for files that may hold secrets (environ): see scanSensitiveFile.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
const MAX_PROC_FILE = 16 * 1024 * 1024;

function readInto(path: string, maxBytes: number): number | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch {
    return null;
  }
  try {
    let len = 0;
    for (;;) {
      if (len === scratch.length) {
        if (len >= maxBytes) return len;
        const bigger = Buffer.allocUnsafe(Math.min(scratch.length * 2, maxBytes));
        scratch.copy(bigger, 0, 0, len);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, len, Math.min(scratch.length, maxBytes) - len, null);
      if (n === 0) return len;
      len += n;
      if (len >= maxBytes) return len;
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** After a big file (maps of a large process), give the memory back. */
function shrinkScratch(): void {
  if (scratch.length > 256 * 1024) scratch = Buffer.allocUnsafe(64 * 1024);
}

function tryRead(path: string, maxBytes = MAX_PROC_FILE): Buffer | null {
  const n = readInto(path, maxBytes);
  const out = n === null ? null : Buffer.from(scratch.subarray(0, n));
  shrinkScratch();
  return out;
}

function tryReadText(path: string, maxBytes = MAX_PROC_FILE): string | null {
  const n = readInto(path, maxBytes);
  const out = n === null ? null : scratch.toString('utf8', 0, n);
  shrinkScratch();
  return out;
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
  const text = tryReadText(`${PROC_ROOT}/${pid}/stat`);
  if (text === null) return null;
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
  const raw = tryReadText(`${PROC_ROOT}/${pid}/status`);
  const m = raw !== null ? /^Uid:\s+(\d+)/m.exec(raw) : null;
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
  return tryReadText(`${PROC_ROOT}/${pid}/maps`);
}

export function readMountNs(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`${PROC_ROOT}/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Identity readers. Same contract as above: null when the process (or the file) is gone or
// unreadable, never an exception.
// ---------------------------------------------------------------------------------------------

/** /proc/PID/stat starttime is in USER_HZ ticks; USER_HZ is 100 on every Linux ABI Node runs on. */
export const USER_HZ = 100;
const NS_PER_TICK = 1_000_000_000n / BigInt(USER_HZ);

/**
 * True when /proc/PID/stat's start time (ticks) is that of a process that started at `startNs`
 * (boot-time ns, as the sensor reports). A tick of slack either way: converting is a floor division
 * in the kernel, and a pid cannot be reused within 10 ms (pids cycle through pid_max first).
 */
export function sameStart(stat: ProcStat, startNs: bigint): boolean {
  const ticks = startNs / NS_PER_TICK;
  const diff = BigInt(stat.startTicks) - ticks;
  return diff >= -1n && diff <= 1n;
}

/** Boot-time ns for a stat start time: the lower bound of the tick (used when only /proc is known). */
export function startNsOfTicks(startTicks: number): bigint {
  return BigInt(startTicks) * NS_PER_TICK;
}

/** Raw /proc/PID/cgroup text: one `hierarchy-id:controllers:path` line per hierarchy. */
export function readCgroupFile(pid: number): string | null {
  return tryReadText(`${PROC_ROOT}/${pid}/cgroup`);
}

/** Device and inode of the executable, `dev:ino` as `stat -L -c %d:%i` prints them. */
export function readExeFileId(pid: number): string | null {
  try {
    const st = statSync(`${PROC_ROOT}/${pid}/exe`, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/** Where the process's root directory is, as the agent sees it (`/` unless chrooted). */
export function readRootLink(pid: number): string | null {
  try {
    return readlinkSync(`${PROC_ROOT}/${pid}/root`);
  } catch {
    return null;
  }
}

/** The command line, at most `maxBytes` of it (arguments can run to megabytes). */
export function readCmdlineCapped(pid: number, maxBytes: number): string | null {
  const len = readInto(`${PROC_ROOT}/${pid}/cmdline`, maxBytes);
  if (!len) return null;
  const end = scratch[len - 1] === 0 ? len - 1 : len;
  return scratch.toString('utf8', 0, end).split('\0').join(' ');
}

/**
 * Reads a /proc file that may hold secrets (environ) into a buffer the caller only borrows:
 * `scan` runs on the bytes, then every buffer that held them is zero-filled, so values never
 * outlive the scan (readFileSync would leave copies in the heap until GC). Returns scan's result,
 * or null when the file cannot be read. At most `maxBytes` are read.
 */
export function scanSensitiveFile<T>(path: string, maxBytes: number, scan: (bytes: Buffer) => T): T | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  let buf = Buffer.allocUnsafeSlow(Math.min(16 * 1024, maxBytes));
  let len = 0;
  try {
    for (;;) {
      if (len === buf.length) {
        if (buf.length >= maxBytes) break;
        const bigger = Buffer.allocUnsafeSlow(Math.min(buf.length * 2, maxBytes));
        buf.copy(bigger, 0, 0, len);
        buf.fill(0);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return scan(buf.subarray(0, len));
  } catch {
    return null;
  } finally {
    buf.fill(0);
    closeSync(fd);
  }
}

const MAX_SYMLINK_HOPS = 40;

/**
 * Reads a small regular file inside a process's own filesystem view, `/proc/PID/root/<path>`,
 * resolving symlinks *inside that root*. The kernel would resolve an absolute symlink found
 * under /proc/PID/root against the agent's root instead, so a container could point a file we
 * read at a host file; here each component is checked with lstat and symlinks are followed by
 * hand, `..` never climbs above the root, and the last component is opened with O_NOFOLLOW
 * and O_NONBLOCK (a FIFO must not hang the agent) and must be a regular file.
 */
export function readFileInRoot(pid: number, path: string, maxBytes: number): string | null {
  const root = `${PROC_ROOT}/${pid}/root`;
  const pending = path.split('/');
  const resolved: string[] = [];
  let hops = 0;
  try {
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const candidate = `${root}/${[...resolved, part].join('/')}`;
      const st = lstatSync(candidate, { throwIfNoEntry: false });
      if (!st) return null;
      if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) return null;
        const target = readlinkSync(candidate);
        if (target.startsWith('/')) resolved.length = 0;
        pending.unshift(...target.split('/'));
        continue;
      }
      if (pending.some((p) => p !== '' && p !== '.') && !st.isDirectory()) return null;
      resolved.push(part);
    }
    if (resolved.length === 0) return null;
    const fd = openSync(`${root}/${resolved.join('/')}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      if (!fstatSync(fd).isFile()) return null;
      const buf = Buffer.alloc(maxBytes);
      const n = readSync(fd, buf, 0, maxBytes, 0);
      return buf.toString('utf8', 0, n);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** The cgroup v2 (unified) mount point of this host, from /proc/self/mountinfo; null when there is none. */
export function findCgroup2Mount(): string | null {
  const raw = tryReadText(`${PROC_ROOT}/self/mountinfo`);
  if (raw === null) return null;
  for (const line of raw.split('\n')) {
    // `id parent major:minor root mount-point options [optional...] - fstype source super-options`
    const sep = line.indexOf(' - ');
    if (sep < 0 || !line.slice(sep + 3).startsWith('cgroup2 ')) continue;
    const fields = line.slice(0, sep).split(' ');
    const mountPoint = fields[4];
    if (mountPoint) return mountPoint.replace(/\\040/g, ' ');
  }
  return null;
}
