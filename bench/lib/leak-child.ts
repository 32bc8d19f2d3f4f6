/**
 * The 1M-exchange leak check, in its own process so nothing else shares its heap: synthetic
 * sensor output (bench/lib/recording.ts SyntheticTraffic: keep-alive connections of small chat
 * completions, connection and process churn) through one long-lived Pipeline with the agent's
 * default options and a JSONL-encoding sink, sweeping once per 10K exchanges as the agent does
 * once a second. Every `every` exchanges it forces a GC (run with --expose-gc) and prints one JSON
 * line: exchanges, RSS, heap used, external and array-buffer bytes, CPU seconds.
 *
 * Usage: node --expose-gc leak-child.js TOTAL EVERY
 */
import { Pipeline } from '../../src/agent/pipeline.js';
import { RecordDecoder } from '../../src/sensor/decode.js';
import { SyntheticTraffic } from './recording.js';
import { CountingJsonlSink, agentPipelineOptions } from './replay.js';

const total = Number(process.argv[2] ?? 1_000_000);
const every = Number(process.argv[3] ?? 50_000);
const gc = (globalThis as { gc?: () => void }).gc;

const sink = new CountingJsonlSink();
const pipeline = new Pipeline(sink, agentPipelineOptions(true));
const decoder = new RecordDecoder();
const traffic = new SyntheticTraffic(10, 1000);
const c0 = process.cpuUsage();
const t0 = performance.now();
let exchanges = 0;
let nextSample = 0;
let nextSweep = 10_000;
let payloadBytes = 0;

function sample(): void {
  gc?.();
  const m = process.memoryUsage();
  const c = process.cpuUsage(c0);
  process.stdout.write(
    `${JSON.stringify({ exchanges, records: sink.records, rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers, cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000, connections: pipeline.connections.size, processes: pipeline.processes.size })}\n`,
  );
}

while (exchanges < total) {
  if (exchanges >= nextSample) {
    sample();
    nextSample += every;
  }
  const { bytes, exchanges: n } = traffic.nextConnection();
  payloadBytes += bytes.length;
  decoder.push(bytes, (r) => pipeline.handle(r));
  exchanges += n;
  if (exchanges >= nextSweep) {
    pipeline.sweep();
    nextSweep += 10_000;
  }
}
sample();
process.stdout.write(`${JSON.stringify({ done: true, exchanges, records: sink.records, recordingBytes: payloadBytes })}\n`);
