/**
 * results.json → REPORT.md and SVG charts in bench/results/ (overwritten by each run). Every number
 * in the report comes from the run; the prose only says how it was measured and what the evidence
 * (profiles, BPF run times) points at.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './lib/servers.js';
import type { Results } from './run.js';
import type { MemoryBreakdown } from './phases/memory.js';
import { overheadSummary, type OverheadResult, type Stat } from './phases/overhead.js';
import { barChart, lineChart } from './lib/svg.js';
import { percentile } from './lib/util.js';

export interface TargetRow {
  id: string;
  target: string;
  measured: string;
  pass: boolean | null;
}

const pct = (x: number, d = 1): string => (Number.isFinite(x) ? `${x.toFixed(d)}%` : 'n/a');
const num = (x: number, d = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)} ms` : 'n/a');
const ratio = (s: Stat): string => `${s.median.toFixed(3)} (min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)})`;
const verdict = (p: boolean | null): string => (p === null ? 'n/a' : p ? '**PASS**' : '**MISS**');

/** Drops the harness itself causes: wrk stops with one request in flight per connection, which the agent rightly counts as unanswered. */
function splitDrops(o: OverheadResult): { endOfRun: number; real: Record<string, number> } {
  const s = overheadSummary(o);
  const real: Record<string, number> = { ...s.drops };
  const bRuns = o.runs.filter((r) => r.withAgent).length;
  const allowance = bRuns * o.workload.connections;
  const unanswered = real['http/unanswered_request'] ?? 0;
  const endOfRun = Math.min(unanswered, allowance);
  if (unanswered - endOfRun > 0) real['http/unanswered_request'] = unanswered - endOfRun;
  else delete real['http/unanswered_request'];
  return { endOfRun, real };
}

