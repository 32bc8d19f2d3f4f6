/**
 * Enforcement end to end, with the real kernel programs (root required, as in CI).
 *
 * The programs are pinned under a private bpffs directory and their cgroup hooks attached to a
 * private cgroup v2 subtree, so nothing outside the test is affected: every client runs in its
 * own child group of that subtree (moved there through cgroup.procs before it execs), scoped or
 * not. Servers listen on loopback (IPv4 and IPv6) and in a network namespace behind a veth pair;
 * a fake DNS server on 127.0.0.2:53 answers for the host-name rules. Everything — cgroups, netns,
 * veth, pins, servers — is removed in after(), on process exit, and (for a run that was killed) by
 * the next run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { AuditLog, buildReport, readAudit, type AuditEvent, type DecisionEvent } from '../../src/enforce/audit.js';
import { Enforcer } from '../../src/enforce/enforcer.js';
import { EnforceRuntime } from '../../src/enforce/runtime.js';
import { findCgroup2Mount } from '../../src/process/proc-fs.js';

const run = promisify(execFile);
const OSPREY = join(REPO_ROOT, 'bin', 'osprey');
const ENFORCER = join(REPO_ROOT, 'bpf', 'osprey-enforcer');
const EPERM = 1;
const ECONNREFUSED = 111;
const ECONNABORTED = 103;

const TAG = `osprey-enf-test-${process.pid}`;
const PIN_PARENT = `/sys/fs/bpf/${TAG}`;
const PIN_DIR = `${PIN_PARENT}/enforce`;
const NETNS = `ospe2e-${process.pid}`;
const VETH = `oe${process.pid % 100000}`; // + a / b: at most 15 characters
const NET = `10.250.${process.pid % 250}`;
const NS_ADDR = `${NET}.2`;

const isRoot = process.geteuid?.() === 0;
const mount = findCgroup2Mount();
const skip = !isRoot ? 'needs root' : !mount ? 'needs a cgroup v2 hierarchy' : !existsSync(ENFORCER) ? 'bpf/osprey-enforcer is not built' : false;

// ---------------------------------------------------------------------------------------------
// cleanup, including what a killed earlier run left behind
// ---------------------------------------------------------------------------------------------

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  } catch {
    // gone
  }
  for (let i = 0; i < 100; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function quiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

function cleanupTag(tag: string, pid: number): void {
  if (existsSync(`/sys/fs/bpf/${tag}/enforce`)) quiet(ENFORCER, ['-P', `/sys/fs/bpf/${tag}/enforce`, 'off']);
  quiet('rmdir', [`/sys/fs/bpf/${tag}`]);
  quiet('ip', ['netns', 'del', `ospe2e-${pid}`]);
  quiet('ip', ['link', 'del', `oe${pid % 100000}a`]);
  if (mount) removeCgroupTree(join(mount, tag));
}

function removeStale(): void {
  const tags = new Set<string>();
  for (const dir of ['/sys/fs/bpf', mount ?? '/nonexistent']) {
    try {
      for (const name of readdirSync(dir)) if (/^osprey-enf-test-\d+$/.test(name)) tags.add(name);
    } catch {
      // no such directory
    }
  }
  for (const tag of tags) {
    const pid = Number(tag.slice('osprey-enf-test-'.length));
    if (!existsSync(`/proc/${pid}`)) cleanupTag(tag, pid);
  }
}

const children = new Set<ChildProcess>();
let cleaned = false;
function cleanupAll(): void {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) c.kill('SIGKILL');
  cleanupTag(TAG, process.pid);
}
process.on('exit', cleanupAll);

// ---------------------------------------------------------------------------------------------
// processes in cgroups
// ---------------------------------------------------------------------------------------------

const CLIENT = String.raw`
import errno, json, socket, struct, sys
def out(d):
    print(json.dumps(d)); sys.stdout.flush()
def fam(host):
    return socket.AF_INET6 if ':' in host else socket.AF_INET
def try_connect(host, port):
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, port))
        return s, 0
    except OSError as e:
        s.close()
        return None, e.errno
def dns_query(server, name, qtype):
    q = struct.pack('>HHHHHH', 0x4f53, 0x0100, 1, 0, 0, 0)
    for label in name.split('.'):
        q += bytes([len(label)]) + label.encode()
    q += b'\x00' + struct.pack('>HH', qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(q, (server, 53))
    r, _ = s.recvfrom(4096)
    an = struct.unpack('>H', r[6:8])[0]
    off = 12
    while r[off] != 0:
        off += r[off] + 1
    off += 5
    addrs = []
    for _ in range(an):
        if r[off] & 0xc0 == 0xc0:
            off += 2
        else:
            while r[off] != 0:
                off += r[off] + 1
            off += 1
        t, c, ttl, rdlen = struct.unpack('>HHIH', r[off:off + 10])
        off += 10
        if t == 1:
            addrs.append(socket.inet_ntop(socket.AF_INET, r[off:off + 4]))
        if t == 28:
            addrs.append(socket.inet_ntop(socket.AF_INET6, r[off:off + 16]))
        off += rdlen
    return addrs
mode = sys.argv[1]
if mode == 'connect':
    host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1
    res = []
    for _ in range(n):
        s, err = try_connect(host, port)
        res.append(err)
        if s:
            s.close()
    out({'results': res})
elif mode == 'udp':
    s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM)
    try:
        s.sendto(b'x', (sys.argv[2], int(sys.argv[3])))
        out({'results': [0]})
    except OSError as e:
        out({'results': [e.errno]})
elif mode == 'send':
    s, err = try_connect(sys.argv[2], int(sys.argv[3]))
    if s:
        s.sendall(b'x' * int(sys.argv[4]))
        s.close()
    out({'results': [err]})
elif mode == 'hold':
    s, err = try_connect(sys.argv[2], int(sys.argv[3]))
    if not s:
        out({'connected': False, 'errno': err})
        sys.exit(0)
    s.settimeout(20)
    out({'connected': True})
    try:
        data = s.recv(100)
        out({'ended': 'eof' if not data else 'data'})
    except OSError as e:
        out({'ended': 'error', 'errno': e.errno})
elif mode == 'resolve':
    server, name, qtype, port = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    addrs = dns_query(server, name, qtype)
    res = []
    for a in addrs[:1]:
        s, err = try_connect(a, port)
        res.append(err)
        if s:
            s.close()
    out({'addrs': addrs, 'results': res})
`;

let work: string;
let clientPath: string;
/** The interpreter itself, not a version-manager shim (which costs ~0.4 s per start). */
let python = 'python3';

