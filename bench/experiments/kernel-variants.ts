/**
 * Experiment (not part of `make bench`): what two kernel-side changes proposed in the report would
 * buy, measured with the same harness. Builds variants of the loader from a patched copy of bpf/
 * in a temporary directory (the repository's bpf/ is not touched) and runs them through
 * OSPREY_LOADER:
 *
 *  - stock: bpf/ as it is.
 *  - batched-wakeup: every ring-buffer output/submit passes BPF_RB_NO_WAKEUP unless 256 KiB or more
 *    are waiting (then BPF_RB_FORCE_WAKEUP), and the loader drains the ring every 2 ms instead of
 *    waiting up to 100 ms for a wake-up. Today a record wakes the loader whenever it has caught up.
 *  - no-copy: emit_plaintext returns after one hash-map lookup (as it would for a stream listed in
 *    the "uninteresting streams" map of DESIGN.md), so the probes fire but copy nothing: the floor
 *    of what that map saves on traffic that is not an LLM call.
 *
 *   sudo node dist/bench/experiments/kernel-variants.js   (about 8 minutes; writes bench/results/experiments/)
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent } from '../lib/agent.js';
import { bpfProgStats, monotonicUs, setBpfStats } from '../lib/profile.js';
import { Sampler } from '../lib/proc.js';
import { APP_ROOT, REPO_ROOT, makeEcPki, startBackend, startCaddy, writeHostsFile } from '../lib/servers.js';
import { startWrk } from '../lib/wrk.js';
import { log, median, runOk, sleep } from '../lib/util.js';
import type { BenchContext } from '../phases/context.js';
import { workloads, type Workload } from '../phases/overhead.js';
import { runLatency } from '../phases/latency.js';

type Variant = 'none' | 'stock' | 'batched-wakeup' | 'no-copy';

function patch(src: string, from: string | RegExp, to: string): string {
  const out = src.replace(from, to);
  if (out === src) throw new Error(`patch did not apply: ${String(from)}`);
  return out;
}

async function buildVariant(dir: string, name: Exclude<Variant, 'none' | 'stock'>): Promise<string> {
  const bpf = join(dir, name);
  mkdirSync(bpf, { recursive: true });
  for (const f of ['sensor.bpf.c', 'events.h', 'loader.c', 'vmlinux.h', 'Makefile']) cpSync(join(REPO_ROOT, 'bpf', f), join(bpf, f));
  let sensor = readFileSync(join(bpf, 'sensor.bpf.c'), 'utf8');
  let loader = readFileSync(join(bpf, 'loader.c'), 'utf8');
  if (name === 'batched-wakeup') {
    sensor = patch(
      sensor,
      'static __always_inline void count_drop(',
      `static __always_inline __u64 rb_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= 256 * 1024 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void count_drop(`,
    );
    sensor = sensor.replace(/bpf_ringbuf_output\(&events, ev, (size|sizeof\(\*ev\)), 0\)/g, 'bpf_ringbuf_output(&events, ev, $1, rb_flags())');
    sensor = sensor.replace(/bpf_ringbuf_submit\(ev, 0\)/g, 'bpf_ringbuf_submit(ev, rb_flags())');
    loader = patch(loader, 'int n = poll(fds, 2, 100);', 'int n = poll(fds, 2, 2);');
    // Without wake-ups the epoll fd rarely signals: drain the ring on every turn of the loop.
    loader = patch(loader, /if \(fds\[0\]\.revents & POLLIN\)\s*ring_buffer__consume\(rb\);/, 'ring_buffer__consume(rb);');
  } else {
    sensor = patch(
      sensor,
      'struct stream_state *st = stream_state_of(tgid, conn);\n\tif (!st)\n\t\treturn;\n\tstruct copy_ctx',
      'struct stream_state *st = stream_state_of(tgid, conn);\n\tif (!st)\n\t\treturn;\n\tif (st->socket_known != 0xee)\n\t\treturn; /* experiment: never copy */\n\tstruct copy_ctx',
    );
  }
  writeFileSync(join(bpf, 'sensor.bpf.c'), sensor);
  writeFileSync(join(bpf, 'loader.c'), loader);
  await runOk('make', ['-C', bpf, 'osprey-loader']);
  return join(bpf, 'osprey-loader');
}

interface VariantRun {
  round: number;
  variant: Variant;
  rps: number;
  p50: number;
  p99: number;
  clientUsPerReq: number;
  agentPercent: number;
  bpfNsPerReq: number;
  bpfRetNsPerRun: Record<string, number>;
  /** uprobe + uretprobe program runs per request (each one is a trap into the kernel). */
  probeHitsPerReq: number;
  records: number;
}

