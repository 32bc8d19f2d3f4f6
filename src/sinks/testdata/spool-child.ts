/**
 * Child process for the kill -9 test: writes records into an HTTP sink with a spool dir, in bursts,
 * and prints `synced <n>` once the first n records are fsync'd in the spool; then `done`, and
 * idles until the test kills it. Usage: node spool-child.js <spoolDir> <serverUrl> <total> <burst>
 */
import { createHttpSink } from '../http/sink.js';
import { makeRecord } from './records.js';

const [spoolDir, server, totalArg, burstArg] = process.argv.slice(2);
const total = Number(totalArg);
const burst = Number(burstArg ?? 50);
const sink = createHttpSink({
  server: server!,
  token: 'test-token',
  spoolDir: spoolDir!,
  batch: { maxBatchSize: 32, scheduledDelayMs: 20 },
  retry: { initialBackoffMs: 20, maxBackoffMs: 100 },
  holdMs: 50,
});
for (let n = 0; n < total; ) {
  const end = Math.min(total, n + burst);
  for (; n < end; n++) sink.write(makeRecord(n));
  await sink.sync();
  process.stdout.write(`synced ${n}\n`);
}
process.stdout.write('done\n');
setInterval(() => undefined, 1000);
