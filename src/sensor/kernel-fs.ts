/**
 * tracefs and bpffs are not mounted at boot on every host. The agent mounts what it needs and says
 * plainly what it could not do, instead of letting libbpf fail later with an obscure errno.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface KernelFs {
  name: 'tracefs' | 'bpf';
  mountPoint: string;
}

export const TRACEFS: KernelFs = { name: 'tracefs', mountPoint: '/sys/kernel/tracing' };
export const BPFFS: KernelFs = { name: 'bpf', mountPoint: '/sys/fs/bpf' };

export function isMounted(fs: KernelFs): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .some((line) => {
        const [, mountPoint, type] = line.split(' ');
        return mountPoint === fs.mountPoint && type === fs.name;
      });
  } catch {
    return false;
  }
}

/** Mounts the filesystem if it is not there yet. Returns null on success, else why it failed. */
export function ensureMounted(fs: KernelFs): string | null {
  if (isMounted(fs)) return null;
  try {
    execFileSync('mount', ['-t', fs.name, fs.name, fs.mountPoint], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (e as Error).message;
  }
}
