/**
 * Kubernetes pod name and namespace of a process, from what the pod itself carries: the
 * downward-API convention (`POD_NAME`, `POD_NAMESPACE`), the `HOSTNAME` the runtime sets to the
 * pod name, and the service-account namespace file the kubelet mounts into every pod, read through
 * /proc/PID/root (the process's own mount namespace). No API server is asked.
 *
 * Every value read from inside a container is untrusted: only well-formed Kubernetes names are
 * kept (a DNS-1123 label for namespaces, a DNS-1123 subdomain for pod names), so a hostile
 * container cannot inject arbitrary text into records, nor make us report a host file as its
 * namespace.
 */
import { readFileInRoot } from '../process/proc-fs.js';
import type { EnvScan } from './environ.js';

export const SERVICE_ACCOUNT_NAMESPACE_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

export function isNamespaceName(s: string): boolean {
  return DNS1123_LABEL.test(s);
}

export function isPodName(s: string): boolean {
  return DNS1123_SUBDOMAIN.test(s);
}

export type PodNameSource = 'env:POD_NAME' | 'env:HOSTNAME';
export type NamespaceSource = 'env:POD_NAMESPACE' | 'serviceaccount';

export interface PodNames {
  podName: string | null;
  podNameSource: PodNameSource | null;
  namespace: string | null;
  namespaceSource: NamespaceSource | null;
}

/** True when the environment or cgroup says the process runs in a Kubernetes pod. */
export function looksLikePod(env: EnvScan | null, podUid: string | null): boolean {
  if (podUid !== null) return true;
  if (!env) return false;
  return env.identity.KUBERNETES_SERVICE_HOST !== undefined || env.identity.POD_NAME !== undefined || env.identity.POD_NAMESPACE !== undefined;
}

/**
 * Pod name and namespace for a process in a pod (see looksLikePod). `hostNames` are the node's
 * own names: a hostNetwork pod's HOSTNAME is the node's, not the pod's, and is not used.
 */
export function podNamesOf(pid: number, env: EnvScan | null, hostNames: ReadonlySet<string>): PodNames {
  const out: PodNames = { podName: null, podNameSource: null, namespace: null, namespaceSource: null };
  const fromEnv = env?.identity;
  const podName = fromEnv?.POD_NAME?.trim();
  const hostname = fromEnv?.HOSTNAME?.trim().toLowerCase();
  if (podName && isPodName(podName)) {
    out.podName = podName;
    out.podNameSource = 'env:POD_NAME';
  } else if (hostname && isPodName(hostname) && !hostNames.has(hostname)) {
    out.podName = hostname;
    out.podNameSource = 'env:HOSTNAME';
  }
  const ns = fromEnv?.POD_NAMESPACE?.trim();
  if (ns && isNamespaceName(ns)) {
    out.namespace = ns;
    out.namespaceSource = 'env:POD_NAMESPACE';
  } else {
    const file = readFileInRoot(pid, SERVICE_ACCOUNT_NAMESPACE_PATH, 256)?.trim();
    if (file && isNamespaceName(file)) {
      out.namespace = file;
      out.namespaceSource = 'serviceaccount';
    }
  }
  return out;
}
