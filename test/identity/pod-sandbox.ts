/**
 * A process that looks like it runs in a Kubernetes pod, made with real namespaces: `unshare`
 * gives it new mount, pid, network and UTS namespaces, it is chrooted into a small root of its
 * own (the host's /usr bind-mounted read-only, merged-/usr symlinks), its hostname and
 * environment are the pod's, and inside its mount namespace a fake service-account namespace
 * file is bind-mounted where the kubelet mounts it. The root reproduces the kubelet's layout:
 * `/var/run` is an absolute symlink to `/run`, and `namespace` is `..data/namespace` with `..data`
 * a symlink to a timestamped directory, so reading it exercises symlink resolution inside the
 * process's root.
 *
 * The bind mounts live only in the private mount namespace: from the host, the root's
 * `namespace` file is empty, so a test that reads the right value has read it through
 * /proc/PID/root.
 *
 * `stop()` kills the process (pid 1 of its pid namespace: the namespaces go with it) and removes
 * the temporary root. Call it from `after()`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStat, startNsOfTicks } from '../../src/process/proc-fs.js';
import { childrenOf, killChild, trackPid, waitFor } from './procs.js';

export interface PodOptions {
  hostname: string;
  env: Record<string, string>;
  /** Content of the service-account namespace file; omit for no file. */
  serviceAccountNamespace?: string;
  /**
   * Make the namespace file an absolute symlink to this host path instead (a hostile container
   * pointing at a host file).
   */
  namespaceSymlinkTo?: string;
  /** Make the namespace file a FIFO (reading it naively would block forever). */
  namespaceIsFifo?: boolean;
}

export interface PodProcess {
  /** Host pid of the pod's process (`sleep`, pid 1 inside). */
  pid: number;
  startNs: bigint;
  /** The temporary root directory (host path). */
  root: string;
  stop(): Promise<void>;
}

const SA_DIR = 'run/secrets/kubernetes.io/serviceaccount';

export async function startPodProcess(opts: PodOptions): Promise<PodProcess> {
  const base = mkdtempSync(join(tmpdir(), 'osprey-pod-'));
  const root = join(base, 'root');
  const hostFiles = join(base, 'host');
  mkdirSync(hostFiles);
  for (const d of ['usr', 'etc', 'proc', 'tmp', 'var', SA_DIR]) mkdirSync(join(root, d), { recursive: true });
  for (const [link, target] of [
    ['bin', 'usr/bin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib64'],
    ['sbin', 'usr/sbin'],
  ] as const) {
    symlinkSync(target, join(root, link));
  }
  symlinkSync('/run', join(root, 'var/run')); // absolute, as in most images
  const sa = join(root, SA_DIR);
  const mounts: string[] = [];
  if (opts.namespaceSymlinkTo !== undefined) {
    symlinkSync(opts.namespaceSymlinkTo, join(sa, 'namespace'));
  } else if (opts.namespaceIsFifo) {
    mkdirSync(join(sa, '..2025_01_01_00_00_00.000000000'));
    symlinkSync('..2025_01_01_00_00_00.000000000', join(sa, '..data'));
    symlinkSync('..data/namespace', join(sa, 'namespace'));
    mounts.push(`mkfifo ${join(sa, '..2025_01_01_00_00_00.000000000', 'namespace')}`);
  } else if (opts.serviceAccountNamespace !== undefined) {
    const stamp = '..2025_01_01_00_00_00.000000000';
    mkdirSync(join(sa, stamp));
    writeFileSync(join(sa, stamp, 'namespace'), ''); // mount point; empty from the host's view
    symlinkSync(stamp, join(sa, '..data'));
    symlinkSync('..data/namespace', join(sa, 'namespace'));
    writeFileSync(join(hostFiles, 'namespace'), opts.serviceAccountNamespace);
    mounts.push(`mount --bind ${join(hostFiles, 'namespace')} ${join(sa, stamp, 'namespace')}`);
  }
  const envArgs = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const script = [
    'set -e',
    `mount --bind -o ro /usr ${join(root, 'usr')}`,
    ...mounts,
    `hostname ${opts.hostname}`,
    // exec: the pod's process replaces the shell and is pid 1 of the new pid namespace.
    `exec chroot ${root} /usr/bin/env -i "$@" /usr/bin/sleep 300`,
  ].join('\n');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--net', '--uts', 'sh', '-c', script, 'pod', ...envArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  let podPid: number | null = null;
  const stop = async (): Promise<void> => {
    if (podPid !== null) {
      try {
        process.kill(podPid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await killChild(child);
    // Only the host's view is removed: the bind mounts lived in the (now gone) private namespace.
    if (!readFileSync('/proc/self/mountinfo', 'utf8').includes(base)) rmSync(base, { recursive: true, force: true });
  };
  try {
    const pid = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`unshare exited ${child.exitCode}: ${stderr}`);
        const [p] = childrenOf(child.pid!);
        if (p === undefined) return undefined;
        trackPid(p);
        podPid = p;
        return readStat(p)?.comm === 'sleep' ? p : undefined;
      },
      'the pod process to start',
    );
    return { pid, startNs: startNsOfTicks(readStat(pid)!.startTicks), root, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
