/**
 * Identity of real processes: moved into real cgroups whose paths imitate container runtimes,
 * and run in real mount/pid/network/UTS namespaces that imitate a pod. Needs root (skipped
 * otherwise). Every cgroup, namespace and process is removed in `after()`, also when a test fails.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CgroupSandbox } from '../../test/identity/cgroup-sandbox.js';
import { startPodProcess, type PodProcess } from '../../test/identity/pod-sandbox.js';
import { hasCommand, isRoot, killAll, startProcess, waitFor } from '../../test/identity/procs.js';
import { readStat, startNsOfTicks } from '../process/proc-fs.js';
import { ProcessTable } from '../process/table.js';
import { IDENTITY_ATTRIBUTE_KEYS, IdentityResolver, identityAttributes, resolveIdentity } from './identity.js';

const hex64 = (): string => randomBytes(32).toString('hex');
const canRun = isRoot() && hasCommand('unshare') && existsSync('/proc/self/ns/mnt');
const SECRET = `sk-test-${randomBytes(12).toString('hex')}`;

let v2: CgroupSandbox | null = null;
const pods: PodProcess[] = [];

before(() => {
  if (canRun) v2 = CgroupSandbox.v2();
});

after(async () => {
  await Promise.all(pods.map((p) => p.stop()));
  await killAll();
  v2?.cleanup();
});

describe('identity of processes in cgroups imitating container runtimes', { skip: !canRun ? 'needs root' : false }, () => {
  const uid = randomUUID();
  const uidSlice = uid.replace(/-/g, '_');
  // [name, group under the sandbox, expected container runtime, pod uid, qos]
  const layouts = (id: string): Array<[string, string, string | null, string | null, string | null]> => [
    ['docker (systemd scope)', `system.slice/docker-${id}.scope`, 'docker', null, null],
    ['docker (cgroupfs)', `docker/${id}`, 'docker', null, null],
    ['containerd in a burstable pod', `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidSlice}.slice/cri-containerd-${id}.scope`, 'containerd', uid, 'burstable'],
    ['containerd in a guaranteed pod', `kubepods.slice/kubepods-pod${uidSlice}.slice/cri-containerd-${id}.scope`, 'containerd', uid, 'guaranteed'],
    ['kubelet cgroupfs driver (besteffort)', `kubepods/besteffort/pod${uid}/${id}`, null, uid, 'besteffort'],
    ['CRI-O in a burstable pod', `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uidSlice}.slice/crio-${id}.scope`, 'cri-o', uid, 'burstable'],
    ['podman (systemd scope)', `machine.slice/libpod-${id}.scope`, 'podman', null, null],
    ['podman rootless', `user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${id}.scope`, 'podman', null, null],
  ];

  test('each layout gives its container id, runtime, pod uid and QoS', async (t) => {
    if (!v2) return t.skip('no writable cgroup v2 hierarchy');
    for (const [name, , runtime, podUid, qos] of layouts('x')) {
      await t.test(name, async () => {
        const id = hex64();
        const group = layouts(id).find((l) => l[0] === name)![1];
        const p = await startProcess();
        const path = v2!.move(p.pid, group);
        const identity = new IdentityResolver({ nodeName: null, clusterName: null }).resolve(p.pid, p.startNs);
        assert.equal(identity['container.id'], id);
        assert.equal(identity['container.runtime'], runtime);
        assert.equal(identity['k8s.pod.uid'], podUid);
        assert.equal(identity.k8sQosClass, qos);
        assert.equal(identity.cgroupPath, path);
        assert.equal(identity.comm, 'sleep');
        assert.equal(identity['process.executable.path'], '/usr/bin/sleep');
        assert.equal(identity['process.command_line'], 'sleep 300');
        assert.equal(identity['process.parent_pid'], process.pid);
        assert.equal(identity.source, 'proc');
        await p.kill();
      });
    }
  });

  test('conmon scopes and ordinary services are not containers', async (t) => {
    if (!v2) return t.skip('no writable cgroup v2 hierarchy');
    for (const group of [`machine.slice/libpod-conmon-${hex64()}.scope`, 'system.slice/nginx.service', `process_api/${hex64().slice(0, 32)}`]) {
      const p = await startProcess();
      v2.move(p.pid, group);
      const identity = new IdentityResolver().resolve(p.pid, p.startNs);
      assert.equal(identity['container.id'], null, group);
      assert.equal(identity.cgroupPath, `${v2.path}/${group}`);
      await p.kill();
    }
  });

  test('a v1 hierarchy (name=systemd) names the container on a hybrid host', async (t) => {
    const v1 = existsSync('/sys/fs/cgroup/systemd') ? CgroupSandbox.v1('/sys/fs/cgroup/systemd') : null;
    if (!v1) return t.skip('no writable v1 name=systemd hierarchy on this host');
    try {
      const id = hex64();
      const p = await startProcess();
      v1.move(p.pid, `docker/${id}`);
      const identity = new IdentityResolver().resolve(p.pid, p.startNs);
      assert.equal(identity['container.id'], id);
      assert.equal(identity['container.runtime'], 'docker');
      assert.equal(identity.cgroupPath, `${v1.path}/docker/${id}`);
      await p.kill();
    } finally {
      v1.cleanup();
    }
  });

  test('exe inode is the binary’s (dev:ino), whatever cgroup the process is in', async () => {
    const p = await startProcess();
    const identity = new IdentityResolver().resolve(p.pid, p.startNs);
    const st = statSync('/usr/bin/sleep', { bigint: true });
    assert.equal(identity.exeFileId, `${st.dev}:${st.ino}`);
    await p.kill();
  });
});

describe('identity of processes in namespaces imitating a pod', { skip: !canRun ? 'needs root and unshare' : false }, () => {
  test('pod name from env, namespace from the service-account file read through /proc/PID/root; container and pod uid from the cgroup', async (t) => {
    const pod = await startPodProcess({
      hostname: 'checkout-7d9f8b6c5-x2x4q',
      env: {
        HOSTNAME: 'checkout-7d9f8b6c5-x2x4q',
        POD_NAME: 'checkout-7d9f8b6c5-x2x4q',
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
        OPENAI_API_KEY: SECRET,
        LANGSMITH_API_KEY: SECRET,
        PATH: '/usr/bin',
      },
      serviceAccountNamespace: 'payments\n',
    });
    pods.push(pod);
    const uid = randomUUID();
    const id = hex64();
    const cgroupPath = v2?.move(pod.pid, `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice/cri-containerd-${id}.scope`);
    const resolver = new IdentityResolver({ nodeName: 'node-a', clusterName: 'prod-eu' });
    const identity = resolver.resolve(pod.pid, pod.startNs);

    assert.equal(identity['k8s.pod.name'], 'checkout-7d9f8b6c5-x2x4q');
    assert.equal(identity.podNameSource, 'env:POD_NAME');
    assert.equal(identity['k8s.namespace.name'], 'payments');
    assert.equal(identity.namespaceSource, 'serviceaccount');
    assert.equal(identity['k8s.node.name'], 'node-a');
    assert.equal(identity['k8s.cluster.name'], 'prod-eu');
    // The process is chrooted: its executable is reported as it sees it.
    assert.equal(identity['process.executable.path'], '/usr/bin/sleep');
    assert.deepEqual(identity.envSignals, ['LANGSMITH_API_KEY', 'OPENAI_API_KEY']);
    if (cgroupPath === undefined) return t.skip('no writable cgroup v2 hierarchy for the container part');
    assert.equal(identity['container.id'], id);
    assert.equal(identity['container.runtime'], 'containerd');
    assert.equal(identity['k8s.pod.uid'], uid);
    assert.equal(identity.cgroupPath, cgroupPath);

    // What a record carries: exactly the identity attributes, pod, namespace and container included.
    const attrs = identityAttributes(identity);
    assert.ok(Object.keys(attrs).every((k) => (IDENTITY_ATTRIBUTE_KEYS as readonly string[]).includes(k)));
    assert.equal(attrs['k8s.pod.name'], 'checkout-7d9f8b6c5-x2x4q');
    assert.equal(attrs['k8s.namespace.name'], 'payments');
    assert.equal(attrs['container.id'], id);
    assert.equal(attrs['k8s.pod.uid'], uid);
    assert.equal(attrs['process.pid'], pod.pid);
    // Never a value of a key variable, anywhere.
    assert.ok(!JSON.stringify(identity, (_, v) => (typeof v === 'bigint' ? String(v) : v)).includes(SECRET));
  });

  test('POD_NAMESPACE from the downward API wins over the service-account file', async () => {
    const pod = await startPodProcess({
      hostname: 'api-0',
      env: { HOSTNAME: 'api-0', POD_NAMESPACE: 'billing', KUBERNETES_SERVICE_HOST: '10.96.0.1' },
      serviceAccountNamespace: 'other',
    });
    pods.push(pod);
    const identity = new IdentityResolver().resolve(pod.pid, pod.startNs);
    assert.equal(identity['k8s.namespace.name'], 'billing');
    assert.equal(identity.namespaceSource, 'env:POD_NAMESPACE');
    assert.equal(identity['k8s.pod.name'], 'api-0');
    assert.equal(identity.podNameSource, 'env:HOSTNAME');
  });

  test('a hostile pod cannot make us read a host file: absolute symlinks resolve inside its root', async () => {
    const decoyDir = mkdtempSync(join(tmpdir(), 'osprey-decoy-'));
    const decoy = join(decoyDir, 'ns');
    writeFileSync(decoy, 'hostsecret');
    try {
      const pod = await startPodProcess({
        hostname: 'evil-1',
        env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', HOSTNAME: 'evil-1' },
        namespaceSymlinkTo: decoy,
      });
      pods.push(pod);
      const identity = new IdentityResolver().resolve(pod.pid, pod.startNs);
      assert.equal(identity['k8s.namespace.name'], null);
      assert.equal(identity['k8s.pod.name'], 'evil-1');
    } finally {
      rmSync(decoyDir, { recursive: true, force: true });
    }
  });

  test('a FIFO as the namespace file does not hang the agent', async () => {
    const pod = await startPodProcess({ hostname: 'fifo-1', env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, namespaceIsFifo: true });
    pods.push(pod);
    const t0 = Date.now();
    const identity = new IdentityResolver().resolve(pod.pid, pod.startNs);
    assert.equal(identity['k8s.namespace.name'], null);
    assert.ok(Date.now() - t0 < 1000);
  });

  test('a hostNetwork pod’s HOSTNAME is the node’s, not a pod name', async () => {
    const node = hostname().toLowerCase();
    const pod = await startPodProcess({ hostname: node, env: { HOSTNAME: node, KUBERNETES_SERVICE_HOST: '10.96.0.1' }, serviceAccountNamespace: 'kube-system' });
    pods.push(pod);
    const identity = new IdentityResolver().resolve(pod.pid, pod.startNs);
    assert.equal(identity['k8s.pod.name'], null);
    assert.equal(identity['k8s.namespace.name'], 'kube-system');
  });

  test('a process that is not in a pod gets no pod fields, even with a service-account file around', async () => {
    const pod = await startPodProcess({ hostname: 'plain', env: { HOSTNAME: 'plain' }, serviceAccountNamespace: 'x' });
    pods.push(pod);
    const identity = new IdentityResolver().resolve(pod.pid, pod.startNs);
    assert.equal(identity['k8s.pod.name'], null);
    assert.equal(identity['k8s.namespace.name'], null);
  });
});

describe('cache, pid reuse and short-lived processes', { skip: !canRun ? 'needs root' : false }, () => {
  test('identity is read once per (pid, start) and cached', async () => {
    const p = await startProcess();
    const r = new IdentityResolver();
    const a = r.resolve(p.pid, p.startNs);
    const reads = r.stats().procReads;
    const b = r.resolve(p.pid, p.startNs);
    assert.equal(a, b);
    assert.equal(r.stats().procReads, reads);
    assert.equal(r.stats().environReads, 1);
    await p.kill();
  });

  test('a start time that does not match the live pid: nothing from /proc is used', async () => {
    const p = await startProcess();
    const r = new IdentityResolver();
    const wrongStart = p.startNs - 5_000_000_000n;
    const ghost = r.resolve(p.pid, wrongStart, { comm: 'python3', filename: '/usr/bin/python3', ppid: 1, uid: 1000 });
    assert.equal(ghost.comm, 'python3');
    assert.equal(ghost['process.executable.path'], '/usr/bin/python3');
    assert.equal(ghost['process.command_line'], null);
    assert.equal(ghost.source, 'exec');
    const real = r.resolve(p.pid, p.startNs);
    assert.equal(real.comm, 'sleep');
    assert.notEqual(ghost, real);
    // The cached ghost stays the ghost.
    assert.equal(r.resolve(p.pid, wrongStart).comm, 'python3');
    await p.kill();
  });

  test('real pid reuse: same pid, different start time → different identities, cache not confused', async (t) => {
    const r = new IdentityResolver();
    const first = await startProcess(['sleep', '300']);
    if (v2) v2.move(first.pid, `docker/${hex64()}`);
    const firstId = r.resolve(first.pid, first.startNs);
    const pid = first.pid;
    await first.kill();
    r.onExit({ tgid: pid, startNs: first.startNs });
    // Ask the kernel for the same pid again: the next pid allocated is ns_last_pid + 1.
    let second: Awaited<ReturnType<typeof startProcess>> | null = null;
    for (let attempt = 0; attempt < 20 && second === null; attempt++) {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
      const p = await startProcess(['sleep', '301']);
      if (p.pid === pid) second = p;
      else await p.kill();
    }
    if (!second) return t.skip('could not get the pid reused (a busy host allocated it first)');
    // Wait for the start to land on a later tick than the first process's (it almost surely has).
    await waitFor(() => (second!.startNs !== first.startNs ? true : undefined), 'a distinct start time');
    const secondId = r.resolve(pid, second.startNs);
    assert.equal(secondId['process.pid'], pid);
    assert.equal(secondId['process.command_line'], 'sleep 301');
    assert.equal(secondId['container.id'], null);
    assert.equal(r.resolve(pid, first.startNs), firstId);
    assert.equal(firstId['process.command_line'], 'sleep 300');
    if (v2) assert.notEqual(firstId['container.id'], null);
    await second.kill();
  });

  test('a process gone before /proc is read keeps what the exec event carried, and its parent’s container', async (t) => {
    if (!v2) return t.skip('no writable cgroup v2 hierarchy');
    const containerId = hex64();
    const parent = await startProcess();
    v2.move(parent.pid, `system.slice/docker-${containerId}.scope`);
    const brief = await startProcess(['true']);
    await new Promise<void>((resolve) => (brief.child.exitCode !== null ? resolve() : brief.child.once('exit', () => resolve())));
    assert.equal(readStat(brief.pid), null);

    const r = new IdentityResolver();
    r.resolve(parent.pid, parent.startNs); // the parent is known, as it would be from its own exec event
    const identity = r.resolve(brief.pid, brief.startNs, { ppid: parent.pid, uid: 0, comm: 'curl', filename: '/usr/bin/curl', commandLine: 'curl -s https://api.openai.com/v1/chat/completions' });
    assert.equal(identity.source, 'exec');
    assert.equal(identity['process.command_line'], 'curl -s https://api.openai.com/v1/chat/completions');
    assert.equal(identity.comm, 'curl');
    assert.equal(identity['process.executable.path'], '/usr/bin/curl');
    assert.equal(identity['process.executable.name'], 'curl');
    assert.equal(identity['process.parent_pid'], parent.pid);
    assert.equal(identity['process.user.id'], 0);
    assert.equal(identity['container.id'], containerId);
    assert.equal(identity['container.runtime'], 'docker');
    assert.equal(identity.containerInherited, true);
    await parent.kill();
  });

  test('identity read at the exec event survives the process (it exits right after its LLM call)', async (t) => {
    if (!v2) return t.skip('no writable cgroup v2 hierarchy');
    const containerId = hex64();
    const p = await startProcess(['sleep', '300']);
    v2.move(p.pid, `system.slice/docker-${containerId}.scope`);
    const table = new ProcessTable();
    const info = table.onExec({ tgid: p.pid, ppid: process.pid, startNs: p.startNs, uid: 0, comm: 'sleep', filename: '/usr/bin/sleep' });
    assert.equal(info['process.command_line'], 'sleep 300');
    await p.kill();
    table.onExit({ tgid: p.pid, startNs: p.startNs }, Date.now());
    // The call is emitted after the exit: identity comes from what was read at exec.
    const identity = table.identity(p.pid, p.startNs);
    assert.equal(identity['container.id'], containerId);
    assert.equal(identity['process.command_line'], 'sleep 300');
    assert.equal(identity['process.executable.path'], '/usr/bin/sleep');
    // …until the retention period has passed.
    table.sweep(Date.now() + 60_000);
    assert.equal(table.identities.peek(p.pid, p.startNs), undefined);
  });

  test('exec in the same process replaces the cached identity; fork children inherit, then are re-read', async () => {
    const p = await startProcess(['sleep', '300']);
    const r = new IdentityResolver();
    r.resolve(p.pid, p.startNs);
    const next = r.onExec({ tgid: p.pid, ppid: process.pid, startNs: p.startNs, uid: 0, comm: 'sleep', filename: '/usr/bin/sleep' });
    assert.equal(next.source, 'proc');
    assert.equal(next.envSignals, null); // the environment is read on first resolve, not at exec
    const resolved = r.resolve(p.pid, p.startNs);
    assert.equal(resolved.exeFileId, next.exeFileId);
    assert.deepEqual(resolved.envSignals, []);
    assert.equal(r.resolve(p.pid, p.startNs), resolved);

    const child = await startProcess(['sleep', '302']);
    r.onFork({ parentTgid: p.pid, childTgid: child.pid, childStartNs: child.startNs });
    assert.equal(r.peek(child.pid, child.startNs)?.source, 'fork');
    assert.equal(r.peek(child.pid, child.startNs)?.['process.command_line'], 'sleep 300');
    const reread = r.resolve(child.pid, child.startNs);
    assert.equal(reread.source, 'proc');
    assert.equal(reread['process.command_line'], 'sleep 302');
    await p.kill();
    await child.kill();
  });

  test('exec event older than /proc (the process exec’d again since): the event’s image is kept', async () => {
    const p = await startProcess(['sleep', '300']);
    const r = new IdentityResolver();
    const identity = r.onExec({ tgid: p.pid, ppid: process.pid, startNs: p.startNs, uid: 0, comm: 'sh', filename: '/bin/sh', commandLine: 'sh -c exec sleep 300' });
    assert.equal(identity.comm, 'sh');
    assert.equal(identity['process.executable.path'], '/bin/sh');
    assert.equal(identity['process.command_line'], 'sh -c exec sleep 300');
    await p.kill();
  });

  test('resolveIdentity and startNs 0n (unknown) read the live process', () => {
    const identity = resolveIdentity(process.pid, 0n);
    assert.equal(identity['process.pid'], process.pid);
    assert.equal(identity.startNs, startNsOfTicks(readStat(process.pid)!.startTicks));
    assert.equal(identity['process.executable.path'], process.execPath);
    assert.ok(identity['process.creation.time']);
    assert.ok(Math.abs(Date.parse(identity['process.creation.time']!) - (Date.now() - process.uptime() * 1000)) < 2000);
  });

  test('a pid that never existed is just a pid', () => {
    const identity = new IdentityResolver().resolve(2 ** 22 + 12345, 1n);
    assert.equal(identity.source, 'pid');
    assert.deepEqual(Object.keys(identityAttributes(identity)), ['process.pid', 'process.creation.time']);
  });

  test('the cache is bounded', async () => {
    const r = new IdentityResolver({ maxEntries: 10 });
    for (let i = 0; i < 25; i++) r.resolve(2 ** 22 + i, 1n);
    assert.ok(r.size <= 10);
  });
});
