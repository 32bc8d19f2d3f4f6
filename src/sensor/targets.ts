/**
 * Finds the binaries to put TLS uprobes on: every libssl.so* / libgnutls.so* that a process maps
 * (also inside other mount namespaces, through /proc/PID/root), every executable that defines the
 * TLS functions itself (node links OpenSSL statically), and the well-known library locations of
 * this host up front, so a program started later is covered from its first call. Each binary is
 * attached once, keyed by device and inode: one uprobe on an inode covers every process mapping it.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { definedFunctions } from './elf-symbols.js';
import { PROC_ROOT, listPids, readExe, readMaps, readMountNs } from '../process/proc-fs.js';

export type TargetLibrary = 'openssl' | 'gnutls';

export interface AttachTarget {
  id: number;
  library: TargetLibrary;
  /** Path the loader opens (may go through /proc/PID/root for another mount namespace). */
  path: string;
  /** Path as the owning process sees it, for humans. */
  displayPath: string;
}

const LIBRARY_PATTERNS: ReadonlyArray<[RegExp, TargetLibrary]> = [
  // libssl3.so is NSS, not OpenSSL: match libssl.so and libssl.so.N only.
  [/^libssl\.so(\.\d+)*$/, 'openssl'],
  [/^libgnutls\.so(\.\d+)*$/, 'gnutls'],
];

/** Symbols whose presence marks an executable as carrying a TLS library itself. */
const EXECUTABLE_MARKERS: ReadonlyArray<[string, TargetLibrary]> = [
  ['SSL_write', 'openssl'],
  ['gnutls_record_send', 'gnutls'],
];

const WELL_KNOWN_LIBRARY_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
  '/usr/local/lib64',
];

export function libraryOf(path: string): TargetLibrary | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  for (const [re, lib] of LIBRARY_PATTERNS) if (re.test(base)) return lib;
  return null;
}

/** The file a (possibly symlinked) path names, so logs show libssl.so.3 rather than the dev symlink. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export class TargetFinder {
  private readonly seen = new Map<string, TargetLibrary | null>();
  private nextId = 1;
  private readonly ownMountNs = readMountNs('self');

  constructor(private readonly onTarget: (t: AttachTarget) => void) {}

  /** Start-up sweep: well-known library directories, executables on PATH, and every running process. */
  scanHost(): void {
    for (const dir of WELL_KNOWN_LIBRARY_DIRS) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const lib = libraryOf(name);
        if (lib) this.consider(join(dir, name), realPath(join(dir, name)), lib);
      }
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir) this.considerExecutable(join(dir, 'node'), realPath(join(dir, 'node')));
    }
    for (const pid of listPids()) this.scanProcess(pid);
  }

  /** A process appeared (exec) or may have loaded libraries since: look at its executable and maps. */
  scanProcess(pid: number): void {
    const root = this.rootOf(pid);
    const exe = readExe(pid);
    if (exe) this.considerExecutable(root + exe, exe);
    const maps = readMaps(pid);
    if (!maps) return;
    for (const line of maps.split('\n')) {
      const slash = line.indexOf('/');
      if (slash < 0) continue;
      const path = line.slice(slash).replace(/ \(deleted\)$/, '');
      const lib = libraryOf(path);
      if (lib) this.consider(root + path, path, lib);
    }
  }

  /** How many distinct binaries have been examined (attached or not). */
  get examined(): number {
    return this.seen.size;
  }

  private rootOf(pid: number): string {
    const ns = readMountNs(pid);
    return ns && ns !== this.ownMountNs ? `${PROC_ROOT}/${pid}/root` : '';
  }

  private inodeKey(path: string): string | null {
    try {
      const st = statSync(path);
      return st.isFile() ? `${st.dev}:${st.ino}` : null;
    } catch {
      return null;
    }
  }

  private considerExecutable(path: string, displayPath: string): void {
    const key = this.inodeKey(path);
    if (!key || this.seen.has(key)) return;
    const defined = definedFunctions(path, EXECUTABLE_MARKERS.map(([sym]) => sym));
    const marker = EXECUTABLE_MARKERS.find(([sym]) => defined.has(sym));
    this.seen.set(key, marker ? marker[1] : null);
    if (marker) this.emit(path, displayPath, marker[1]);
  }

  private consider(path: string, displayPath: string, lib: TargetLibrary): void {
    const key = this.inodeKey(path);
    if (!key || this.seen.has(key)) return;
    this.seen.set(key, lib);
    this.emit(path, displayPath, lib);
  }

  private emit(path: string, displayPath: string, library: TargetLibrary): void {
    this.onTarget({ id: this.nextId++, library, path, displayPath });
  }
}