export function evaluateTargets(r: Results): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const o of r.overhead) {
    const s = overheadSummary(o);
    const loss = 1 - s.throughputRatio.median;
    const limit = o.workload.name === 'llm' ? 0.01 : 0.05;
    rows.push({
      id: `loss-${o.workload.name}`,
      target: `throughput loss ≤ ${limit * 100}% (${o.workload.name === 'llm' ? 'LLM-shaped' : 'flood'})`,
      measured: `${pct(100 * loss)} (B/A ratio median ${s.throughputRatio.median.toFixed(3)} over ${s.throughputRatio.values.length} pairs)`,
      pass: Number.isFinite(loss) ? loss <= limit : null,
    });
  }
  for (const p of r.pipeline?.protocols ?? []) {
    const t = p.withGuardrails;
    rows.push({
      id: `pipeline-${p.protocol}`,
      target: `pipeline ≥ 10,000 exchanges/s per core (${p.protocol})`,
      measured: t ? `${num(t.exchangesPerCpuSecond)} /s per core (${t.plaintextMBPerCpuSecond.toFixed(1)} MB/s)` : `skipped: ${p.skipped?.split(':')[0] ?? ''}`,
      pass: t ? t.exchangesPerCpuSecond >= 10_000 : null,
    });
  }
  if (r.leak) {
    rows.push({
      id: 'pipeline-small',
      target: `pipeline ≥ 10,000 exchanges/s per core (HTTP/1.1 small JSON, synthetic, from the ${num(r.leak.exchanges)}-exchange run)`,
      measured: `${num(r.leak.exchangesPerCpuSecond)} /s per core`,
      pass: r.leak.exchangesPerCpuSecond >= 10_000,
    });
  }
  for (const l of r.latency) {
    rows.push({
      id: `latency-${l.name}`,
      target: `p99 response end → record < 10 ms (${l.name})`,
      measured: `p99 ${ms(l.endToRecordMs.p99)}, p50 ${ms(l.endToRecordMs.p50)} (${l.matched}/${l.requests} matched)`,
      pass: l.matched > 0 ? l.endToRecordMs.p99 < 10 && l.matched === l.requests : null,
    });
  }
  if (r.idleConnections) {
    const i = r.idleConnections;
    const total = i.agentRssMB.allOpen + i.loaderRssMB.allOpen;
    rows.push({
      id: 'rss-idle',
      target: `RSS ≤ 150 MB with ${num(i.connections)} idle TLS connections (agent + loader)`,
      measured: `${total.toFixed(0)} MB (agent ${i.agentRssMB.allOpen.toFixed(0)} MB + loader ${i.loaderRssMB.allOpen.toFixed(0)} MB; agent ${i.agentRssMB.before.toFixed(0)} MB before)`,
      pass: total <= 150 && i.opened === i.connections,
    });
  }
  if (r.leak) {
    rows.push({
      id: 'leak',
      target: `RSS flat over ${num(r.leak.exchanges)} exchanges`,
      measured: `${r.leak.verdict.flat ? 'flat' : 'growing'}: heap ${r.leak.verdict.heapGrowthMB >= 0 ? '+' : ''}${r.leak.verdict.heapGrowthMB.toFixed(1)} MB, RSS ${r.leak.verdict.rssGrowthMB >= 0 ? '+' : ''}${r.leak.verdict.rssGrowthMB.toFixed(1)} MB`,
      pass: r.leak.verdict.flat,
    });
  }
  const llm = r.overhead.find((o) => o.workload.name === 'llm');
  if (llm) {
    const { real, endOfRun } = splitDrops(llm);
    const total = Object.values(real).reduce((a, b) => a + b, 0);
    const s = overheadSummary(llm);
    rows.push({
      id: 'drops',
      target: 'zero drops at the rated load (LLM-shaped runs)',
      measured: `${total} drops${total ? ` (${Object.entries(real).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}; records ${num(s.recordsWithAgent)} / requests ${num(s.requestsWithAgent)}; ${endOfRun} requests abandoned in flight when wrk stopped`,
      pass: total === 0 && s.recordsWithAgent >= s.requestsWithAgent,
    });
  }
  return rows;
}

function overheadSection(o: OverheadResult, charts: string[], outDir: string): string {
  const s = overheadSummary(o);
  const w = o.workload;
  const lines: string[] = [];
  lines.push(`### ${w.title}`);
  lines.push('');
  lines.push(`wrk -t${w.threads} -c${w.connections}, \`${w.url.replace(/:\d+/, ':PORT')}\`; ${o.runs.length / 2} pairs.`);
  lines.push('');
  lines.push('| pair | run | req/s | p50 | p99 | agent CPU (% core) | loader CPU | agent peak RSS | records / requests | drops | other CPU on host |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const x of o.runs) {
    const drops = Object.entries(x.metrics?.drops ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(
      `| ${x.pair} | ${x.withAgent ? 'B agent' : 'A none'} | ${num(x.wrk.requestsPerSec)} | ${ms(x.wrk.latencyMs.p50)} | ${ms(x.wrk.latencyMs.p99)} | ${x.withAgent ? pct(x.cpu.cpuPercentOfCore.agent ?? NaN, 0) : ''} | ${x.withAgent ? pct(x.cpu.cpuPercentOfCore.loader ?? NaN, 0) : ''} | ${x.withAgent ? `${((x.cpu.peakRssBytes.agent ?? 0) / 2 ** 20).toFixed(0)} MB` : ''} | ${x.withAgent ? `${num(x.records ?? 0)} / ${num(x.wrk.requests)}${w.llm ? '' : ` (${num(x.metrics?.ignoredExchanges ?? 0)} parsed as non-LLM)`}` : num(x.wrk.requests)} | ${drops} | ${pct(x.cpu.otherCpuPercentOfCore, 0)} |`,
    );
  }
  lines.push('');
  lines.push('| summary (B / A of the same pair; median, min, max) | value |');
  lines.push('|---|---|');
  lines.push(`| throughput ratio | ${ratio(s.throughputRatio)} |`);
  lines.push(`| p50 latency ratio | ${ratio(s.p50Ratio)} |`);
  lines.push(`| p99 latency ratio | ${ratio(s.p99Ratio)} |`);
  lines.push(`| agent CPU, node process (% of one core) | ${s.agentCpuPercentOfCore.median.toFixed(1)} (${s.agentCpuPercentOfCore.min.toFixed(1)}–${s.agentCpuPercentOfCore.max.toFixed(1)}) |`);
  lines.push(`| agent CPU, loader (% of one core) | ${s.loaderCpuPercentOfCore.median.toFixed(1)} (${s.loaderCpuPercentOfCore.min.toFixed(1)}–${s.loaderCpuPercentOfCore.max.toFixed(1)}) |`);
  lines.push(`| agent CPU per request (node + loader) | ${s.agentCpuUsPerRequest.median.toFixed(0)} µs |`);
  lines.push(`| load generator (wrk) CPU per request, A → B (the increase is the probes' cost inside the traced process: uprobe traps + BPF) | ${s.clientCpuUsPerRequest.a.median.toFixed(1)} µs → ${s.clientCpuUsPerRequest.b.median.toFixed(1)} µs (+${s.clientCpuUsPerRequest.delta.median.toFixed(1)} µs) |`);
  lines.push(`| agent peak RSS, node / loader | ${s.agentPeakRssMB.median.toFixed(0)} MB / ${s.loaderPeakRssMB.median.toFixed(0)} MB |`);
  lines.push(
    w.llm
      ? `| records emitted / requests completed (all B runs) | ${num(s.recordsWithAgent)} / ${num(s.requestsWithAgent)} |`
      : `| exchanges parsed and ignored as non-LLM / requests (all B runs) | ${num(s.ignoredExchangesWithAgent)} / ${num(s.requestsWithAgent)} |`,
  );
  const { endOfRun, real } = splitDrops(o);
  lines.push(`| drops by reason (all B runs) | ${Object.entries(s.drops).map(([k, v]) => `${k}: ${num(v)}`).join(', ') || 'none'}${endOfRun ? ` — of which ${endOfRun} unanswered_request are the requests wrk abandons in flight when it stops (≤ 1 per connection per run)` : ''} |`);
  lines.push(`| drops beyond end-of-run | ${Object.values(real).reduce((a, b) => a + b, 0)} |`);
  lines.push(`| CPU of other processes on the host during runs (% of one core, median) | ${s.otherCpuPercentOfCore.median.toFixed(0)} |`);
  if (s.foreignLoaderRuns) lines.push(`| runs with another Osprey agent on the host | ${s.foreignLoaderRuns} |`);
  lines.push('');
  const pairs = [...new Set(o.runs.map((x) => x.pair))];
  const file = `overhead-${w.name}.svg`;
  writeFileSync(
    join(outDir, file),
    barChart({
      title: `${w.name === 'llm' ? 'LLM-shaped' : 'Flood'}: requests/s per pair, without (A) and with (B) the agent`,
      unit: 'requests/s',
      series: ['A: no agent', 'B: agent'],
      groups: pairs.map((p) => ({
        label: `pair ${p}`,
        values: [o.runs.find((x) => x.pair === p && !x.withAgent)?.wrk.requestsPerSec ?? NaN, o.runs.find((x) => x.pair === p && x.withAgent)?.wrk.requestsPerSec ?? NaN],
      })),
    }),
  );
  charts.push(file);
  lines.push(`![${w.name} throughput](${file})`);
  lines.push('');
  if (o.profile) {
    const p = o.profile;
    lines.push(`#### Profile of a separate B run (not in the ratios): agent node --cpu-prof, BPF with kernel.bpf_stats_enabled=1`);
    lines.push('');
    lines.push(
      `${num(p.requests)} requests; agent (node + loader) ${p.agentCpuPercentOfCore.toFixed(0)}% of a core. BPF programs ran ${num(p.bpfTotal.runCnt)} times for ${(p.bpfTotal.runTimeNs / 1e6).toFixed(0)} ms: ${num(p.bpfTotal.nsPerRequest)} ns of BPF per request, ${p.bpfTotal.percentOfCore.toFixed(1)}% of a core. ` +
        'This time is spent in the context of the process that made the call: the uprobe programs (probe_*) in wrk, the syscall tracepoints (tp_*) in every process on the host that reads or writes (Caddy, the origin, anything else). run_time_ns does not include the uprobe/uretprobe trap itself.',
    );
    lines.push('');
    if (p.bpf.length) {
      lines.push('| BPF program | runs | ns/run | total ms |');
      lines.push('|---|---:|---:|---:|');
      for (const b of p.bpf.slice(0, 10)) lines.push(`| ${b.name} | ${num(b.runCnt)} | ${num(b.nsPerRun)} | ${(b.runTimeNs / 1e6).toFixed(1)} |`);
      lines.push('');
    }
    if (p.cpuProfile) {
      lines.push(`Agent CPU profile, samples during the load only: ${p.cpuProfile.idlePercent.toFixed(0)}% idle. Busy time by source area (native work counted with the JS function that called it; adds up to 100%): ${areaList(p.areas)}.`);
      lines.push('');
      lines.push(profileTable(p.cpuProfile.top.slice(0, 12)));
    }
  } else if (o.profileError) {
    lines.push(`Profile run failed: ${o.profileError}`);
  }
  lines.push('');
  return lines.join('\n');
}

function areaList(areas: Record<string, number> | undefined): string {
  return Object.entries(areas ?? {})
    .filter(([, v]) => v >= 0.5)
    .map(([k, v]) => `${k} ${v.toFixed(1)}%`)
    .join(', ');
}

function profileTable(top: Array<{ fn: string; where: string; selfPercent: number; totalPercent: number }>): string {
  const out = ['| function | where | self % | total % |', '|---|---|---:|---:|'];
  for (const t of top) out.push(`| \`${t.fn}\` | ${t.where} | ${t.selfPercent.toFixed(1)} | ${t.totalPercent.toFixed(1)} |`);
  return out.join('\n') + '\n';
}

export function writeReport(r: Results, outDir: string): string {
  const charts: string[] = [];
  const targets = evaluateTargets(r);
  const L: string[] = [];
  const m = r.meta;
  L.push(`# Osprey benchmarks${m.quick ? ' — QUICK smoke run (BENCH_QUICK=1), not a measurement' : ''}`);
  L.push('');
  L.push(
    `Run ${m.startedAt} on ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGB} GB, Linux ${m.machine.kernel}, Node ${m.machine.node}; commit ${m.commit}${m.dirtyTree ? ' with uncommitted changes in src/ or bpf/' : ''}. ` +
      `\`make bench\` took **${(m.durationS / 60).toFixed(1)} min**. Load average ${m.machine.loadAverageAtStart.toFixed(1)} at start, ${m.machine.loadAverageAtEnd.toFixed(1)} at end: the machine is shared, so each run also reports the CPU other processes used meanwhile.`,
  );
  L.push('');
  L.push('Generated by `make bench` (bench/run.ts); every number below comes from that run. Raw data: [results.json](results.json).');
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push('| target | measured | |');
  L.push('|---|---|---|');
  for (const t of targets) L.push(`| ${t.target} | ${t.measured} | ${verdict(t.pass)} |`);
  L.push('');
  if (Object.keys(r.errors).length) {
    L.push('Phases that failed:');
    for (const [k, v] of Object.entries(r.errors)) L.push(`- ${k}: \`${v.split('\n')[0]}\``);
    L.push('');
  }

  L.push('## 1. Capture overhead');
  L.push('');
  L.push(
    'Server: Caddy (Go crypto/tls, which Osprey does not probe — so, as on a real host where the provider is remote, only the client side is captured) in front of a Node origin that streams each SSE event as its own write. ' +
      'Client: Debian\'s wrk, linked to the system libssl, run in a mount namespace whose /etc/hosts maps api.openai.com to 127.0.0.1, so SNI and Host are the provider\'s and the agent treats every LLM-shaped request as a chat completion (full pipeline: parse, adapter, guardrails, JSONL). ' +
      'Runs alternate A (no agent) and B (fresh agent, probes attached) in pairs; ratios are B/A within a pair. Both workloads saturate the 2 cores (closed loop), so every CPU cycle the agent or its probes take is visible as lost throughput. Agent CPU is utime+stime of /proc/PID/stat for the agent\'s node process and its loader.',
  );
  L.push('');
  for (const o of r.overhead) L.push(overheadSection(o, charts, outDir));

  L.push('## 2. Pipeline throughput (no kernel)');
  L.push('');
  if (r.pipeline) {
    const p = r.pipeline;
    L.push(
      'Sensor output was recorded once with `osprey agent --record` while wrk (SSE answers, then JSON answers) and a Node HTTP/2 client ran; each client\'s records were cut out by pid and replayed in-process through the real RecordDecoder and Pipeline (agent defaults: guardrails on, full content) into a sink that JSON-encodes each record. Fresh pipeline per pass; rates are per CPU-second of the replaying process (one core).',
    );
    L.push('');
    L.push('| protocol | recorded | exchanges / pass | exchanges/s per core | plaintext MB/s per core | without guardrails | target ≥ 10,000/s |');
    L.push('|---|---|---:|---:|---:|---:|---|');
    for (const x of p.protocols) {
      const rec = x.recording ? `${num(x.recording.records)} records, ${(x.recording.payloadBytes / 1e6).toFixed(1)} MB plaintext, ${num(x.clientRequests)} requests` : '';
      if (!x.withGuardrails) {
        L.push(`| ${x.title} | ${rec} | — | skipped | — | — | n/a |`);
        continue;
      }
      const g = x.withGuardrails;
      const n = x.withoutGuardrails;
      L.push(`| ${x.title} | ${rec} | ${num(g.exchangesPerPass)} | ${num(g.exchangesPerCpuSecond)} | ${g.plaintextMBPerCpuSecond.toFixed(1)} | ${n ? num(n.exchangesPerCpuSecond) : ''} | ${verdict(g.exchangesPerCpuSecond >= 10_000)} |`);
    }
    if (r.leak) L.push(`| HTTP/1.1 small JSON both ways (synthetic: the ${num(r.leak.exchanges)}-exchange leak run, one long-lived pipeline) | ${num(r.leak.exchanges)} exchanges | — | ${num(r.leak.exchangesPerCpuSecond)} | | | ${verdict(r.leak.exchangesPerCpuSecond >= 10_000)} |`);
    L.push('');
    for (const x of p.protocols) if (x.skipped) L.push(`- ${x.protocol}: ${x.skipped}`);
    L.push('');
    const bars = p.protocols.filter((x) => x.withGuardrails);
    const file = 'pipeline.svg';
    writeFileSync(
      join(outDir, file),
      barChart({
        title: 'Pipeline: exchanges per CPU-second (one core)',
        unit: 'exchanges/s per core',
        series: ['guardrails on (default)', 'guardrails off'],
        groups: [
          ...bars.map((x) => ({ label: x.protocol, values: [x.withGuardrails?.exchangesPerCpuSecond ?? NaN, x.withoutGuardrails?.exchangesPerCpuSecond ?? NaN] })),
          ...(r.leak ? [{ label: 'small JSON (leak run)', values: [r.leak.exchangesPerCpuSecond, NaN] }] : []),
        ],
        line: { value: 10_000, label: 'target 10,000/s' },
      }),
    );
    charts.push(file);
    L.push(`![pipeline throughput](${file})`);
    L.push('');
    if (p.profile) {
      L.push(`CPU profile of replaying the HTTP/1.1 SSE recording (in-process inspector, 3 passes). Busy time by source area (native work counted with the JS function that called it; adds up to 100%): ${areaList(p.areas)}.`);
      L.push('');
      L.push(profileTable(p.profile.top.slice(0, 15)));
    }
  } else L.push('Not measured (see failed phases).');
  L.push('');

  L.push('## 3. Latency: last response byte read by the client → record written');
  L.push('');
  L.push(
    'A Python client (http.client over the ssl module, i.e. libssl) makes sequential LLM-shaped requests (2–20 KB JSON, SSE answer of 200 events, 20 ms apart) and notes `time.time_ns()` right after `read()` returned the last byte. ' +
      'The agent writes to a JSONL file that the benchmark watches with inotify (fs.watch, plus a 50 ms poll as a safety net), reading appended lines as soon as the kernel reports the write and stamping each line with the wall clock then; lines are matched to requests by a marker in the prompt. ' +
      'The delay therefore covers everything from the client\'s last read to the record being readable in the file: uretprobe, ring-buffer wake-up, loader read and flush, pipe, decode, HTTP/SSE parsing, adapter, guardrails, JSON encoding, write(2) — plus the watcher\'s own wake-up, which makes it slightly pessimistic. ' +
      '"kernel → record" uses the record\'s end_time (kernel time of the last byte) instead of the client\'s time; "kernel → client read" is the cross-check that both clocks agree (small, positive).',
  );
  L.push('');
  L.push('| condition | matched / requests | p50 | p90 | p99 | max | kernel → record p50 / p99 | kernel → client read p50 |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of r.latency) {
    L.push(
      `| ${l.name}${l.backgroundRps ? ` (paced wrk LLM-shaped load beside it: -c2, 30 ms think time, ${num(l.backgroundRps)} req/s)` : ''} | ${l.matched} / ${l.requests} | ${ms(l.endToRecordMs.p50)} | ${ms(l.endToRecordMs.p90)} | ${ms(l.endToRecordMs.p99)} | ${ms(l.endToRecordMs.max)} | ${ms(l.kernelToRecordMs.p50)} / ${ms(l.kernelToRecordMs.p99)} | ${ms(l.kernelToClientMs.p50)} |`,
    );
  }
  L.push('');
  if (r.latency.length) {
    const file = 'latency.svg';
    writeFileSync(
      join(outDir, file),
      lineChart({
        title: 'Response end → record written: distribution',
        xLabel: 'percentile',
        yLabel: 'ms',
        series: r.latency.map((l) => ({ label: l.name, points: [1, 5, 10, 25, 50, 75, 90, 95, 99, 100].map((q) => [q, percentile(l.samplesMs, q)] as [number, number]) })),
        line: { value: 10, label: 'target p99 < 10 ms' },
      }),
    );
    charts.push(file);
    L.push(`![latency](${file})`);
    L.push('');
  }

  L.push('## 4. Memory');
  L.push('');
  if (r.idleConnections) {
    const i = r.idleConnections;
    L.push(
      `A Node client (OpenSSL linked into node, probed) opens ${num(i.connections)} TLS connections to Caddy with SNI api.openai.com, makes one small chat completion on each, then leaves them open and idle (the Makefile raises ulimit -n to the hard limit). ` +
        `Opened ${num(i.opened)} (${i.failed} failed) in ${i.openSeconds.toFixed(1)} s; the agent wrote ${num(i.records)} records and used ${i.agentCpuSecondsWhileOpening.toFixed(1)} CPU-s meanwhile.`,
    );
    L.push('');
    L.push('| | agent (node) RSS | loader RSS |');
    L.push('|---|---:|---:|');
    L.push(`| before | ${i.agentRssMB.before.toFixed(0)} MB | ${i.loaderRssMB.before.toFixed(0)} MB |`);
    L.push(`| ${num(i.connections)} connections open and idle | ${i.agentRssMB.allOpen.toFixed(0)} MB | ${i.loaderRssMB.allOpen.toFixed(0)} MB |`);
    L.push(`| peak while opening | ${i.agentRssMB.peak.toFixed(0)} MB | |`);
    L.push(`| 3 s after they closed | ${i.agentRssMB.afterClose.toFixed(0)} MB | |`);
    L.push('');
    if (i.metrics) L.push(`Drops during the test: ${Object.entries(i.metrics.drops).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}.`);
    L.push('');
  }
  if (r.leak) {
    const k = r.leak;
    L.push(
      `Leak check: ${num(k.exchanges)} exchanges through one long-lived Pipeline — **replay path** (synthetic sensor records built like the loader's, no kernel), in a child process, agent defaults (guardrails on), JSONL-encoding sink, sweep every 10K exchanges. ` +
        'Traffic: keep-alive connections of 10 small chat completions each, closed after the 10th; a new process (exec … exit) every 1000 connections. Samples after a forced GC. ' +
        `Verdict: **${k.verdict.flat ? 'flat' : 'growing'}** — ${k.verdict.why}. ${num(k.records)} records emitted.`,
    );
    L.push('');
    const file = 'leak.svg';
    writeFileSync(
      join(outDir, file),
      lineChart({
        title: `Memory over ${num(k.exchanges)} exchanges (after forced GC)`,
        xLabel: 'exchanges (thousands)',
        yLabel: 'MB',
        series: [
          { label: 'RSS', points: k.samples.map((s) => [s.exchanges / 1000, s.rssBytes / 2 ** 20] as [number, number]) },
          { label: 'V8 heap used', points: k.samples.map((s) => [s.exchanges / 1000, s.heapUsedBytes / 2 ** 20] as [number, number]) },
          { label: 'array buffers', points: k.samples.map((s) => [s.exchanges / 1000, s.arrayBuffersBytes / 2 ** 20] as [number, number]) },
        ],
      }),
    );
    charts.push(file);
    L.push(`![leak check](${file})`);
    L.push('');
  }

  L.push(findingsSection(r, outDir));
  L.push('## How to run');
  L.push('');
  L.push('`sudo make bench` (about 15 minutes on 2 cores; installs wrk and caddy from Debian when missing) or `BENCH_QUICK=1 make bench` (about 2 minutes, writes to bench/results/quick/, not committed). See bench/README.md for the method.');
  L.push('');
  const md = L.join('\n');
  const path = join(outDir, 'REPORT.md');
  writeFileSync(path, md);
  writeFileSync(join(outDir, 'results.json'), JSON.stringify({ ...r, targets }, null, 1));
  for (const t of targets) process.stdout.write(`${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.measured}\n`);
  return path;
}

function selfOf(p: { top: Array<{ fn: string; selfPercent: number }> } | null | undefined, fn: string): number {
  return p?.top.filter((t) => t.fn === fn).reduce((a, t) => a + t.selfPercent, 0) ?? 0;
}

/** Share of id generation (crypto random) in the agent's and the replay's profiles. */
function idsShare(r: Results): string {
  const llm = r.overhead.find((o) => o.workload.name === 'llm')?.profile?.cpuProfile;
  const a = selfOf(llm, 'randomFillSync');
  const b = selfOf(r.pipeline?.profile, 'randomFillSync');
  if (a === 0 && b === 0) return 'not among the top functions of this run';
  return `${a.toFixed(1)}% of the agent's busy time under the LLM-shaped load, ${b.toFixed(1)}% of the SSE replay`;
}

function f1(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : 'n/a';
}

/**
 * The gaps, their measured causes and the proposed fixes. Numbers come from this run; the causes
 * were established by the profiles below and by the what-if measurements in bench/experiments/
 * (linked, not re-run by make bench).
 */
function findingsSection(r: Results, outDir: string): string {
  const expDir = join(REPO_ROOT, 'bench', 'results', 'experiments');
  const expLink = relative(outDir, expDir) || '.';
  const L: string[] = ['## Gaps: measured causes and proposed fixes', ''];
  const llm = r.overhead.find((o) => o.workload.name === 'llm');
  const flood = r.overhead.find((o) => o.workload.name === 'flood');
  const workloadCpu = (o: OverheadResult): number => {
    const a = o.runs.filter((x) => !x.withAgent);
    const v = a.map((x) => (x.cpu.cpuPercentOfCore.wrk ?? 0) + (x.cpu.cpuPercentOfCore.caddy ?? 0) + (x.cpu.cpuPercentOfCore.backend ?? 0));
    return v.length ? v.reduce((p, q) => p + q, 0) / v.length : NaN;
  };
  for (const o of [llm, flood]) {
    if (!o) continue;
    const s = overheadSummary(o);
    const agentPct = s.agentCpuPercentOfCore.median + s.loaderCpuPercentOfCore.median;
    const bpf = o.profile?.bpfTotal;
    const uprobeNs = (o.profile?.bpf ?? []).filter((b) => b.name.startsWith('probe_')).reduce((a, b) => a + b.runTimeNs, 0);
    const tpNs = (o.profile?.bpf ?? []).filter((b) => !b.name.startsWith('probe_')).reduce((a, b) => a + b.runTimeNs, 0);
    const ret = (o.profile?.bpf ?? []).filter((b) => b.name.startsWith('probe_ret_SSL'));
    L.push(`### Overhead, ${o.workload.name === 'llm' ? 'LLM-shaped' : 'flood'}: ${pct(100 * (1 - s.throughputRatio.median))} throughput lost`);
    L.push('');
    L.push(
      `- **Where the CPU goes.** Without the agent the load's own processes (wrk, Caddy, origin) used ${f1(workloadCpu(o))}% of a core on average, and processes outside the benchmark about ${f1(s.otherCpuPercentOfCore.median)}%. ` +
        `With it, the agent took ${f1(agentPct)}% of a core (${f1(s.agentCpuUsPerRequest.median)} µs per request, node + loader), and the load generator itself needed ${f1(s.clientCpuUsPerRequest.a.median)} → ${f1(s.clientCpuUsPerRequest.b.median)} µs of CPU per request: the probes cost **+${f1(s.clientCpuUsPerRequest.delta.median)} µs per request inside the traced process** (uprobe and uretprobe traps plus BPF). On a saturated 2-core machine both come straight out of the load's throughput.`,
    );
    if (bpf) {
      L.push(
        `- **BPF.** ${num(bpf.nsPerRequest)} ns of BPF run time per request: uprobe programs ${((100 * uprobeNs) / Math.max(1, bpf.runTimeNs)).toFixed(0)}%, syscall tracepoints (read/write/… of every process on the host, for plaintext ports and socket identity) ${((100 * tpNs) / Math.max(1, bpf.runTimeNs)).toFixed(0)}%. ` +
          `${ret.map((b) => `${b.name} ${num(b.nsPerRun)} ns/run × ${num(b.runCnt / Math.max(1, o.profile?.requests ?? 1), 1)} per request`).join('; ')}. The return probes copy every byte of every TLS call into the ring buffer.`,
      );
    }
    const prof = o.profile?.cpuProfile;
    if (prof) {
      L.push(
        `- **Agent profile (load only).** ${prof.top.slice(0, 6).map((t) => `\`${t.fn}\` ${t.selfPercent.toFixed(1)}%`).join(', ')} (self time, % of busy).`,
      );
    }
    if (o.workload.name === 'flood') {
      L.push(
        '- **Cause.** None of this traffic is an LLM call, yet every TLS read and write is copied in the kernel, shipped to user space, reassembled, parsed as HTTP/1.1, its bodies copied (`copyMessage`) and decoded (`complete`), and only then dropped by `routeOf` finding no adapter. DESIGN.md\'s "keep a kernel map of uninteresting SSL*/sockets whose payloads are then not copied" is not implemented.',
        '- **Floor: the uprobe traps themselves.** In the kernel-variants experiment below, a build that fires the probes but copies nothing (agent idle) still leaves the client with most of the extra CPU per request: every SSL_read/SSL_write costs an uprobe and a uretprobe trap, several µs each on this VM, and a small request makes about four such hits. No copy or user-space optimisation removes that. What does is not trapping in processes that never talk to an LLM provider: keep the probes that fire once per connection system-wide (SSL_ctrl for SNI, SSL_free/SSL_shutdown) and attach the per-call SSL_read/SSL_write probes per process (a pid-filtered uprobe is only installed in that process) once a process shows an LLM SNI or Host. The price is a race on a process\'s first LLM connection (attach must land between SNI and the first write) — a design decision, not a bench fix.',
        '- **Fix 1 — stop copying uninteresting streams in the kernel** (bpf/sensor.bpf.c `emit_plaintext`; src/stream/connection.ts + the loader protocol): once a stream\'s first request is known not to be an LLM call (SNI/Host/path matched against the adapter registry, as `Pipeline.emit` does with `routeOf`), user space writes `(tgid, SSL*)` into a new `ignored_streams` LRU hash that `emit_plaintext` checks before copying (close/free removes it). Expected: the flood\'s agent CPU and the copy part of the probes disappear; what remains is the uprobe traps and one hash lookup. The no-copy floor is measured in the kernel-variants experiment below.',
        '- **Fix 3 — batch ring-buffer wake-ups** (bpf/sensor.bpf.c: pass BPF_RB_NO_WAKEUP to bpf_ringbuf_output/submit unless BPF_RB_AVAIL_DATA exceeds a threshold, then BPF_RB_FORCE_WAKEUP; bpf/loader.c: drain the ring on every turn of a 2 ms poll instead of only on POLLIN). Today a record wakes the loader whenever it has caught up, and the return probes pay for it. In the kernel-variants experiment the return probes get several times cheaper and the agent uses less CPU; the flood\'s throughput gain varied between runs, and the median record delay grows by about 1 ms.',
        '- **Fix 2 — decide before copying bodies** (src/stream/connection.ts `drain`/`complete`, src/agent/pipeline.ts `emit`): route on the request head (host, method, path) as soon as it is parsed; for an exchange no adapter wants, skip `copyMessage` and content decoding of both bodies and let the parser only frame them. Expected: most of `complete` + `copyMessage` + GC in the flood profile above.',
      );
    } else {
      L.push(
        `- **Cause.** Per LLM-shaped exchange the agent handles about ${num((ret.find((b) => b.name === 'probe_ret_SSL_read')?.runCnt ?? 0) / Math.max(1, o.profile?.requests ?? 1))} data records (one per SSL_read of the client) and then does the expensive part once: JSON.parse of the 2–20 KB request and of every one of the 200 SSE events, guardrails over all message text, building and JSON-encoding the record. See section 2 for the same work without the kernel.`,
        '- **Fixes.** The user-space items below (SSE fast path, guardrails cost, record building) cut the agent\'s share. The probe cost inside the client (+µs per request above) is mostly uprobe/uretprobe traps — about two per SSL_read, and wrk makes dozens of reads per streamed answer — and stays as long as every read of an LLM stream is probed. Batching ring-buffer wake-ups (BPF_RB_NO_WAKEUP plus a loader that drains every 2 ms) shortens the return probes severalfold in the kernel-variants experiment below, but did not raise LLM-shaped throughput there, and adds about 1 ms to the median response-end → record delay.',
      );
    }
    L.push('');
  }
  const p = r.pipeline;
  if (p) {
    const sse = p.protocols.find((x) => x.protocol === 'http1-sse');
    const json = p.protocols.find((x) => x.protocol === 'http1-json');
    L.push('### Pipeline below 10,000 exchanges/s per core');
    L.push('');
    if (sse?.withGuardrails) {
      const parse = selfOf(p.profile, 'parseJson');
      L.push(
        `- **SSE (${num(sse.withGuardrails.exchangesPerCpuSecond)}/s per core, ${(1e6 / sse.withGuardrails.exchangesPerCpuSecond).toFixed(0)} µs per exchange).** \`parseJson\` (JSON.parse of each SSE event and of the request) is ${parse.toFixed(1)}% of the replay profile; guardrails ${f1(p.areas.guardrails ?? NaN)}% (area share); \`buildLlmCall\` ${selfOf(p.profile, 'buildLlmCall').toFixed(1)}% self. ` +
          'JSON.parse of 200 chunk objects alone costs on the order of the whole per-exchange budget of a 10,000/s pipeline (100 µs) — see the json-sse experiment below — so full parsing of every event cannot meet the target for 200-event streams.',
        '  - **Fix — a fast path for the common chunk shape** (src/llm/openai/stream.ts `readChatCompletionStream`, or src/llm/sse-events.ts `sseJsonEvents`): match `{"id":…,"object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"…"},"finish_reason":null}]}` with one anchored regular expression and JSON.parse only the content string; anything else (tool calls, usage, other providers) takes the full JSON.parse as today. Measured on 200-event bodies in the json-sse experiment below (several times less CPU for the parse). Expected: most of the `parseJson` share above.',
      );
    }
    if (json?.withGuardrails && json.withoutGuardrails) {
      L.push(
        `- **JSON answers (${num(json.withGuardrails.exchangesPerCpuSecond)}/s per core; ${num(json.withoutGuardrails.exchangesPerCpuSecond)}/s with guardrails off).** Guardrails roughly ${(json.withoutGuardrails.exchangesPerCpuSecond / json.withGuardrails.exchangesPerCpuSecond).toFixed(1)}× the cost of everything else for 2–20 KB prompts (\`scanBuiltins\`, injection scoring \`collect\`, secret matching). ` +
          '**Fix** (src/guardrails/evaluate.ts `evaluateCall`): agents resend the same system prompt and conversation prefix on every call; cache the findings per message (key: hash of role + text, small LRU) so only new messages are scanned. Expected: for multi-turn agent traffic most of the guardrails share; for single-shot prompts (this benchmark) nothing — there the scanner itself must get faster (bench/guardrails.ts tracks that).',
      );
    }
    if (r.leak) {
      L.push(
        `- **Small JSON both ways (${num(r.leak.exchangesPerCpuSecond)}/s per core).** The fixed cost per exchange dominates. From the profiles: \`buildLlmCall\` deletes undefined keys one by one (\`delete attributes[k]\`), which turns the attributes object into a dictionary-mode object that is slower to build and to \`JSON.stringify\`; trace and span ids take two \`crypto.randomBytes\` calls per record (\`randomFillSync\`: ${idsShare(r)}); every data record increments a labelled prom-client counter (\`events.plaintextBytes\` → \`Counter.inc({direction})\`, label hashing each time). ` +
          '**Fixes:** src/agent/build-call.ts `buildLlmCall` — assign only defined attributes instead of deleting; src/telemetry/ids.ts — draw ids from a 4 KiB `randomFillSync` pool; src/telemetry/internal-events.ts — keep `bytesCaptured.labels(direction)` children (or plain numbers folded in at scrape time). Expected: each of these is its profile share (a few % each).',
      );
    }
    const kernelDrops = Object.entries(p.recordingMetrics?.drops ?? {}).filter(([k]) => k.startsWith('kernel/'));
    if (kernelDrops.length) {
      L.push(
        `- While recording (the agent also writing every byte to disk), the kernel dropped data: ${kernelDrops.map(([k, v]) => `${k} ${v}`).join(', ')}. Beyond what the agent keeps up with, the ring buffer fills and the drops are counted; the replayed exchanges per pass are then fewer than the client's requests.`,
      );
    }
    L.push('');
  }
  const loaded = r.latency.find((l) => l.name === 'loaded');
  const idle = r.latency.find((l) => l.name === 'idle');
  if (idle || loaded) {
    L.push('### Latency');
    L.push('');
    L.push(
      `- Idle p99 ${ms(idle?.endToRecordMs.p99 ?? NaN)}, beside a paced load p99 ${ms(loaded?.endToRecordMs.p99 ?? NaN)} (p50 ${ms(loaded?.endToRecordMs.p50 ?? NaN)}). The client's own last read returns ${ms(idle?.kernelToClientMs.p50 ?? NaN)} (median, idle) after the kernel saw the last byte, so the delay is in the loader → agent → file path. ` +
        'The agent handles records on one thread: an exchange completing while the previous SSE exchange is being parsed, judged and encoded (about the per-exchange CPU time of section 2) waits behind it, and on this shared machine the agent also waits for a CPU. The same fixes that cut CPU per exchange cut this tail; moving guardrails and encoding off the capture thread (a worker) would decouple it.',
    );
    L.push('');
  }
  const i = r.idleConnections;
  const b = r.memoryBreakdown;
  if (i) {
    L.push('### Memory with idle connections');
    L.push('');
    const perConn = ((i.agentRssMB.allOpen - i.agentRssMB.before) * 2 ** 20) / Math.max(1, i.opened);
    L.push(
      `- The agent grew ${(i.agentRssMB.allOpen - i.agentRssMB.before).toFixed(0)} MB for ${num(i.opened)} idle connections (${(perConn / 1024).toFixed(1)} KiB each), and RSS stayed at ${i.agentRssMB.afterClose.toFixed(0)} MB after they closed (freed memory is kept by V8 and malloc, not returned to the system).` +
        (b
          ? ` Without the kernel, one idle connection holds **${num(b.perConnection.arrayBufferBytesPerConnection)} bytes of array buffers** and ${num(b.perConnection.heapBytesPerConnection)} bytes of heap (lib/conn-cost-child.ts): the two byte streams keep their 4 KiB buffers after every byte in them was consumed.`
          : ''),
      '  - **Fix** (`ByteStream.consume` in src/util/byte-stream.ts, formerly src/stream/byte-stream.ts): when the stream becomes empty, drop the buffer (`this.buf = EMPTY`) instead of only rewinding it; the next message allocates again (one 4 KiB allocation per message, negligible next to parsing it). The what-if is measured in the memory experiment below (array buffers per idle connection, RSS growth for 10K connections).',
    );
    if (b && b.imports.length === 2) {
      const [agentOnly, cli] = b.imports as [MemoryBreakdown['imports'][number], MemoryBreakdown['imports'][number]];
      L.push(
        `- **Baseline.** A node process that imports only the agent (src/agent/run.js) has ${agentOnly.rssMB.toFixed(0)} MB resident; importing the CLI (src/cli/main.js), as \`osprey agent\` does, ${cli.rssMB.toFixed(0)} MB: the server, OTLP and agents commands (fastify, database drivers, protobufjs…) are loaded for every command. ` +
          `**Fix** (src/cli/main.ts): register those commands with a dynamic \`import()\` inside their action. Expected: about ${(cli.rssMB - agentOnly.rssMB).toFixed(0)} MB less agent RSS and faster start.`,
      );
    }
    L.push(
      `- The loader's ${i.loaderRssMB.allOpen.toFixed(0)} MB RSS is almost all the ring buffer (--ringbuf-mb 32): libbpf maps its data area twice, so RSS counts 64 MB of pages that exist once. It is counted in the total above all the same.`,
    );
    L.push('');
  }
  L.push('### Experiments (not re-run by `make bench`)');
  L.push('');
  L.push('What-if measurements behind the fixes above, each from its own script in bench/experiments/ (the date is in each file). Their latest output:');
  L.push('');
  for (const [file, how] of [
    ['kernel-variants.md', 'sudo node dist/bench/experiments/kernel-variants.js — stock loader vs batched ring-buffer wake-ups vs never copying (the floor for an uninteresting-streams map)'],
    ['json-sse.md', 'node dist/bench/experiments/json-sse.js — JSON.parse of 200 SSE chunks vs a fast path'],
    ['memory.md', 'node dist/bench/experiments/memory.js — memory per idle connection with and without releasing empty byte-stream buffers'],
  ] as const) {
    const path = join(expDir, file);
    L.push(`#### [experiments/${file}](${expLink}/${file})`);
    L.push('');
    L.push(`\`${how.split(' — ')[0]}\`: ${how.split(' — ')[1]}.`);
    L.push('');
    if (existsSync(path)) {
      // Everything after the file's title, one heading level down.
      const body = readFileSync(path, 'utf8').split('\n').slice(1).join('\n').replace(/^## /gm, '##### ').trim();
      L.push(body);
    } else L.push('(not run yet)');
    L.push('');
  }
  return L.join('\n');
}
