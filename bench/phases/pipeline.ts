/**
 * Pipeline throughput without a kernel. Sensor output is recorded once with the real agent
 * (`--record`) while driving real clients — wrk with SSE answers, wrk with JSON answers, and an
 * HTTP/2 client — then each client's records are cut out of the recording by its pid and replayed
 * in this process through the real decoder and Pipeline (bench/lib/replay.ts). Rates are per
 * CPU-second of this process, i.e. per core.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, waitForStableCount, type Metrics } from '../lib/agent.js';
import { areaShares, summarizeProfile, saveProfile, type ProfileSummary } from '../lib/profile.js';
import { filterByTgids, summarize, type RecordingSummary } from '../lib/recording.js';
import { agentPipelineOptions, measureReplay, profileInProcess, replayOnce, type ReplayThroughput } from '../lib/replay.js';
import { WITH_HOSTS } from '../lib/servers.js';
import { startWrk } from '../lib/wrk.js';
import { log, sleep } from '../lib/util.js';
import type { BenchContext } from './context.js';
import { DIRS, workloads } from './overhead.js';

export interface ProtocolThroughput {
  protocol: 'http1-sse' | 'http1-json' | 'http2';
  title: string;
  recording: RecordingSummary | null;
  /** Requests the client completed while recording. */
  clientRequests: number;
  skipped?: string;
  withGuardrails?: ReplayThroughput;
  withoutGuardrails?: ReplayThroughput;
}

export interface PipelineResult {
  protocols: ProtocolThroughput[];
  recordedBytes: number;
  /** What the recording agent counted: a recording with kernel drops or gaps replays fewer exchanges than the client made. */
  recordingMetrics: Metrics | null;
  profile: ProfileSummary | null;
  /** Busy time of the SSE replay by source area (adds up to 100%). */
  areas: Record<string, number>;
}

async function runH2Client(ctx: BenchContext, n: number): Promise<{ pid: number; done: Promise<number> }> {
  const child = spawn(WITH_HOSTS, [ctx.hostsFile, process.execPath, join(ctx.benchDist, 'clients', 'h2.js'), String(ctx.caddy.port), String(n), ctx.pki.certPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const done = new Promise<number>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(Number(/ok (\d+)/.exec(out)?.[1] ?? 0)) : reject(new Error(`h2 client failed (${code}): ${err}`)))),
  );
  return { pid: child.pid as number, done };
}

export async function runPipeline(ctx: BenchContext): Promise<PipelineResult> {
  const recordPath = join(ctx.workDir, 'sensor.rec');
  const jsonl = join(ctx.workDir, 'pipeline-record.jsonl');
  const llm = workloads(ctx)[0]!;
  const seconds = ctx.config.quick ? 2 : 4;
  log(`pipeline: recording sensor output (wrk SSE ${seconds}s, wrk JSON ${seconds}s, HTTP/2 client)`);
  const agent = await startAgent({ jsonlPath: jsonl, recordPath, waitFor: [/attached openssl probes to \S*libssl\.so/, /attached openssl probes to \S*node/] });
  const clients: Record<string, { pid: number; requests: number }> = {};
  let recordingMetrics: Metrics | null = null;
  try {
    await sleep(500);
    for (const [proto, stream] of [['http1-sse', '1'], ['http1-json', '0']] as const) {
      // Paced (4 connections, 10 ms think time) so the recording agent, which also writes every byte
      // to disk, keeps up: a recording with kernel drops would replay fewer exchanges.
      const wrk = startWrk({ hostsFile: ctx.hostsFile, script: llm.script, url: llm.url, threads: 1, connections: 4, durationS: seconds, env: { BENCH_RUN: `rec${proto}`, BENCH_STREAM: stream, BENCH_DELAY_MS: '10' } });
      clients[proto] = { pid: wrk.pid, requests: (await wrk.done).requests };
    }
    const h2 = await runH2Client(ctx, ctx.config.quick ? 200 : 1000);
    clients.http2 = { pid: h2.pid, requests: await h2.done };
    await waitForStableCount(() => readFileSync(jsonl, 'utf8').split('\n').length);
    recordingMetrics = await agent.metrics().catch(() => null);
  } finally {
    await agent.stop();
  }
  const all = readFileSync(recordPath);
  const protocols: ProtocolThroughput[] = [];
  let profile: ProfileSummary | null = null;
  let areas: Record<string, number> = {};
  const titles = { 'http1-sse': 'HTTP/1.1, SSE answer (200 events), 2–20 KB JSON request', 'http1-json': 'HTTP/1.1, JSON answer, 2–20 KB JSON request', http2: 'HTTP/2, SSE answer (200 events)' } as const;
  for (const proto of ['http1-sse', 'http1-json', 'http2'] as const) {
    const c = clients[proto]!;
    const buf = filterByTgids(all, new Set([c.pid]));
    const recording = summarize(buf);
    const entry: ProtocolThroughput = { protocol: proto, title: titles[proto], recording, clientRequests: c.requests };
    const emitted = replayOnce(buf, agentPipelineOptions(true));
    if (emitted === 0) {
      entry.skipped =
        proto === 'http2'
          ? `HTTP/2 is not integrated in the pipeline yet: ${c.requests} HTTP/2 exchanges were recorded (${recording.records} records, ${(recording.payloadBytes / 1e6).toFixed(1)} MB plaintext) and replaying them emits 0 LlmCall records (src/stream/connection.ts disables streams that start with the HTTP/2 preface). This row measures itself once src/protocols/http2 is wired in.`
          : `replay emitted no records from ${recording.records} recorded records`;
      log(`pipeline ${proto}: skipped — ${entry.skipped}`);
      protocols.push(entry);
      continue;
    }
    entry.withGuardrails = measureReplay(buf, recording.payloadBytes, agentPipelineOptions(true), ctx.config.replayCpuSeconds);
    entry.withoutGuardrails = measureReplay(buf, recording.payloadBytes, agentPipelineOptions(false), ctx.config.replayCpuSeconds);
    log(
      `pipeline ${proto}: ${entry.withGuardrails.exchangesPerPass} exchanges/pass, ${entry.withGuardrails.exchangesPerCpuSecond.toFixed(0)} exchanges/CPU-s (${entry.withGuardrails.plaintextMBPerCpuSecond.toFixed(1)} MB/s) with guardrails, ${entry.withoutGuardrails.exchangesPerCpuSecond.toFixed(0)} without`,
    );
    if (proto === 'http1-sse') {
      const p = await profileInProcess(() => {
        for (let i = 0; i < 3; i++) replayOnce(buf, agentPipelineOptions(true));
      });
      saveProfile(join(ctx.workDir, 'pipeline-sse.cpuprofile'), p);
      profile = summarizeProfile(p, 15);
      areas = areaShares(p, DIRS);
    }
    protocols.push(entry);
  }
  return { protocols, recordedBytes: all.length, recordingMetrics, profile, areas };
}
