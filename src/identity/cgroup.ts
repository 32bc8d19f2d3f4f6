/**
 * Container and Kubernetes pod identity from a process's cgroup paths. Container runtimes name
 * the cgroup of each container after its id, and the kubelet names each pod's cgroup after the
 * pod uid, so /proc/PID/cgroup says which container and pod a process is in, without asking any
 * runtime (the agent cannot assume a runtime socket is reachable, or which one).
 *
 * Forms recognised, innermost segment first (the last match on the path wins, so a container
 * inside a container is named by the inner one):
 *
 * | runtime    | systemd cgroup driver                     | cgroupfs driver                    |
 * |------------|-------------------------------------------|------------------------------------|
 * | docker     | `system.slice/docker-<id>.scope`          | `/docker/<id>`                     |
 * | containerd | `…/cri-containerd-<id>.scope`, `nerdctl-<id>.scope` | `/kubepods/…/pod<uid>/<id>` (runtime unknown) |
 * | cri-o      | `…/crio-<id>.scope`                       | `/kubepods/…/pod<uid>/crio-<id>`   |
 * | podman     | `machine.slice/libpod-<id>.scope` (also rootless, under user@UID.service) | `/libpod_parent/libpod-<id>` |
 *
 * Pods: `kubepods[-<qos>]-pod<uid with _ for ->.slice` (systemd; also under kind/k3s prefixes
 * such as `kubelet-kubepods-…`) and `/kubepods[/<qos>]/pod<uid>/` (cgroupfs). A pod directly
 * under kubepods is Guaranteed QoS.
 *
 * Conmon's own scopes (`crio-conmon-<id>.scope`, `libpod-conmon-<id>.scope`) are the runtime's
 * monitor process, not the container, and are not reported as the container.
 *
 * An id is 32 or more lower-case hex digits in the runtime-specific forms above; a bare segment
 * (no runtime prefix) must be exactly 64 hex digits, or sit under a `docker` or kubepods pod
 * segment, so that unrelated hex-named cgroups (job ids, sandboxes) are not taken for containers.
 */

export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman';
export type K8sQosClass = 'guaranteed' | 'burstable' | 'besteffort';

/** One line of /proc/PID/cgroup. */
export interface CgroupLine {
  /** 0 for the unified (v2) hierarchy. */
  hierarchyId: number;
  /** Controllers of a v1 hierarchy (`cpu,cpuacct`, `name=systemd`); empty for v2. */
  controllers: string[];
  /** Path relative to the hierarchy's root (as the reader's cgroup namespace sees it). */
  path: string;
}

export interface CgroupIdentity {
  containerId: string | null;
  runtime: ContainerRuntime | null;
  podUid: string | null;
  qosClass: K8sQosClass | null;
  /** The path the agent reports and CGROUP rules match: see `primaryCgroupPath`. */
  path: string | null;
}

const HEX_ID = '[0-9a-f]{32,}';

/** Scope and named forms, tested against one path segment: [pattern, runtime]. */
const SEGMENT_FORMS: ReadonlyArray<readonly [RegExp, ContainerRuntime]> = [
  [new RegExp(`^docker-(${HEX_ID})\\.scope$`), 'docker'],
  [new RegExp(`^cri-containerd-(${HEX_ID})\\.scope$`), 'containerd'],
  [new RegExp(`^nerdctl-(${HEX_ID})\\.scope$`), 'containerd'],
  [new RegExp(`^crio-(${HEX_ID})(?:\\.scope)?$`), 'cri-o'],
  [new RegExp(`^libpod-(${HEX_ID})(?:\\.scope)?$`), 'podman'],
];

const BARE_64 = /^[0-9a-f]{64}$/;
const BARE_ID = new RegExp(`^${HEX_ID}$`);

/** systemd: `kubepods-burstable-pod<uid>.slice`, also `kubelet-kubepods-…` (kind, k3s). */
const POD_SLICE = /(?:^|-)kubepods(?:-(burstable|besteffort))?-pod([0-9a-f_-]{32,36})\.slice$/;
/** cgroupfs: `pod<uid>` somewhere below a `kubepods` segment. */
const POD_DIR = /^pod([0-9a-f-]{32,36})$/;
const UID_SHAPE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/;

/** Parses /proc/PID/cgroup. Malformed lines are skipped. */
export function parseProcCgroup(text: string): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const a = raw.indexOf(':');
    const b = a < 0 ? -1 : raw.indexOf(':', a + 1);
    if (b < 0) continue;
    const hierarchyId = Number(raw.slice(0, a));
    if (!Number.isInteger(hierarchyId) || hierarchyId < 0) continue;
    const controllers = raw.slice(a + 1, b);
    // A cgroup removed while the process is still in it (possible in v1) is shown with this suffix.
    const path = raw.slice(b + 1).replace(/ \(deleted\)$/, '');
    if (!path.startsWith('/')) continue;
    lines.push({ hierarchyId, controllers: controllers === '' ? [] : controllers.split(','), path });
  }
  return lines;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

