/**
 * Executables of deny_exec rules, as the exec hook identifies them: (device, inode) of the binary,
 * plus the exact path it is executed by. Content hashes cannot be computed in the kernel, so a
 * sha256 rule is turned into inodes here: every executable file in the search directories (the
 * rule's `search`, else the usual PATH directories) is hashed once and remembered by (dev, ino,
 * size, mtime), across runs in a cache file next to the state file.
 */
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync, mkdirSync, type BigIntStats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExecSpec } from './policy.js';

export const DEFAULT_SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface BinaryId {
  /** Kernel encoding of the device (MAJOR << 20 | MINOR), as sb->s_dev holds it. */
  readonly dev: number;
  readonly ino: bigint;
  readonly path: string;
}

export interface ResolvedExec {
  readonly binaries: readonly BinaryId[];
  /** Exact paths matched against the name given to execve. */
  readonly paths: readonly string[];
  readonly warnings: readonly string[];
}

/** glibc's gnu_dev_major/minor of a user-space st_dev, re-encoded the way the kernel stores it. */
export function kernelDev(stDev: bigint): number {
  const major = Number(((stDev >> 8n) & 0xfffn) | ((stDev >> 32n) & ~0xfffn));
  const minor = Number((stDev & 0xffn) | ((stDev >> 12n) & ~0xffn));
  return ((major << 20) | minor) >>> 0;
}

const hashCache = new Map<string, string>();
let cacheDirty = false;

/** Loads hashes remembered by an earlier run (a JSON object, cache key → sha256). */
export function loadHashCache(path: string): void {
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    for (const [k, v] of Object.entries(saved)) if (/^[0-9a-f]{64}$/.test(v)) hashCache.set(k, v);
  } catch {
    // none yet, or unreadable: hash again
  }
}

/** Saves the hashes for the next run (only when something new was hashed). */
export function saveHashCache(path: string): void {
  if (!cacheDirty) return;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(hashCache)));
    renameSync(tmp, path);
    cacheDirty = false;
  } catch {
    // a cache: losing it costs time, not correctness
  }
}

function cacheKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

function sha256File(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
    return h.digest('hex');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** sha256 of a file, cached by (dev, ino, size, mtime) so a rescan only hashes what changed. */
export function hashOf(path: string, st: BigIntStats): string | null {
  const key = cacheKey(st);
  const hit = hashCache.get(key);
  if (hit) return hit;
  const h = sha256File(path);
  if (h) {
    hashCache.set(key, h);
    cacheDirty = true;
  }
  return h;
}

function statOrNull(path: string): BigIntStats | null {
  try {
    return statSync(path, { bigint: true });
  } catch {
    return null;
  }
}

export function resolveExecSpecs(specs: readonly ExecSpec[], field: string): ResolvedExec {
  const binaries = new Map<string, BinaryId>();
  const paths = new Set<string>();
  const warnings: string[] = [];
  const add = (path: string, st: BigIntStats): void => {
    const id = { dev: kernelDev(st.dev), ino: st.ino, path };
    binaries.set(`${id.dev}:${id.ino}`, id);
  };
  specs.forEach((spec, i) => {
    if (spec.kind === 'path') {
      paths.add(spec.path);
      const st = statOrNull(spec.path);
      if (!st) {
        warnings.push(`${field}[${i}]: ${spec.path} does not exist now; it is denied by path until it does (re-apply to deny its inode too)`);
        return;
      }
      if (!st.isFile()) {
        warnings.push(`${field}[${i}]: ${spec.path} is not a regular file`);
        return;
      }
      add(spec.path, st);
      try {
        paths.add(realpathSync(spec.path));
      } catch {
        // raced with a removal
      }
      return;
    }
    const dirs = spec.search.length > 0 ? spec.search : DEFAULT_SEARCH_DIRS;
    const seenDirs = new Set<string>();
    let found = 0;
    for (const dir of dirs) {
      let real: string;
      try {
        real = realpathSync(dir);
      } catch {
        continue;
      }
      if (seenDirs.has(real)) continue;
      seenDirs.add(real);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const p = join(dir, name);
        const st = statOrNull(p);
        if (!st || !st.isFile() || (st.mode & 0o111n) === 0n) continue;
        if (hashOf(p, st) !== spec.sha256) continue;
        add(p, st);
        paths.add(p);
        found++;
      }
    }
    if (found === 0) warnings.push(`${field}[${i}]: no executable with sha256 ${spec.sha256.slice(0, 12)}… in ${[...seenDirs].join(', ')}`);
  });
  return { binaries: [...binaries.values()], paths: [...paths], warnings };
}
