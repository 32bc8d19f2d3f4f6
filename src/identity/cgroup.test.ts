import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityOfCgroupPath, identityOfCgroups, parseProcCgroup, primaryCgroupPath } from './cgroup.js';

const ID64 = '3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e';
const ID2 = 'aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233';
const UID = '0b3e6f0c-2d1a-4c55-9e77-1a2b3c4d5e6f';
const UID_ = UID.replace(/-/g, '_');

// [description, path, containerId, runtime, podUid, qos]
const CASES: Array<[string, string, string | null, string | null, string | null, string | null]> = [
  ['docker, systemd driver', `/system.slice/docker-${ID64}.scope`, ID64, 'docker', null, null],
  ['docker, cgroupfs driver', `/docker/${ID64}`, ID64, 'docker', null, null],
  ['docker in docker: the inner container', `/docker/${ID64}/docker/${ID2}`, ID2, 'docker', null, null],
  ['docker short (32 hex) under /docker', `/docker/${ID64.slice(0, 32)}`, ID64.slice(0, 32), 'docker', null, null],
  [
    'containerd under kubepods, systemd, burstable',
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID64}.scope`,
    ID64,
    'containerd',
    UID,
    'burstable',
  ],
  [
    'containerd under kubepods, systemd, besteffort',
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID64}.scope`,
    ID64,
    'containerd',
    UID,
    'besteffort',
  ],
  ['guaranteed pod, systemd', `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID64}.scope`, ID64, 'containerd', UID, 'guaranteed'],
  [
    'kind/k3s: kubelet-kubepods prefix',
    `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID64}.scope`,
    ID64,
    'containerd',
    UID,
    'besteffort',
  ],
  ['kubepods cgroupfs, burstable: bare id, runtime unknown', `/kubepods/burstable/pod${UID}/${ID64}`, ID64, null, UID, 'burstable'],
  ['kubepods cgroupfs, guaranteed', `/kubepods/pod${UID}/${ID64}`, ID64, null, UID, 'guaranteed'],
  ['kubepods cgroupfs, 32-hex container id', `/kubepods/besteffort/pod${UID}/${ID64.slice(0, 40)}`, ID64.slice(0, 40), null, UID, 'besteffort'],
  ['CRI-O, systemd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID64}.scope`, ID64, 'cri-o', UID, 'burstable'],
  ['CRI-O, cgroupfs', `/kubepods/burstable/pod${UID}/crio-${ID64}`, ID64, 'cri-o', UID, 'burstable'],
  ['CRI-O conmon is not the container', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID64}.scope`, null, null, UID, 'burstable'],
  ['podman, systemd (rootful)', `/machine.slice/libpod-${ID64}.scope`, ID64, 'podman', null, null],
  ['podman with its init sub-cgroup', `/machine.slice/libpod-${ID64}.scope/container`, ID64, 'podman', null, null],
  ['podman rootless', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID64}.scope`, ID64, 'podman', null, null],
  ['podman cgroupfs', `/libpod_parent/libpod-${ID64}`, ID64, 'podman', null, null],
  ['podman conmon is not the container', `/machine.slice/libpod-conmon-${ID64}.scope`, null, null, null, null],
  ['nerdctl (containerd without Kubernetes)', `/system.slice/nerdctl-${ID64}.scope`, ID64, 'containerd', null, null],
  ['ECS/actions: a bare 64-hex segment anywhere', `/ecs/8a7b6c5d/${ID64}`, ID64, null, null, null],
  ['the pod slice itself (pause-less process)', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`, null, null, UID, 'burstable'],
  ['a user session is not a container', '/user.slice/user-0.slice/session-3.scope', null, null, null, null],
  ['a systemd service is not a container', '/system.slice/nginx.service', null, null, null, null],
  ['a 32-hex job id outside any runtime form is not a container', '/process_api/be5ea5ed2bbee966c008a0f9fcb3e0ce', null, null, null, null],
  ['too short to be an id', '/docker/abc123', null, null, null, null],
  ['upper-case hex is not a runtime id', `/docker/${ID64.toUpperCase()}`, null, null, null, null],
  ['a malformed pod uid is ignored', '/kubepods/burstable/podnot-a-uid/x', null, null, null, null],
  ['root', '/', null, null, null, null],
];

test('container and pod identity from cgroup paths (table)', async (t) => {
  for (const [name, path, containerId, runtime, podUid, qos] of CASES) {
    await t.test(name, () => {
      const got = identityOfCgroupPath(path);
      assert.deepEqual(got, { containerId, runtime, podUid, qosClass: qos }, path);
    });
  }
});

test('parseProcCgroup reads v2 and v1 lines, paths with colons, and drops (deleted)', () => {
  const lines = parseProcCgroup(
    ['12:cpu,cpuacct:/docker/x', '1:name=systemd:/system.slice/a:b.service', '0::/system.slice/docker-abc.scope (deleted)', 'garbage', '3:memory:relative', ''].join('\n'),
  );
  assert.deepEqual(lines, [
    { hierarchyId: 12, controllers: ['cpu', 'cpuacct'], path: '/docker/x' },
    { hierarchyId: 1, controllers: ['name=systemd'], path: '/system.slice/a:b.service' },
    { hierarchyId: 0, controllers: [], path: '/system.slice/docker-abc.scope' },
  ]);
});

test('v2 line first; on a hybrid host whose v2 path is the root, v1 names the container', () => {
  const v2 = parseProcCgroup(`0::/system.slice/docker-${ID64}.scope\n`);
  assert.deepEqual(identityOfCgroups(v2), { containerId: ID64, runtime: 'docker', podUid: null, qosClass: null, path: `/system.slice/docker-${ID64}.scope` });

  const hybrid = parseProcCgroup([`9:name=systemd:/docker/${ID64}`, `4:memory:/docker/${ID64}`, '0::/'].join('\n'));
  const got = identityOfCgroups(hybrid);
  assert.equal(got.containerId, ID64);
  assert.equal(got.path, `/docker/${ID64}`);

  // Exactly this sandbox's shape: only the memory hierarchy has a (non-container) path.
  const host = parseProcCgroup(['9:name=systemd:/', '4:memory:/process_api/be5ea5ed2bbee966c008a0f9fcb3e0ce', '1:cpu:/', '0::/'].join('\n'));
  assert.deepEqual(identityOfCgroups(host), { containerId: null, runtime: null, podUid: null, qosClass: null, path: '/process_api/be5ea5ed2bbee966c008a0f9fcb3e0ce' });
});

test('primaryCgroupPath: v2 unless it is the root, then name=systemd, then any v1 path', () => {
  assert.equal(primaryCgroupPath(parseProcCgroup('0::/a\n1:name=systemd:/b\n')), '/a');
  assert.equal(primaryCgroupPath(parseProcCgroup('0::/\n1:name=systemd:/b\n2:cpu:/c\n')), '/b');
  assert.equal(primaryCgroupPath(parseProcCgroup('0::/\n1:name=systemd:/\n2:cpu:/c\n')), '/c');
  assert.equal(primaryCgroupPath(parseProcCgroup('0::/\n')), '/');
  assert.equal(primaryCgroupPath([]), null);
});