interface PathMatch {
  containerId: string | null;
  runtime: ContainerRuntime | null;
  podUid: string | null;
  qosClass: K8sQosClass | null;
}

/** Container and pod identity of one cgroup path. */
export function identityOfCgroupPath(path: string): PathMatch {
  const segs = segmentsOf(path);
  let podUid: string | null = null;
  let qosClass: K8sQosClass | null = null;
  let podIndex = -1;
  let underKubepods = -1;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const slice = POD_SLICE.exec(seg);
    if (slice) {
      const uid = normalizePodUid(slice[2]!);
      if (uid) {
        podUid = uid;
        qosClass = (slice[1] as K8sQosClass | undefined) ?? 'guaranteed';
        podIndex = i;
      }
      continue;
    }
    if (seg === 'kubepods') {
      underKubepods = i;
      continue;
    }
    if (underKubepods >= 0) {
      const dir = POD_DIR.exec(seg);
      if (dir) {
        const uid = normalizePodUid(dir[1]!);
        if (uid) {
          podUid = uid;
          const between = segs.slice(underKubepods + 1, i);
          qosClass = between.includes('burstable') ? 'burstable' : between.includes('besteffort') ? 'besteffort' : 'guaranteed';
          podIndex = i;
        }
      }
    }
  }
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i]!;
    for (const [re, runtime] of SEGMENT_FORMS) {
      const m = re.exec(seg);
      if (m) return { containerId: m[1]!, runtime, podUid, qosClass };
    }
    const parent = i > 0 ? segs[i - 1]! : '';
    if (parent === 'docker' && BARE_ID.test(seg)) return { containerId: seg, runtime: 'docker', podUid, qosClass };
    // cgroupfs kubelet: the container's cgroup is its bare id; which runtime made it is not in the path.
    if (podIndex >= 0 && i === podIndex + 1 && BARE_ID.test(seg)) return { containerId: seg, runtime: null, podUid, qosClass };
    if (BARE_64.test(seg)) return { containerId: seg, runtime: null, podUid, qosClass };
  }
  return { containerId: null, runtime: null, podUid, qosClass };
}

function normalizePodUid(raw: string): string | null {
  const uid = raw.replace(/_/g, '-');
  return UID_SHAPE.test(uid) ? uid : null;
}

/**
 * The cgroup path to report: the unified (v2) path when there is one; on v1-only or hybrid hosts
 * whose v2 path is the root, the `name=systemd` hierarchy (where systemd and container runtimes
 * place every process), else the first non-root v1 path, else the root.
 */
export function primaryCgroupPath(lines: readonly CgroupLine[]): string | null {
  if (lines.length === 0) return null;
  const v2 = lines.find((l) => l.hierarchyId === 0 && l.controllers.length === 0);
  if (v2 && v2.path !== '/') return v2.path;
  const systemd = lines.find((l) => l.controllers.includes('name=systemd'));
  if (systemd && systemd.path !== '/') return systemd.path;
  const v1 = lines.find((l) => l.hierarchyId !== 0 && l.path !== '/');
  return v1?.path ?? v2?.path ?? systemd?.path ?? lines[0]!.path;
}

/**
 * Container and pod identity of a process from all its cgroup lines: the v2 path is asked first,
 * then `name=systemd`, then the other v1 hierarchies; the first that names a container wins, and
 * its path becomes the reported one. A pod uid without a container id (the pod's own slice) is
 * kept too.
 */
export function identityOfCgroups(lines: readonly CgroupLine[]): CgroupIdentity {
  const ordered = [
    ...lines.filter((l) => l.hierarchyId === 0 && l.controllers.length === 0),
    ...lines.filter((l) => l.controllers.includes('name=systemd')),
    ...lines.filter((l) => l.hierarchyId !== 0 && !l.controllers.includes('name=systemd')),
  ];
  let podOnly: (PathMatch & { path: string }) | null = null;
  const seen = new Set<string>();
  for (const line of ordered) {
    if (seen.has(line.path)) continue;
    seen.add(line.path);
    const m = identityOfCgroupPath(line.path);
    if (m.containerId !== null) return { ...m, path: line.path };
    if (m.podUid !== null && podOnly === null) podOnly = { ...m, path: line.path };
  }
  return podOnly ?? { containerId: null, runtime: null, podUid: null, qosClass: null, path: primaryCgroupPath(lines) };
}
