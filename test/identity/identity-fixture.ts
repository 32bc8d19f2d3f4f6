/**
 * ProcessIdentity values for tests of pure functions over identities (rule matching, discovery
 * bookkeeping). Identity *reading* is tested on real processes (src/identity/identity.test.ts).
 */
import type { ProcessIdentity } from '../../src/identity/identity.js';

export function identityOf(fields: Partial<ProcessIdentity> = {}): ProcessIdentity {
  return Object.freeze({
    'process.pid': 4242,
    'process.parent_pid': 1,
    'process.executable.name': 'python3.11',
    'process.executable.path': '/usr/bin/python3.11',
    'process.command_line': 'python3 /app/agent.py --port 8080',
    'process.user.id': 1000,
    'process.creation.time': '2025-01-01T00:00:00.000Z',
    'container.id': null,
    'container.runtime': null,
    'k8s.pod.uid': null,
    'k8s.pod.name': null,
    'k8s.namespace.name': null,
    'k8s.node.name': null,
    'k8s.cluster.name': null,
    startNs: 1_000_000_000n,
    comm: 'python3',
    exeFileId: '65024:1234',
    cgroupPath: '/user.slice/user-1000.slice/session-1.scope',
    k8sQosClass: null,
    podNameSource: null,
    namespaceSource: null,
    envSignals: [],
    source: 'proc',
    containerInherited: false,
    ...fields,
  });
}

export const CONTAINER = 'c0ffee00' + 'ab'.repeat(28);

/** A process in a pod: namespace support, pod support-bot-7d9f8b6c5-x2x4q, containerd. */
export function podIdentity(fields: Partial<ProcessIdentity> = {}): ProcessIdentity {
  return identityOf({
    'container.id': CONTAINER,
    'container.runtime': 'containerd',
    'k8s.pod.uid': '0b3e6f0c-2d1a-4c55-9e77-1a2b3c4d5e6f',
    'k8s.pod.name': 'support-bot-7d9f8b6c5-x2x4q',
    'k8s.namespace.name': 'support',
    cgroupPath: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0b3e6f0c_2d1a_4c55_9e77_1a2b3c4d5e6f.slice/cri-containerd-${CONTAINER}.scope`,
    ...fields,
  });
}