async function one(ctx: BenchContext, w: Workload, round: number, variant: Variant, loaders: Record<string, string>): Promise<VariantRun> {
  const jsonl = join(ctx.workDir, `kv-${w.name}-${variant}-${round}.jsonl`);
  const agent =
    variant === 'none'
      ? null
      : await startAgent({ jsonlPath: jsonl, waitFor: [/attached openssl probes to \S*libssl\.so/], env: loaders[variant] ? { OSPREY_LOADER: loaders[variant] as string } : {} });
  try {
    if (agent) await sleep(500);
    const s0 = agent ? await bpfProgStats(agent.spawnedAtMs, agent.readyAtMs) : [];
    const wrk = startWrk({ hostsFile: ctx.hostsFile, script: w.script, url: w.url, threads: w.threads, connections: w.connections, durationS: ctx.config.runSeconds, env: { BENCH_RUN: `kv${variant}${round}` } });
    const pids: Record<string, number> = { wrk: wrk.pid };
    if (agent) Object.assign(pids, { agent: agent.pid, loader: agent.loaderPid });
    const sampler = new Sampler(pids);
    const t0 = monotonicUs();
    const res = await wrk.done;
    const cpu = sampler.stop();
    void t0;
    const s1 = agent ? await bpfProgStats(agent.spawnedAtMs, agent.readyAtMs) : [];
    let bpfNs = 0;
    let probeHits = 0;
    const ret: Record<string, number> = {};
    for (const s of s1) {
      const b = s0.find((x) => x.id === s.id);
      const dn = s.runTimeNs - (b?.runTimeNs ?? 0);
      const dc = s.runCnt - (b?.runCnt ?? 0);
      bpfNs += dn;
      if (s.name.startsWith('probe_entry_SSL_read') || s.name.startsWith('probe_entry_SSL_write') || s.name.startsWith('probe_ret_SSL')) probeHits += dc;
      if (s.name.startsWith('probe_ret_SSL') && dc > 0) ret[s.name] = dn / dc;
    }
    await sleep(agent ? 1000 : 0);
    const records = agent ? readFileSync(jsonl, 'utf8').split('\n').length - 1 : 0;
    return {
      round,
      variant,
      rps: res.requestsPerSec,
      p50: res.latencyMs.p50,
      p99: res.latencyMs.p99,
      clientUsPerReq: (1e6 * (cpu.cpuSeconds.wrk ?? 0)) / res.requests,
      agentPercent: (cpu.cpuPercentOfCore.agent ?? 0) + (cpu.cpuPercentOfCore.loader ?? 0),
      bpfNsPerReq: bpfNs / res.requests,
      bpfRetNsPerRun: ret,
      probeHitsPerReq: probeHits / res.requests,
      records,
    };
  } finally {
    await agent?.stop();
  }
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'osprey-kv-'));
  const loaders: Record<string, string> = {
    'batched-wakeup': await buildVariant(workDir, 'batched-wakeup'),
    'no-copy': await buildVariant(workDir, 'no-copy'),
  };
  const pki = await makeEcPki(workDir);
  const backend = await startBackend(200);
  const caddy = await startCaddy(workDir, pki, backend.port);
  const ctx: BenchContext = {
    config: { quick: false, pairs: 3, runSeconds: 8, latencyRequests: 300, idleConnections: 0, leakExchanges: 0, replayCpuSeconds: 0 },
    workDir,
    hostsFile: writeHostsFile(workDir),
    pki,
    caddy,
    backend,
    benchSrc: join(REPO_ROOT, 'bench'),
    benchDist: join(APP_ROOT, 'dist', 'bench'),
  };
  const before = await setBpfStats(true);
  const runs: Record<string, VariantRun[]> = {};
  const latency: Record<string, unknown> = {};
  try {
    for (const w of workloads(ctx)) {
      const variants: Variant[] = w.name === 'flood' ? ['none', 'stock', 'batched-wakeup', 'no-copy'] : ['none', 'stock', 'batched-wakeup'];
      runs[w.name] = [];
      for (let round = 1; round <= 3; round++) {
        for (const v of variants) {
          const r = await one(ctx, w, round, v, loaders);
          runs[w.name]!.push(r);
          log(`${w.name} round ${round} ${v}: ${r.rps.toFixed(0)} req/s, wrk ${r.clientUsPerReq.toFixed(1)} µs/req, BPF ${r.bpfNsPerReq.toFixed(0)} ns/req, agent ${r.agentPercent.toFixed(0)}%, ret ${JSON.stringify(r.bpfRetNsPerRun)}`);
        }
      }
    }
    await setBpfStats(before === '1');
    for (const v of ['stock', 'batched-wakeup'] as const) {
      const conds = await runLatency(ctx, v === 'stock' ? {} : { OSPREY_LOADER: loaders[v] as string });
      latency[v] = conds.map((c) => ({ name: c.name, p50: c.endToRecordMs.p50, p99: c.endToRecordMs.p99, matched: c.matched, requests: c.requests }));
      log(`latency ${v}: ${JSON.stringify(latency[v])}`);
    }
  } finally {
    await setBpfStats(before === '1');
    await caddy.stop();
    await backend.stop();
  }
  const out = join(REPO_ROOT, 'bench', 'results', 'experiments');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'kernel-variants.json'), JSON.stringify({ date: new Date().toISOString(), runs, latency }, null, 1));
  const md: string[] = ['# Kernel variants experiment', '', `Run ${new Date().toISOString()} by \`node dist/bench/experiments/kernel-variants.js\` (see the file header for the variants). Medians of 3 rounds; ratios against the no-agent run of the same round.`, ''];
  for (const [wname, rs] of Object.entries(runs)) {
    md.push(
      `## ${wname}`,
      '',
      '| variant | req/s | throughput vs no agent | p99 | wrk CPU µs/request | over no agent | SSL probe hits/request | BPF ns/request | probe_ret_SSL_* ns/run | agent CPU % core |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|---:|',
    );
    const noneUs = median(rs.filter((r) => r.variant === 'none').map((r) => r.clientUsPerReq));
    const variants = [...new Set(rs.map((r) => r.variant))];
    for (const v of variants) {
      const mine = rs.filter((r) => r.variant === v);
      const ratios = mine.map((r) => r.rps / (rs.find((x) => x.round === r.round && x.variant === 'none')?.rps ?? NaN));
      // Only the functions the load itself calls in every round (other processes on the host may add SSL_*_ex).
      const rets = [...new Set(mine.flatMap((r) => Object.keys(r.bpfRetNsPerRun)))]
        .filter((k) => mine.every((r) => r.bpfRetNsPerRun[k] !== undefined))
        .map((k) => `${k.replace('probe_ret_', '')} ${median(mine.map((r) => r.bpfRetNsPerRun[k] as number)).toFixed(0)}`);
      md.push(
        `| ${v} | ${median(mine.map((r) => r.rps)).toFixed(0)} | ${median(ratios).toFixed(3)} | ${median(mine.map((r) => r.p99)).toFixed(1)} ms | ${median(mine.map((r) => r.clientUsPerReq)).toFixed(1)} | +${(median(mine.map((r) => r.clientUsPerReq)) - noneUs).toFixed(1)} | ${median(mine.map((r) => r.probeHitsPerReq)).toFixed(1)} | ${median(mine.map((r) => r.bpfNsPerReq)).toFixed(0)} | ${rets.join(', ')} | ${median(mine.map((r) => r.agentPercent)).toFixed(0)} |`,
      );
    }
    md.push('');
  }
  const nc = runs.flood?.filter((r) => r.variant === 'no-copy') ?? [];
  const none = runs.flood?.filter((r) => r.variant === 'none') ?? [];
  if (nc.length && none.length) {
    const extra = median(nc.map((r) => r.clientUsPerReq)) - median(none.map((r) => r.clientUsPerReq));
    const hits = median(nc.map((r) => r.probeHitsPerReq));
    const bpfPerReq = median(nc.map((r) => r.bpfNsPerReq)) / 1000;
    md.push(
      `**Trap floor.** With nothing copied, wrk still needs ${extra.toFixed(1)} µs more CPU per request than without the agent, for ${hits.toFixed(1)} SSL probe hits per request and ${bpfPerReq.toFixed(1)} µs of BPF per request (host-wide): about ${((extra - bpfPerReq) / Math.max(0.1, hits)).toFixed(1)} µs per uprobe/uretprobe hit is the trap mechanism itself on this machine.`,
      '',
    );
  }
  md.push('## Latency (response end → record), stock vs batched wake-ups', '', '| loader | condition | matched | p50 | p99 |', '|---|---|---:|---:|---:|');
  for (const [v, conds] of Object.entries(latency)) {
    for (const c of conds as Array<{ name: string; p50: number; p99: number; matched: number; requests: number }>) {
      md.push(`| ${v} | ${c.name} | ${c.matched}/${c.requests} | ${c.p50.toFixed(2)} ms | ${c.p99.toFixed(2)} ms |`);
    }
  }
  md.push('');
  writeFileSync(join(out, 'kernel-variants.md'), md.join('\n'));
  log(`wrote ${join(out, 'kernel-variants.md')}`);
}

await main();
