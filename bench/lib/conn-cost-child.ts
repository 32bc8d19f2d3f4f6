/**
 * What one idle connection costs the pipeline: N connections, each with SNI and one small chat
 * completion (as bench/clients/idle-conns.ts makes), fed as loader records to one Pipeline and
 * left open; heap and array-buffer bytes after a forced GC, before and after, divided by N. With
 * `--release-empty`, ByteStream is patched to drop its buffer once everything in it was consumed
 * (a what-if for the report's proposed fix; the module is found wherever the build has it).
 *
 * Usage: node --expose-gc conn-cost-child.js N [--release-empty]
 */
import { existsSync } from 'node:fs';
import { Pipeline } from '../../src/agent/pipeline.js';
import { RecordDecoder } from '../../src/sensor/decode.js';
import { dataRecords, sniRecord } from '../../test/helpers/sensor-records.js';
import { CountingJsonlSink, agentPipelineOptions } from './replay.js';

const n = Number(process.argv[2] ?? 10_000);
const releaseEmpty = process.argv.includes('--release-empty');
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

if (releaseEmpty) {
  const candidates = ['../../src/util/byte-stream.js', '../../src/stream/byte-stream.js'].map((p) => new URL(p, import.meta.url));
  const url = candidates.find((u) => existsSync(u));
  if (!url) throw new Error('ByteStream module not found');
  const mod = (await import(url.href)) as { ByteStream: { prototype: { consume(n: number): void } } };
  const proto = mod.ByteStream.prototype as unknown as { consume(n: number): void; length: number; buf: Buffer };
  const original = proto.consume;
  proto.consume = function (this: { length: number; buf: Buffer }, k: number): void {
    original.call(this, k);
    if (this.length === 0 && this.buf.length > 0) this.buf = Buffer.alloc(0);
  };
}

const sink = new CountingJsonlSink();
const pipeline = new Pipeline(sink, agentPipelineOptions(true));
const decoder = new RecordDecoder();
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping [idle-1]' }], max_tokens: 8 });
const req = Buffer.from(
  `POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nAuthorization: Bearer sk-bench-0000000000000000000000000000\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
);
const rb = '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}';
const res = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${rb.length}\r\n\r\n${rb}`);

gc();
const before = process.memoryUsage();
const t = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const id = { tgid: 4_000_001, startNs: 5n, conn: 0x7f0000000000n + BigInt(i) * 0x1000n };
  decoder.push(Buffer.concat([sniRecord(id, 'api.openai.com', t), ...dataRecords(id, 'egress', 0, req, t), ...dataRecords(id, 'ingress', 0, res, t)]), (r) => pipeline.handle(r));
}
gc();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    connections: pipeline.connections.size,
    records: sink.records,
    heapBytesPerConnection: (after.heapUsed - before.heapUsed) / n,
    arrayBufferBytesPerConnection: (after.arrayBuffers - before.arrayBuffers) / n,
    rssDeltaMB: (after.rss - before.rss) / 2 ** 20,
  })}\n`,
);
