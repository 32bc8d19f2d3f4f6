/**
 * The user-space pipeline in this process, fed from memory: the loader's byte stream is cut into
 * 1 MiB reads (as the agent's pipe and `osprey replay` deliver it), decoded by the real
 * RecordDecoder and handled by a real Pipeline whose sink encodes every record as a JSONL line
 * (the agent's default sink, minus the file write). No kernel, no disk.
 */
import { Session } from 'node:inspector';
import { Pipeline, pipelineOptionsFrom, type PipelineOptions } from '../../src/agent/pipeline.js';
import { DEFAULT_AGENT_CONFIG } from '../../src/config/agent-config.js';
import { RecordDecoder } from '../../src/sensor/decode.js';
import { encodeJsonlLine } from '../../src/sinks/jsonl/encoder.js';
import type { Sink } from '../../src/sinks/types.js';
import type { LlmCall } from '../../src/telemetry/llm-call.js';

const READ_BYTES = 1 << 20;

export class CountingJsonlSink implements Sink {
  records = 0;
  bytes = 0;
  write(record: LlmCall): void {
    this.records++;
    this.bytes += encodeJsonlLine(record).length;
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export function agentPipelineOptions(guardrails: boolean): Partial<PipelineOptions> {
  const opts = pipelineOptionsFrom(DEFAULT_AGENT_CONFIG);
  return guardrails ? opts : { ...opts, guardrails: null };
}

/** One pass over a recording through a fresh pipeline; returns the records it emitted. */
export function replayOnce(buf: Buffer, opts: Partial<PipelineOptions>): number {
  const sink = new CountingJsonlSink();
  const pipeline = new Pipeline(sink, opts);
  const decoder = new RecordDecoder();
  for (let off = 0; off < buf.length; off += READ_BYTES) {
    decoder.push(buf.subarray(off, Math.min(buf.length, off + READ_BYTES)), (r) => pipeline.handle(r));
  }
  pipeline.drain();
  return sink.records;
}

export interface ReplayThroughput {
  passes: number;
  exchangesPerPass: number;
  wallS: number;
  cpuS: number;
  exchangesPerSecWall: number;
  /** Exchanges per CPU-second of this process (user + system, all threads): the per-core rate. */
  exchangesPerCpuSecond: number;
  /** Plaintext MB (10^6 bytes) per CPU-second. */
  plaintextMBPerCpuSecond: number;
  recordingMBPerCpuSecond: number;
}

/** Replays the recording repeatedly (fresh pipeline per pass) until `minCpuS` of CPU was spent, after one warm-up pass. */
export function measureReplay(buf: Buffer, payloadBytes: number, opts: Partial<PipelineOptions>, minCpuS: number): ReplayThroughput {
  const exchangesPerPass = replayOnce(buf, opts); // warm-up: JIT, caches
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let passes = 0;
  let cpuS = 0;
  do {
    replayOnce(buf, opts);
    passes++;
    const c = process.cpuUsage(c0);
    cpuS = (c.user + c.system) / 1e6;
  } while (cpuS < minCpuS);
  const wallS = (performance.now() - t0) / 1000;
  const exchanges = passes * exchangesPerPass;
  return {
    passes,
    exchangesPerPass,
    wallS,
    cpuS,
    exchangesPerSecWall: exchanges / wallS,
    exchangesPerCpuSecond: exchanges / cpuS,
    plaintextMBPerCpuSecond: (passes * payloadBytes) / 1e6 / cpuS,
    recordingMBPerCpuSecond: (passes * buf.length) / 1e6 / cpuS,
  };
}

/** A V8 CPU profile of `fn` taken in this process (the inspector's sampling profiler). */
export async function profileInProcess(fn: () => void): Promise<unknown> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    fn();
  } finally {
    // stop below
  }
  const res = (await post('Profiler.stop')) as { profile: unknown };
  session.disconnect();
  return res.profile;
}