function groupDir(group: string): string {
  return join(mount as string, TAG, group);
}

function groupPath(group: string): string {
  return `/${TAG}/${group}`;
}

/** Starts `argv` inside cgroup `group` (created if needed): the shell moves itself in, then execs. */
function spawnIn(group: string, argv: string[]): ChildProcess {
  mkdirSync(groupDir(group), { recursive: true });
  const child = spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', groupDir(group), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

function finish(child: ChildProcess): Promise<Done> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      const lines = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, lines, stderr: err });
    }),
  );
}

/** Runs the Python client in a group; returns the errno of each attempt (0: success). */
async function client(group: string, ...args: (string | number)[]): Promise<number[]> {
  const done = await finish(spawnIn(group, [python, clientPath, ...args.map(String)]));
  assert.equal(done.code, 0, `client ${args.join(' ')} in ${group} failed: ${done.stderr}`);
  return (done.lines.at(-1)?.results as number[]) ?? [];
}

async function osprey(...args: string[]): Promise<string> {
  const { stdout } = await run(OSPREY, ['enforce', ...args], { env: ospreyEnv(), cwd: REPO_ROOT });
  return stdout;
}

async function ospreyFails(...args: string[]): Promise<string> {
  try {
    await run(OSPREY, ['enforce', ...args], { env: ospreyEnv(), cwd: REPO_ROOT });
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  assert.fail(`osprey enforce ${args.join(' ')} should have failed`);
}

function ospreyEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OSPREY_ENFORCE_PIN_DIR: PIN_DIR,
    OSPREY_ENFORCE_CGROUP: join(mount as string, TAG),
    OSPREY_ENFORCE_STATE: join(work, 'state.json'),
    OSPREY_ENFORCE_AUDIT: join(work, 'audit.jsonl'),
    OSPREY_CONFIG: join(work, 'no-agent-config.yaml'),
  };
}

// ---------------------------------------------------------------------------------------------
// servers
// ---------------------------------------------------------------------------------------------

interface TcpServer {
  server: Server;
  port: number;
  sockets: Socket[];
  errors: string[];
}

