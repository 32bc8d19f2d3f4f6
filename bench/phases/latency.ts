/**
 * Response end → record written. A Python client (libssl) makes sequential LLM-shaped requests and
 * notes the wall time right after it read the last response byte; the agent writes records to a
 * JSONL file that this process watches with inotify (fs.watch), reading each appended line as
 * soon as the kernel reports the write and noting the wall time then. Delay = seen − client end,
 * matched by the marker in the request. Both times are CLOCK_REALTIME on the same host.
 *
 * What this includes: the uretprobe, the ring buffer wake-up, the loader's read and its stdout
 * flush, the pipe, the agent's decode/parse/adapter/guardrails/encode, the sink's write(2), and
 * our inotify wake-up and read. The last part makes the number slightly pessimistic, never
 * optimistic. The record's own end_time (kernel time of the last byte, converted to wall time by
 * the agent) is reported beside it as a cross-check of the clocks.
 *
 * Two conditions: idle (only this client) and loaded (a paced LLM-shaped wrk load beside it).
 */
import { closeSync, openSync, readSync, watch, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startAgent } from '../lib/agent.js';
import { WITH_HOSTS } from '../lib/servers.js';
import { startWrk } from '../lib/wrk.js';
import { epochNs, log, percentile, sleep } from '../lib/util.js';
import type { BenchContext } from './context.js';
import { workloads } from './overhead.js';

export interface LatencyCondition {
  name: 'idle' | 'loaded';
  requests: number;
  matched: number;
  /** Client's last read → line seen in the file. */
  endToRecordMs: Dist;
  /** Kernel time of the last byte (record end_time) → line seen in the file. */
  kernelToRecordMs: Dist;
  /** Kernel time of the last byte → client's last read returned (clock cross-check; small and positive). */
  kernelToClientMs: Dist;
  samplesMs: number[];
  backgroundRps?: number;
}

export interface Dist {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function dist(v: number[]): Dist {
  return { p50: percentile(v, 50), p90: percentile(v, 90), p99: percentile(v, 99), max: v.length ? Math.max(...v) : NaN };
}

/** ISO-8601 with microseconds ("…T12:00:00.123456Z") → epoch ns. */
export function isoToEpochNs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return NaN;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return Date.parse(`${m[1]}Z`) * 1e6 + Number(frac);
}

/** Tails a JSONL file: every complete line is stamped with the wall time it was read. */
class Tail {
  private fd: number;
  private offset = 0;
  private partial = '';
  readonly seen = new Map<string, { seenNs: number; endNs: number }>();
  private watcher: ReturnType<typeof watch>;
  private poll: NodeJS.Timeout;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.watcher = watch(path, () => this.read());
    // inotify is the fast path; a slow poll only guards against a missed event.
    this.poll = setInterval(() => this.read(), 50);
  }

  read(): void {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n <= 0) break;
      const now = epochNs();
      this.offset += n;
      const text = this.partial + buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        const marker = /\[(lat-[a-z]+-\d+)\]/.exec(line)?.[1];
        const end = /"end_time":"([^"]+)"/.exec(line)?.[1];
        if (marker && !this.seen.has(marker)) this.seen.set(marker, { seenNs: now, endNs: end ? isoToEpochNs(end) : NaN });
      }
    }
  }

  close(): void {
    this.read();
    this.watcher.close();
    clearInterval(this.poll);
    closeSync(this.fd);
  }
}

async function runClient(ctx: BenchContext, prefix: string, count: number): Promise<Array<{ marker: string; t_end_ns: number }>> {
  const spec = { host: 'api.openai.com', port: ctx.caddy.port, cafile: ctx.pki.certPath, count, interval_ms: 20, prefix };
  const child = spawn(WITH_HOSTS, [ctx.hostsFile, 'python3', join(ctx.benchSrc, 'clients', 'latency.py'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`latency client failed (${code}): ${err}`);
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { marker: string; t_end_ns: number });
}

export async function runLatency(ctx: BenchContext, agentEnv: Record<string, string> = {}): Promise<LatencyCondition[]> {
  const out: LatencyCondition[] = [];
  for (const name of ['idle', 'loaded'] as const) {
    const jsonl = join(ctx.workDir, `latency-${name}.jsonl`);
    writeFileSync(jsonl, '');
    const agent = await startAgent({ jsonlPath: jsonl, waitFor: [/attached openssl probes to \S*libssl\.so/], env: agentEnv });
    const tail = new Tail(jsonl);
    let backgroundRps: number | undefined;
    try {
      await sleep(500);
      const count = ctx.config.latencyRequests;
      let bg: ReturnType<typeof startWrk> | null = null;
      if (name === 'loaded') {
        const w = workloads(ctx)[0]!;
        // A paced LLM-shaped load (2 connections, 30 ms think time), well inside what the agent
        // keeps up with; a saturating load measures queueing instead (section 1 covers that).
        // Outlasts the client; interrupted as soon as the client is done.
        bg = startWrk({ hostsFile: ctx.hostsFile, script: w.script, url: w.url, threads: 1, connections: 2, durationS: 600, env: { BENCH_RUN: 'latbg', BENCH_DELAY_MS: '30' } });
        await sleep(500);
      }
      log(`latency ${name}: ${count} requests`);
      const client = await runClient(ctx, `lat-${name}`, count);
      await sleep(300);
      tail.read();
      if (bg) {
        bg.interrupt();
        backgroundRps = (await bg.done).requestsPerSec;
      }
      const e2r: number[] = [];
      const k2r: number[] = [];
      const k2c: number[] = [];
      for (const c of client) {
        const s = tail.seen.get(c.marker);
        if (!s) continue;
        e2r.push((s.seenNs - c.t_end_ns) / 1e6);
        if (Number.isFinite(s.endNs)) {
          k2r.push((s.seenNs - s.endNs) / 1e6);
          k2c.push((c.t_end_ns - s.endNs) / 1e6);
        }
      }
      const cond: LatencyCondition = {
        name,
        requests: client.length,
        matched: e2r.length,
        endToRecordMs: dist(e2r),
        kernelToRecordMs: dist(k2r),
        kernelToClientMs: dist(k2c),
        samplesMs: e2r,
        ...(backgroundRps !== undefined ? { backgroundRps } : {}),
      };
      log(`latency ${name}: matched ${cond.matched}/${cond.requests}, p50 ${cond.endToRecordMs.p50.toFixed(2)} ms, p99 ${cond.endToRecordMs.p99.toFixed(2)} ms`);
      out.push(cond);
    } finally {
      tail.close();
      await agent.stop();
    }
  }
  return out;
}
