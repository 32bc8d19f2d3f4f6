/**
 * Enforcement benchmark: what the connect/sendmsg/cgroup_skb programs cost a process under them.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/enforce.js [--rounds 5] [--connects 20000]
 *
 * Three configurations, measured in alternating order within one run (the order rotates each
 * round, so drift of the machine hits all of them alike), each by the same small C client and
 * server running together inside one cgroup:
 *   - detached:  the process is outside the cgroup the programs are attached to (no program runs);
 *   - 0 rules:   under the programs, with an empty policy (every program takes its fast path);
 *   - 10K rules: under the programs, with 10,000 deny rules (distinct /24 prefixes, one scope that
 *                holds the process) plus one rule on 127.0.0.0/8 for another port, so every
 *                connect walks the scope, the LPM trie and a reference list without acting.
 * Metrics: connect() latency (p50/p99 of N sequential loopback connects), connection setup
 * throughput (4 client threads, connect+close for a fixed time), and bulk throughput over one
 * connection (the cgroup_skb programs see every packet). Wall-clock numbers on a shared VM are
 * noisy, so the kernel's own accounting (kernel.bpf_stats_enabled: run time and run count per
 * program) is read around each run too: nanoseconds per invocation of each hook, a direct
 * measure of what the programs cost. Prints ratios and writes bench/results/enforce.json. Needs root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Enforcer } from '../src/enforce/enforcer.js';
import { applyPolicy, type EnforceContext } from '../src/enforce/service.js';
import { findCgroup2Mount } from '../src/process/proc-fs.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROUNDS = arg('--rounds', 5);
const CONNECTS = arg('--connects', 20000);
const CONN_SECONDS = arg('--conn-seconds', 1);
const BULK_MB = arg('--bulk-mb', 512);
const RULES = arg('--rules', 10000);

const REPO = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

const CLIENT_C = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port;
static volatile int stop;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int listener(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(s, (void *)&a, sizeof(a)) || listen(s, 4096)) { perror("listen"); exit(1); }
  socklen_t l = sizeof(a); getsockname(s, (void *)&a, &l); port = ntohs(a.sin_port);
  return s;
}
static void *acceptor(void *arg) {
  int s = *(int *)arg;
  for (;;) { int c = accept(s, NULL, NULL); if (c >= 0) close(c); }
  return NULL;
}
static void *sink(void *arg) {
  int s = *(int *)arg, c = accept(s, NULL, NULL);
  static char buf[1 << 16];
  while (read(c, buf, sizeof(buf)) > 0) {}
  close(c);
  return NULL;
}
/* connect() and nothing else is timed: that is where the connect4 hook runs. RST on close: no TIME_WAIT. */
static double one_connect(void) {
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct linger lg = { 1, 0 };
  setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  double t0 = now();
  if (connect(c, (void *)&a, sizeof(a)) != 0) { perror("connect"); exit(1); }
  double t = now() - t0;
  close(c);
  return t;
}
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
static long counts[64];
static double until;
static void *connector(void *arg) {
  long i = (long)arg;
  while (now() < until) { one_connect(); counts[i]++; }
  return NULL;
}
int main(int argc, char **argv) {
  int s = listener();
  pthread_t t;
  if (!strcmp(argv[1], "latency")) {
    int n = atoi(argv[2]);
    for (int k = 0; k < 2; k++) pthread_create(&t, NULL, acceptor, &s);
    double *v = malloc(sizeof(double) * n);
    for (int i = 0; i < 500; i++) one_connect(); /* warm up */
    for (int i = 0; i < n; i++) v[i] = one_connect();
    qsort(v, n, sizeof(double), cmp);
    double sum = 0; for (int i = 0; i < n; i++) sum += v[i];
    printf("{\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,\"mean_us\":%.3f}\n", v[n / 2] * 1e6, v[n * 9 / 10] * 1e6, v[n * 99 / 100] * 1e6, sum / n * 1e6);
  } else if (!strcmp(argv[1], "conns")) {
    int threads = atoi(argv[2]); double secs = atof(argv[3]);
    for (int k = 0; k < 2; k++) pthread_create(&t, NULL, acceptor, &s);
    until = now() + secs;
    pthread_t ts[64];
    for (long i = 0; i < threads; i++) pthread_create(&ts[i], NULL, connector, (void *)i);
    long total = 0; for (int i = 0; i < threads; i++) { pthread_join(ts[i], NULL); total += counts[i]; }
    printf("{\"conns_per_s\":%.1f}\n", total / secs);
  } else {
    long mb = atol(argv[2]);
    pthread_create(&t, NULL, sink, &s);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(c, (void *)&a, sizeof(a))) { perror("connect"); return 1; }
    static char buf[1 << 16];
    double t0 = now();
    for (long sent = 0; sent < mb << 20;) { ssize_t w = write(c, buf, sizeof(buf)); if (w <= 0) return 1; sent += w; }
    shutdown(c, SHUT_WR);
    pthread_join(t, NULL);
    printf("{\"mb_per_s\":%.1f}\n", mb / (now() - t0));
  }
  return 0;
}
`;

type Config = 'detached' | '0 rules' | '10K rules';
const CONFIGS: Config[] = ['detached', '0 rules', '10K rules'];

interface Sample {
  /** ns per run of the connect4 / cgroup_skb programs (0 when detached: they do not run). */
  connect4_ns: number;
  ingress_ns: number;
  egress_ns: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  mean_us: number;
  conns_per_s: number;
  mb_per_s: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) throw new Error('the enforcement benchmark needs root (it loads BPF programs and creates cgroups)');
  const mount = findCgroup2Mount();
  if (!mount) throw new Error('no cgroup v2 hierarchy');
  const tag = `osprey-enf-bench-${process.pid}`;
  const root = join(mount, tag);
  const attached = join(root, 'attached');
  const scoped = join(attached, 'scoped');
  const outside = join(root, 'outside');
  for (const d of [root, attached, scoped, outside]) mkdirSync(d);
  const work = mkdtempSync(join(tmpdir(), 'osprey-enf-bench-'));
  const pinDir = `/sys/fs/bpf/${tag}/enforce`;
  const enforcer = new Enforcer({ pinDir, cgroup: attached });
  const ctx: EnforceContext = { enforcer, statePath: join(work, 'state.json'), audit: null, listAgent: null, resolveHosts: false };
  const cleanup = (): void => {
    spawnSync(enforcer.binary, ['-P', pinDir, 'off'], { stdio: 'ignore' });
    for (const d of [scoped, attached, outside, root]) {
      try {
        rmdirSync(d);
      } catch {
        // still busy or gone
      }
    }
    rmSync(work, { recursive: true, force: true });
  };
  process.on('exit', cleanup);

  const bin = join(work, 'connbench');
  writeFileSync(join(work, 'connbench.c'), CLIENT_C);
  execFileSync('gcc', ['-O2', '-pthread', join(work, 'connbench.c'), '-o', bin]);

  const scopePath = `/${tag}/attached/scoped`;
  const empty = { rules: [] };
  const big = {
    rules: [
      { name: 'loopback-other-port', deny: ['127.0.0.0/8:1'], scope: { cgroup: scopePath } },
      ...Array.from({ length: RULES }, (_, i) => ({ name: `r${i}`, deny: [`10.${(i >> 8) & 255}.${i & 255}.0/24`], scope: { cgroup: scopePath } })),
    ],
  };
  const t0 = Date.now();
  await applyPolicy(big, 'bench-10k', ctx);
  const bigApplyMs = Date.now() - t0;
  const t1 = Date.now();
  await applyPolicy(empty, 'bench-empty', ctx);
  const emptyApplyMs = Date.now() - t1;

  /** Runs the client with `mode` inside `cgroup`; parses its one JSON line. */
  const measure = (cgroup: string, mode: string[]): Record<string, number> => {
    const out = execFileSync('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, bin, ...mode]).toString();
    return JSON.parse(out) as Record<string, number>;
  };

  // Per-program run time, from the kernel: switched on for the run, restored after.
  const STATS = '/proc/sys/kernel/bpf_stats_enabled';
  const statsBefore = readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, '1');
  process.on('exit', () => writeFileSync(STATS, statsBefore));
  const hooks = (await enforcer.status()).hooks ?? [];
  const progId = (hook: string): number => hooks.find((h) => h.hook === hook)?.prog_id as number;
  const progStats = (hook: string): { ns: number; runs: number } => {
    const j = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(progId(hook))]).toString()) as { run_time_ns?: number; run_cnt?: number };
    return { ns: j.run_time_ns ?? 0, runs: j.run_cnt ?? 0 };
  };
  const PROGS = ['connect4', 'skb_ingress', 'skb_egress'] as const;
  const nsPerRun = (before: Record<string, { ns: number; runs: number }>): Record<string, number> =>
    Object.fromEntries(
      PROGS.map((h) => {
        const a = progStats(h);
        const b = before[h] as { ns: number; runs: number };
        return [h, a.runs > b.runs ? (a.ns - b.ns) / (a.runs - b.runs) : 0];
      }),
    );

  const samples: Record<Config, Sample[]> = { detached: [], '0 rules': [], '10K rules': [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length] as Config);
    for (const cfg of order) {
      if (cfg === '10K rules') await applyPolicy(big, 'bench-10k', ctx);
      if (cfg === '0 rules') await applyPolicy(empty, 'bench-empty', ctx);
      const where = cfg === 'detached' ? outside : scoped;
      const before = Object.fromEntries(PROGS.map((h) => [h, progStats(h)]));
      const lat = measure(where, ['latency', String(CONNECTS)]);
      const perRun = nsPerRun(before);
      const conns = measure(where, ['conns', '4', String(CONN_SECONDS)]);
      const bulk = measure(where, ['bulk', String(BULK_MB)]);
      samples[cfg].push({
        ...(lat as unknown as Sample),
        connect4_ns: perRun.connect4 as number,
        ingress_ns: perRun.skb_ingress as number,
        egress_ns: perRun.skb_egress as number,
        conns_per_s: conns.conns_per_s as number,
        mb_per_s: bulk.mb_per_s as number,
      });
      process.stderr.write(`round ${round + 1}/${ROUNDS} ${cfg.padEnd(9)} connect4 ${perRun.connect4?.toFixed(0)} ns/run  p50 ${lat.p50_us?.toFixed(1)} µs  p99 ${lat.p99_us?.toFixed(1)} µs  ${conns.conns_per_s?.toFixed(0)} conn/s  ${bulk.mb_per_s?.toFixed(0)} MB/s\n`);
    }
  }
  const status = await enforcer.status();

  const metrics: (keyof Sample)[] = ['connect4_ns', 'ingress_ns', 'egress_ns', 'p50_us', 'p90_us', 'p99_us', 'mean_us', 'conns_per_s', 'mb_per_s'];
  const summary: Record<string, Record<string, number>> = {};
  for (const cfg of CONFIGS) summary[cfg] = Object.fromEntries(metrics.map((m) => [m, median(samples[cfg].map((s) => s[m]))]));
  const ratio = (a: Config, b: Config, m: keyof Sample): number => (summary[a]?.[m] as number) / (summary[b]?.[m] as number);
  const ratios = {
    'connect4 program ns/run, 10K rules / 0 rules': ratio('10K rules', '0 rules', 'connect4_ns'),
    'connect p50, 10K rules / detached': ratio('10K rules', 'detached', 'p50_us'),
    'connect p99, 10K rules / detached': ratio('10K rules', 'detached', 'p99_us'),
    'connect p50, 10K rules / 0 rules': ratio('10K rules', '0 rules', 'p50_us'),
    'connect p50, 0 rules / detached': ratio('0 rules', 'detached', 'p50_us'),
    'conn/s, 10K rules / detached': ratio('10K rules', 'detached', 'conns_per_s'),
    'conn/s, 10K rules / 0 rules': ratio('10K rules', '0 rules', 'conns_per_s'),
    'bulk MB/s, 10K rules / detached': ratio('10K rules', 'detached', 'mb_per_s'),
  };

  console.log(`\nEnforcement overhead, median of ${ROUNDS} alternating rounds (${CONNECTS} connects per latency run)`);
  console.log('config        connect p50   p90      p99      mean     conn/s     bulk MB/s');
  for (const cfg of CONFIGS) {
    const s = summary[cfg] as Record<string, number>;
    console.log(
      `${cfg.padEnd(12)}  ${s.p50_us!.toFixed(1).padStart(8)} µs ${s.p90_us!.toFixed(1).padStart(6)}   ${s.p99_us!.toFixed(1).padStart(6)}   ${s.mean_us!.toFixed(1).padStart(6)}   ${s.conns_per_s!.toFixed(0).padStart(8)}   ${s.mb_per_s!.toFixed(0).padStart(8)}`,
    );
  }
  console.log('\nkernel time per program run (bpf_stats), median:');
  for (const cfg of ['0 rules', '10K rules'] as const) {
    const s = summary[cfg] as Record<string, number>;
    console.log(`${cfg.padEnd(12)}  connect4 ${s.connect4_ns!.toFixed(0).padStart(5)} ns   cgroup_skb ingress ${s.ingress_ns!.toFixed(0).padStart(4)} ns   egress ${s.egress_ns!.toFixed(0).padStart(4)} ns`);
  }
  console.log('');
  for (const [k, v] of Object.entries(ratios)) console.log(`${k.padEnd(46)} ${v.toFixed(3)}`);
  console.log(`\napply: ${RULES + 1} rules in ${bigApplyMs} ms (first, programs loaded with it); empty policy in ${emptyApplyMs} ms`);

  const out = {
    benchmark: 'enforce',
    date: new Date().toISOString(),
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    cpus: readdirSync('/sys/devices/system/cpu').filter((n) => /^cpu\d+$/.test(n)).length,
    params: { rounds: ROUNDS, connects: CONNECTS, connSeconds: CONN_SECONDS, bulkMb: BULK_MB, rules: RULES + 1 },
    applyMs: { big: bigApplyMs, empty: emptyApplyMs },
    summary,
    ratios,
    samples,
    kernelCounters: status.stats,
  };
  const file = join(REPO, 'bench', 'results', 'enforce.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/enforce: ${(e as Error).message}\n`);
  process.exit(1);
});
