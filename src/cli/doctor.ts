/**
 * `osprey doctor`: which kernel features this host offers, checked for real where a check is cheap
 * (the loader is started and must load and attach), and what each missing one costs the user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { LoaderClient } from '../sensor/loader-client.js';
import { BPFFS, TRACEFS, ensureMounted, isMounted } from '../sensor/kernel-fs.js';

type Status = 'ok' | 'missing' | 'unknown';

interface Check {
  feature: string;
  status: Status;
  detail: string;
  /** What the user loses when this is missing. */
  cost: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function privilegeCheck(): Check {
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(readText('/proc/self/status') ?? '')?.[1];
  const caps = capEff ? BigInt('0x' + capEff) : 0n;
  const has = (bit: number): boolean => (caps & (1n << BigInt(bit))) !== 0n;
  const ok = process.geteuid?.() === 0 || (has(39) && has(38)) || has(21); // CAP_BPF, CAP_PERFMON / CAP_SYS_ADMIN
  return {
    feature: 'privileges (root or CAP_BPF+CAP_PERFMON)',
    status: ok ? 'ok' : 'missing',
    detail: `euid ${process.geteuid?.()}, CapEff ${capEff ?? '?'}`,
    cost: 'nothing can be loaded into the kernel: run the agent as root',
  };
}

function fileCheck(feature: string, path: string, cost: string): Check {
  const ok = existsSync(path);
  return { feature, status: ok ? 'ok' : 'missing', detail: ok ? path : `${path} not found`, cost };
}

function mountCheck(fs: typeof TRACEFS, cost: string): Check {
  const before = isMounted(fs);
  const problem = before ? null : ensureMounted(fs);
  return {
    feature: `${fs.name} at ${fs.mountPoint}`,
    status: problem ? 'missing' : 'ok',
    detail: before ? 'mounted' : problem ? `not mounted, and mounting failed: ${problem}` : 'was not mounted; mounted it now',
    cost,
  };
}

function cgroupV2Check(): Check {
  const paths = ['/sys/fs/cgroup/cgroup.controllers', '/sys/fs/cgroup/unified/cgroup.controllers'];
  const found = paths.find((p) => existsSync(p));
  return {
    feature: 'cgroup v2',
    status: found ? 'ok' : 'missing',
    detail: found ? found.replace('/cgroup.controllers', '') : 'no cgroup2 hierarchy found',
    cost: 'per-container identity is coarser, and cgroup-scoped enforcement (connect blocking) is unavailable',
  };
}

function lsmCheck(): Check {
  const lsm = readText('/sys/kernel/security/lsm');
  if (lsm === null) {
    return { feature: 'BPF LSM', status: 'unknown', detail: 'securityfs not readable', cost: 'exec blocking falls back to tracepoint + signal (kills after exec instead of refusing it)' };
  }
  const ok = lsm.split(',').includes('bpf');
  return {
    feature: 'BPF LSM',
    status: ok ? 'ok' : 'missing',
    detail: `active LSMs: ${lsm.trim()}`,
    cost: 'exec blocking falls back to tracepoint + signal (kills after exec instead of refusing it)',
  };
}

/** Starts the loader for real: programs must pass the verifier and tracepoints must attach. */
async function loaderCheck(): Promise<Check> {
  const feature = 'eBPF sensor load (ring buffer, tracepoints, CO-RE)';
  const cost = 'no capture at all';
  let client: LoaderClient | null = null;
  try {
    client = new LoaderClient({ onRecord: () => undefined, onExit: () => undefined });
    const pid = await Promise.race([
      client.ready,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 20 s')), 20_000).unref()),
    ]);
    return { feature, status: 'ok', detail: `loader pid ${pid} loaded and attached the sensor`, cost };
  } catch (e) {
    return { feature, status: 'missing', detail: (e as Error).message, cost };
  } finally {
    client?.stop();
  }
}

export async function collectChecks(): Promise<Check[]> {
  const checks: Check[] = [
    privilegeCheck(),
    fileCheck('BTF (/sys/kernel/btf/vmlinux)', '/sys/kernel/btf/vmlinux', 'CO-RE programs cannot be relocated: the sensor does not load'),
    mountCheck(TRACEFS, 'tracepoints cannot attach: no process lifecycle and no socket identity'),
    mountCheck(BPFFS, 'maps cannot be pinned: enforcement does not survive an agent restart'),
    fileCheck('uprobes', '/sys/bus/event_source/devices/uprobe', 'no TLS plaintext capture'),
    fileCheck('kprobes (optional)', '/sys/bus/event_source/devices/kprobe', 'none today: Osprey uses tracepoints and uprobes; kprobes would only be a faster path'),
    cgroupV2Check(),
    lsmCheck(),
  ];
  if (checks[0]?.status === 'ok') checks.push(await loaderCheck());
  return checks;
}

export async function runDoctor(opts: { json: boolean }): Promise<number> {
  const checks = await collectChecks();
  if (opts.json) {
    console.log(JSON.stringify({ kernel: readText('/proc/sys/kernel/osrelease')?.trim() ?? null, checks }, null, 2));
  } else {
    console.log(`kernel ${readText('/proc/sys/kernel/osrelease')?.trim() ?? '?'}`);
    for (const c of checks) {
      const mark = c.status === 'ok' ? 'ok     ' : c.status === 'missing' ? 'MISSING' : 'unknown';
      console.log(`${mark}  ${c.feature}: ${c.detail}`);
      if (c.status !== 'ok') console.log(`         cost: ${c.cost}`);
    }
  }
  const essential = checks.filter((c) => !c.feature.includes('optional') && c.feature !== 'BPF LSM' && c.feature !== 'cgroup v2');
  return essential.every((c) => c.status === 'ok') ? 0 : 1;
}