async function tcpServer(host: string): Promise<TcpServer> {
  const s: TcpServer = { server: createServer(), port: 0, sockets: [], errors: [] };
  s.server.on('connection', (sock) => {
    s.sockets.push(sock);
    sock.on('error', (e: NodeJS.ErrnoException) => s.errors.push(e.code ?? e.message));
    sock.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => s.server.listen(0, host, resolve));
  s.port = (s.server.address() as { port: number }).port;
  return s;
}

function dnsName(buf: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  while (buf[off] !== 0) {
    const len = buf[off] as number;
    labels.push(buf.toString('latin1', off + 1, off + 1 + len));
    off += len + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: off + 1 };
}

function wire(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

/** Answers A/AAAA queries from a table; `cname` entries answer with a CNAME and the target's A record. */
async function dnsServer(table: Record<string, { a?: string[]; aaaa?: string[]; cname?: { target: string; a: string } }>): Promise<UdpSocket> {
  const sock = createSocket('udp4');
  sock.on('message', (q, rinfo) => {
    const { name, end } = dnsName(q, 12);
    const qtype = q.readUInt16BE(end);
    const entry = table[name];
    const answers: Buffer[] = [];
    const rr = (owner: Buffer, type: number, data: Buffer): Buffer => {
      const h = Buffer.alloc(10);
      h.writeUInt16BE(type, 0);
      h.writeUInt16BE(1, 2);
      h.writeUInt32BE(60, 4);
      h.writeUInt16BE(data.length, 8);
      return Buffer.concat([owner, h, data]);
    };
    const ptr = Buffer.from([0xc0, 12]);
    if (entry?.cname) {
      answers.push(rr(ptr, 5, wire(entry.cname.target)));
      answers.push(rr(wire(entry.cname.target), 1, Buffer.from(entry.cname.a.split('.').map(Number))));
    }
    if (qtype === 1) for (const a of entry?.a ?? []) answers.push(rr(ptr, 1, Buffer.from(a.split('.').map(Number))));
    if (qtype === 28) for (const a of entry?.aaaa ?? []) answers.push(rr(ptr, 28, ipv6Bytes(a)));
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(answers.length ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    sock.send(Buffer.concat([header, q.subarray(12, end + 4), ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(53, '127.0.0.2', resolve));
  return sock;
}

function ipv6Bytes(a: string): Buffer {
  if (a === '::1') return Buffer.from([...new Array(15).fill(0), 1]);
  throw new Error(`test DNS server: only ::1 is supported, not ${a}`);
}

// ---------------------------------------------------------------------------------------------
// the suite
// ---------------------------------------------------------------------------------------------

describe('enforcement in the kernel', { skip }, () => {
  let srv: TcpServer; // 127.0.0.1
  let srv6: TcpServer; // ::1
  let killSrv: TcpServer;
  let dns: UdpSocket;
  let nsServer: ChildProcess;
  let runtime: EnforceRuntime;
  const events: AuditEvent[] = [];
  let blockedBin: string;
  let hashedBin: string;
  let marker: (name: string) => string;
  const NS_PORT = 8080;

  function policy(): string {
    return `
defaults: { mode: enforce }
scopes:
  denied: { cgroup: ${groupPath('denied')} }
rules:
  - name: deny-loopback-port
    deny: ["127.0.0.1:${srv.port}", "[::1]:${srv6.port}", "127.0.0.99:5353"]
    scope: denied
  - name: deny-netns
    deny: [${NS_ADDR}/32]
    scope: denied
  - name: deny-by-name
    deny: [blocked.osprey.test, "*.wild.osprey.test", alias.osprey.test]
    scope: { cgroup: ${groupPath('dns')} }
  - name: observe-only
    deny: ["127.0.0.1:${srv.port}"]
    scope: { cgroup: ${groupPath('observe')} }
    mode: observe
  - name: conn-budget
    rate_limit: { to: ["127.0.0.1:${srv.port}"], connections: 3, window: 10m }
    scope: { cgroup: ${groupPath('rate-conn')} }
  - name: call-budget
    rate_limit: { to: ["127.0.0.1:${srv.port}"], calls: 3, window: 10m }
    scope: { cgroup: ${groupPath('rate-calls')} }
  - name: byte-budget
    rate_limit: { to: ["127.0.0.1:${srv.port}"], bytes: 64KiB, window: 10m }
    scope: { cgroup: ${groupPath('rate-bytes')} }
  - name: only-one-port
    allow_only: ["127.0.0.1:${killSrv.port}"]
    scope: { cgroup: ${groupPath('allow')} }
  - name: seen-in-traffic
    deny: [sni.osprey.test]
    scope: { cgroup: ${groupPath('sni')} }
  - name: budget-then-kill
    rate_limit: { to: ["127.0.0.1:${killSrv.port}"], calls: 2, window: 10m, on_exceed: kill_connections }
    scope: { cgroup: ${groupPath('rate-kill')} }
  - name: no-blocked-bin
    deny_exec: [${blockedBin}, { sha256: "${sha256(hashedBin)}", search: [${work}/bin] }]
    scope: { cgroup: ${groupPath('exec')} }
`;
  }

  function sha256(path: string): string {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  }

  async function status(): Promise<{ kernel: { rules: { name: string; hits: number; blocked: number }[]; buckets: { rule: number; conns: number; calls: number; bytes: number }[]; hooks: { hook: string; link_id?: number; prog_id?: number }[] } }> {
    return JSON.parse(await osprey('status', '--json'));
  }

  async function ruleCounters(name: string): Promise<{ hits: number; blocked: number }> {
    const r = (await status()).kernel.rules.find((x) => x.name === name);
    assert.ok(r, `rule ${name} in force`);
    return r;
  }

  async function waitForEvent(pred: (e: AuditEvent) => boolean, what: string): Promise<AuditEvent> {
    for (let i = 0; i < 100; i++) {
      const e = events.find(pred);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`no audit event: ${what}`);
  }

  before(async () => {
    removeStale();
    work = mkdtempSync(join(tmpdir(), 'osprey-enforce-'));
    clientPath = join(work, 'client.py');
    python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();
    writeFileSync(clientPath, CLIENT);
    marker = (name) => join(work, `marker-${name}`);
    mkdirSync(join(mount as string, TAG));
    mkdirSync(join(work, 'bin'));
    blockedBin = join(work, 'bin', 'blocked-touch');
    copyFileSync('/usr/bin/touch', blockedBin);
    hashedBin = join(work, 'bin', 'hashed-touch');
    copyFileSync('/usr/bin/touch', hashedBin);
    appendFileSync(hashedBin, `osprey-${process.pid}`); // a unique hash; ELF loaders ignore trailing bytes
    execFileSync('chmod', ['755', blockedBin, hashedBin]);

    srv = await tcpServer('127.0.0.1');
    srv6 = await tcpServer('::1');
    killSrv = await tcpServer('127.0.0.1');
    dns = await dnsServer({
      'blocked.osprey.test': { a: [NS_ADDR], aaaa: ['::1'] },
      'x.y.wild.osprey.test': { a: [NS_ADDR] },
      'alias.osprey.test': { cname: { target: 'edge.cdn.example', a: NS_ADDR } },
      'fine.osprey.test': { a: [NS_ADDR] },
    });

    // A server in its own network namespace, reached over a veth pair.
    execFileSync('ip', ['netns', 'add', NETNS]);
    execFileSync('ip', ['link', 'add', `${VETH}a`, 'type', 'veth', 'peer', 'name', `${VETH}b`]);
    execFileSync('ip', ['link', 'set', `${VETH}b`, 'netns', NETNS]);
    execFileSync('ip', ['addr', 'add', `${NET}.1/30`, 'dev', `${VETH}a`]);
    execFileSync('ip', ['link', 'set', `${VETH}a`, 'up']);
    execFileSync('ip', ['netns', 'exec', NETNS, 'ip', 'addr', 'add', `${NS_ADDR}/30`, 'dev', `${VETH}b`]);
    execFileSync('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', `${VETH}b`, 'up']);
    nsServer = spawn('ip', ['netns', 'exec', NETNS, python, '-c', `import socket\ns=socket.create_server(('${NS_ADDR}', ${NS_PORT}))\nprint('ready', flush=True)\nwhile True:\n    c,_=s.accept()\n    c.close()`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(nsServer);
    await new Promise<void>((resolve) => nsServer.stdout?.once('data', () => resolve()));

    for (const g of ['denied', 'dns', 'observe', 'rate-conn', 'rate-calls', 'rate-bytes', 'allow', 'exec', 'kill', 'free', 'sni', 'rate-kill']) mkdirSync(groupDir(g));
    writeFileSync(join(work, 'policy.yaml'), policy());
    const out = await osprey('apply', '--policy', join(work, 'policy.yaml'));
    assert.match(out, /is in force: 11 rule\(s\)/);

    const env = ospreyEnv();
    runtime = await EnforceRuntime.start({
      ctx: {
        enforcer: new Enforcer({ pinDir: PIN_DIR, cgroup: env.OSPREY_ENFORCE_CGROUP }),
        statePath: env.OSPREY_ENFORCE_STATE as string,
        audit: new AuditLog(env.OSPREY_ENFORCE_AUDIT as string),
        listAgent: null,
      },
      onEvent: (e) => events.push(e),
      onWarning: () => undefined,
      refreshMs: 3_600_000,
    });
  });

  after(async () => {
    await runtime?.stop().catch(() => undefined);
    for (const s of [srv, srv6, killSrv]) s?.server.close();
    for (const s of [srv, srv6, killSrv]) for (const sock of s?.sockets ?? []) sock.destroy();
    dns?.close();
    cleanupAll();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('a denied destination gets EPERM; an unscoped process still connects (loopback v4/v6, UDP, netns over veth)', async () => {
    assert.deepEqual(await client('denied', 'connect', '127.0.0.1', srv.port), [EPERM]);
    assert.deepEqual(await client('denied', 'connect', '::1', srv6.port), [EPERM]);
    assert.deepEqual(await client('denied', 'connect', NS_ADDR, NS_PORT), [EPERM]);
    assert.deepEqual(await client('denied', 'udp', '127.0.0.99', 5353), [EPERM], 'sendmsg4 denies the datagram');
    assert.deepEqual(await client('denied', 'connect', '::ffff:127.0.0.1', srv.port), [EPERM], 'IPv4-mapped IPv6 is checked against IPv4 rules');
    assert.deepEqual(await client('denied', 'connect', '127.0.0.1', killSrv.port), [0], 'other ports of the same address are fine');

    assert.deepEqual(await client('free', 'connect', '127.0.0.1', srv.port), [0]);
    assert.deepEqual(await client('free', 'connect', '::1', srv6.port), [0]);
    assert.deepEqual(await client('free', 'connect', NS_ADDR, NS_PORT), [0]);
    assert.deepEqual(await client('free', 'udp', '127.0.0.99', 5353), [0]);
    assert.deepEqual(await client('denied/nested/deeper', 'connect', NS_ADDR, NS_PORT), [EPERM], 'a rule on a cgroup covers its descendants');

    const e = (await waitForEvent((x) => x.type === 'decision' && x.rule === 'deny-netns', 'deny-netns decision')) as DecisionEvent;
    assert.equal(e.verdict, 'blocked');
    assert.equal(e.hook, 'connect4');
    assert.equal(e.daddr, NS_ADDR);
    assert.equal(e.dport, NS_PORT);
    assert.equal(e.comm, 'python3');
    assert.ok(e.cgroup_path?.startsWith(groupPath('denied')), `cgroup path ${e.cgroup_path}`);
    assert.equal((await ruleCounters('deny-netns')).blocked >= 2, true);
  });

  test('host-name rules follow DNS answers: A, AAAA, wildcard, CNAME chain', async () => {
    const dnsClient = (name: string, qtype: number, port: number, group = 'dns'): Promise<Done> => finish(spawnIn(group, [python, clientPath, 'resolve', '127.0.0.2', name, String(qtype), String(port)]));
    const blocked = (await dnsClient('blocked.osprey.test', 1, NS_PORT)).lines.at(-1);
    assert.deepEqual(blocked, { addrs: [NS_ADDR], results: [EPERM] }, 'the address learned from the answer is denied before the client can use it');
    const blocked6 = (await dnsClient('blocked.osprey.test', 28, srv6.port)).lines.at(-1);
    assert.deepEqual(blocked6, { addrs: ['::1'], results: [EPERM] });
    const wild = (await dnsClient('x.y.wild.osprey.test', 1, NS_PORT)).lines.at(-1);
    assert.deepEqual(wild, { addrs: [NS_ADDR], results: [EPERM] });
    const alias = (await dnsClient('alias.osprey.test', 1, NS_PORT)).lines.at(-1);
    assert.deepEqual(alias, { addrs: [NS_ADDR], results: [EPERM] });
    const free = (await dnsClient('blocked.osprey.test', 1, NS_PORT, 'free')).lines.at(-1);
    assert.deepEqual(free, { addrs: [NS_ADDR], results: [0] }, 'unscoped');
    const learned = (await waitForEvent((x) => x.type === 'learned' && x.addr === NS_ADDR, 'learned event')) as { hosts: string[] };
    assert.ok(learned.hosts.length > 0);
    const d = (await waitForEvent((x) => x.type === 'decision' && x.rule === 'deny-by-name', 'deny-by-name decision')) as DecisionEvent;
    assert.ok(d.hosts?.some((h) => h.endsWith('osprey.test')), `hosts ${JSON.stringify(d.hosts)}`);
  });

  test('addresses seen in captured traffic (SNI/Host) feed host-name rules', async () => {
    assert.deepEqual(await client('sni', 'connect', '127.0.0.1', killSrv.port), [0]);
    assert.equal(await runtime.noteHostAddress('SNI.osprey.test', '127.0.0.1', 60), 1);
    assert.deepEqual(await client('sni', 'connect', '127.0.0.1', killSrv.port), [EPERM]);
    assert.deepEqual(await client('free', 'connect', '127.0.0.1', killSrv.port), [0]);
    assert.equal(await runtime.noteHostAddress('unrelated.example', '127.0.0.1'), 0, 'only watched names are learned');
  });

  test('a spent call budget with on_exceed: kill_connections ends the live connections (audited)', async () => {
    const holder = spawnIn('rate-kill', [python, clientPath, 'hold', '127.0.0.1', String(killSrv.port)]);
    const done = finish(holder);
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    const call = { pid: holder.pid as number, serverAddress: '127.0.0.1', serverPort: killSrv.port };
    assert.deepEqual(await runtime.noteLlmCall(call), []);
    assert.deepEqual(await runtime.noteLlmCall(call), ['budget-then-kill']);
    assert.deepEqual((await done).lines.at(-1), { ended: 'error', errno: ECONNABORTED });
    const kill = await waitForEvent((e) => e.type === 'kill' && e.trigger === 'rate_limit', 'kill by policy');
    assert.equal(kill.type === 'kill' && kill.rule, 'budget-then-kill');
    assert.deepEqual(await client('rate-kill', 'connect', '127.0.0.1', killSrv.port), [EPERM], 'and new connections are refused');
  });

  test('observe mode blocks nothing but counts and audits', async () => {
    const before = await ruleCounters('observe-only');
    assert.deepEqual(await client('observe', 'connect', '127.0.0.1', srv.port, 3), [0, 0, 0]);
    const afterC = await ruleCounters('observe-only');
    assert.equal(afterC.hits - before.hits, 3);
    assert.equal(afterC.blocked - before.blocked, 0);
    const e = (await waitForEvent((x) => x.type === 'decision' && x.rule === 'observe-only', 'observe decision')) as DecisionEvent;
    assert.equal(e.verdict, 'observed');
  });

  test('a connection budget trips exactly at the threshold', async () => {
    assert.deepEqual(await client('rate-conn', 'connect', '127.0.0.1', srv.port, 5), [0, 0, 0, EPERM, EPERM]);
    assert.deepEqual(await client('free', 'connect', '127.0.0.1', srv.port, 2), [0, 0], 'other cgroups are not charged');
    const c = await ruleCounters('conn-budget');
    assert.equal(c.blocked, 2);
    const e = (await waitForEvent((x) => x.type === 'decision' && x.rule === 'conn-budget', 'rate decision')) as DecisionEvent;
    assert.equal(e.reason, 'rate_limited');
  });

  test('an LLM-call budget fed from user space trips exactly at the threshold', async () => {
    const holder = spawnIn('rate-calls', ['sleep', '30']);
    await new Promise((r) => setTimeout(r, 50));
    const call = { pid: holder.pid as number, serverAddress: '127.0.0.1', serverPort: srv.port };
    assert.deepEqual(await runtime.noteLlmCall(call), []);
    assert.deepEqual(await runtime.noteLlmCall(call), []);
    assert.deepEqual(await client('rate-calls', 'connect', '127.0.0.1', srv.port), [0], '2 of 3 calls used: connecting is allowed');
    assert.deepEqual(await runtime.noteLlmCall(call), ['call-budget'], 'the third call spends the budget');
    assert.deepEqual(await client('rate-calls', 'connect', '127.0.0.1', srv.port), [EPERM]);
    assert.deepEqual(await runtime.noteLlmCall({ ...call, serverAddress: '127.0.0.5' }), [], 'calls to other servers are not counted');
    holder.kill('SIGKILL');
  });

  test('a byte budget counts both directions in the kernel', async () => {
    assert.deepEqual(await client('rate-bytes', 'send', '127.0.0.1', srv.port, 100_000), [0]);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await client('rate-bytes', 'connect', '127.0.0.1', srv.port), [EPERM]);
    const b = (await status()).kernel.buckets.find((x) => x.bytes > 0);
    assert.ok(b && b.bytes >= 100_000, `bytes counted: ${b?.bytes}`);
  });

  test('allow_only: only the listed destination (and DNS) is reachable', async () => {
    assert.deepEqual(await client('allow', 'connect', '127.0.0.1', killSrv.port), [0]);
    assert.deepEqual(await client('allow', 'connect', '127.0.0.1', srv.port), [EPERM]);
    assert.deepEqual(await client('allow', 'connect', NS_ADDR, NS_PORT), [EPERM]);
    const dnsOk = (await finish(spawnIn('allow', [python, clientPath, 'resolve', '127.0.0.2', 'fine.osprey.test', '1', String(killSrv.port)]))).lines.at(-1);
    assert.deepEqual((dnsOk as { addrs: string[] }).addrs, [NS_ADDR], 'port 53 stays reachable');
  });

  test('a kill ends a live connection: the client sees it aborted, the server sees the reset', async () => {
    const holder = spawnIn('kill', [python, clientPath, 'hold', '127.0.0.1', String(killSrv.port)]);
    const done = finish(holder);
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    const out = await osprey('kill', '--pid', String(holder.pid), '--to', `127.0.0.1:${killSrv.port}`);
    assert.match(out, /destroyed 1 of 1 matching connection/);
    const res = await done;
    assert.deepEqual(res.lines.at(-1), { ended: 'error', errno: ECONNABORTED });
    for (let i = 0; i < 50 && !killSrv.errors.includes('ECONNRESET'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(killSrv.errors.includes('ECONNRESET'), `server saw ${killSrv.errors.join(',')}`);
    const audit = await readAudit(ospreyEnv().OSPREY_ENFORCE_AUDIT as string, 0);
    assert.ok(audit.events.some((e) => e.type === 'kill' && e.pid === holder.pid && e.destroyed === 1));
  });

  test('a blocked binary never runs: no side effect, killed at exec; elsewhere it runs', async () => {
    for (const [bin, name] of [
      [blockedBin, 'path'],
      [hashedBin, 'hash'],
    ] as const) {
      const res = await finish(spawnIn('exec', [bin, marker(name)]));
      assert.equal(res.signal, 'SIGKILL', `${name}: killed at exec (code ${res.code}, ${res.stderr})`);
      assert.equal(existsSync(marker(name)), false, `${name}: the side effect never happened`);
      const free = await finish(spawnIn('free', [bin, marker(`${name}-free`)]));
      assert.equal(free.code, 0);
      assert.equal(existsSync(marker(`${name}-free`)), true, `${name}: runs outside the scope`);
    }
    const e = (await waitForEvent((x) => x.type === 'decision' && x.hook === 'exec', 'exec decision')) as DecisionEvent;
    assert.equal(e.verdict, 'blocked');
    assert.equal(e.rule, 'no-blocked-bin');
    assert.match(e.filename ?? '', /(blocked|hashed)-touch$/);
    assert.equal((await ruleCounters('no-blocked-bin')).blocked, 2);
  });

  test('an invalid policy is refused with the rule and field named; the previous policy stays in force', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, `rules:\n  - name: fine\n    deny: [10.0.0.0/8]\n  - name: typo\n    deny: ["10.0.0.300"]\n`);
    const err = await ospreyFails('apply', '--policy', bad);
    assert.match(err, /rules\[1\] \(typo\)\.deny\[0\]: "10\.0\.0\.300" is not a destination/);
    assert.match(err, /previous policy is still in force/);
    assert.deepEqual(await client('denied', 'connect', NS_ADDR, NS_PORT), [EPERM]);
  });

  test('apply twice and an enforcer restart keep the rules (and their counters) in force', async () => {
    const before = await ruleCounters('deny-netns');
    await osprey('apply', '--policy', join(work, 'policy.yaml'));
    await osprey('apply', '--policy', join(work, 'policy.yaml'));
    assert.deepEqual(await client('denied', 'connect', NS_ADDR, NS_PORT), [EPERM]);
    assert.equal((await ruleCounters('deny-netns')).blocked, before.blocked + 1, 'counters survive re-apply');
    assert.equal((await ruleCounters('conn-budget')).blocked, 2, 'so do rate budgets');
    assert.deepEqual(await client('rate-conn', 'connect', '127.0.0.1', srv.port), [EPERM], 'the spent budget stays spent');

    await runtime.stop();
    const { stdout } = await run(ENFORCER, ['-P', PIN_DIR, '-C', join(mount as string, TAG), 'load']);
    assert.ok((JSON.parse(stdout) as { hooks: { status: string }[] }).hooks.every((h) => h.status === 'unchanged'), 'reloading the same build changes nothing');
    assert.deepEqual(await client('denied', 'connect', NS_ADDR, NS_PORT), [EPERM], 'no user-space process is needed to enforce');

    events.length = 0;
    const env = ospreyEnv();
    runtime = await EnforceRuntime.start({
      ctx: { enforcer: new Enforcer({ pinDir: PIN_DIR }), statePath: env.OSPREY_ENFORCE_STATE as string, audit: new AuditLog(env.OSPREY_ENFORCE_AUDIT as string), listAgent: null },
      onEvent: (e) => events.push(e),
      onWarning: () => undefined,
      refreshMs: 3_600_000,
    });
    const e = (await waitForEvent((x) => x.type === 'decision' && x.rule === 'deny-netns', 'decision made while no reader ran')) as DecisionEvent;
    assert.equal(e.verdict, 'blocked', 'the audit record waited in the pinned ring buffer');
  });

  test('the dry-run report shows what enforce mode would have blocked', async () => {
    const now = Date.now();
    const { events: all } = await readAudit(ospreyEnv().OSPREY_ENFORCE_AUDIT as string, now - 3_600_000);
    const rep = buildReport(all, now - 3_600_000, now);
    const obs = rep.rules.find((r) => r.rule === 'observe-only');
    assert.equal(obs?.wouldBlock, 3);
    assert.equal(obs?.blocked, 0);
    assert.equal(obs?.processes[0]?.comm, 'python3');
    const text = await osprey('report', '--since', '1h');
    assert.match(text, /observe-only\s+observe\s+3/);
  });

  test('enforce off leaves no program attached, no link, no map, no pin', async () => {
    const before = await status();
    const progIds = before.kernel.hooks.map((h) => h.prog_id).filter((x): x is number => typeof x === 'number');
    const linkIds = before.kernel.hooks.map((h) => h.link_id).filter((x): x is number => typeof x === 'number');
    const mapIds = readdirSync(PIN_DIR)
      .filter((n) => n.startsWith('enf_'))
      .map((n) => (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', join(PIN_DIR, n)]).toString()) as { id: number }).id);
    assert.equal(progIds.length, 8);
    assert.equal(mapIds.length > 20, true);

    await runtime.stop();
    assert.match(await osprey('off'), /enforcement is off/);
    assert.equal(existsSync(PIN_DIR), false, 'pin directory removed');
    const tree = execFileSync('bpftool', ['-j', 'cgroup', 'tree', join(mount as string, TAG)]).toString();
    assert.doesNotMatch(tree, /enforce_/, `bpftool cgroup tree: ${tree}`);
    const list = (what: string): { id: number; name?: string }[] => JSON.parse(execFileSync('bpftool', ['-j', what, 'show']).toString()) as { id: number; name?: string }[];
    // The kernel frees programs and maps after an RCU grace period: allow it a moment.
    let left: string[] = [];
    for (let i = 0; i < 40; i++) {
      const progs = list('prog');
      const links = list('link');
      const maps = list('map');
      left = [
        ...progs.filter((p) => progIds.includes(p.id)).map((p) => `program ${p.id} ${p.name}`),
        ...links.filter((l) => linkIds.includes(l.id)).map((l) => `link ${l.id}`),
        ...maps.filter((m) => mapIds.includes(m.id)).map((m) => `map ${m.id} ${m.name}`),
      ];
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(left, [], 'every program, link and map is gone');
    assert.deepEqual(await client('denied', 'connect', NS_ADDR, NS_PORT), [0], 'nothing is enforced any more');
    const res = await finish(spawnIn('exec', [blockedBin, marker('after-off')]));
    assert.equal(res.code, 0);
    assert.equal(statSync(marker('after-off')).isFile(), true);
  });
});
