import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmCall } from '../../telemetry/llm-call.js';
import { OspreyError } from '../../util/errors.js';
import { createJsonlSink } from './sink.js';

function record(n: number): LlmCall {
  return {
    kind: 'llm_call',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: `00f067aa0ba902b${n % 10}`,
    parent_span_id: null,
    name: 'chat gpt-4o-mini',
    start_time: '2026-11-28T19:38:11.123456Z',
    end_time: '2026-11-28T19:38:12.000001Z',
    attributes: {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'osprey.stream': n % 2 === 0,
      'gen_ai.usage.input_tokens': n,
      // A newline inside content must not split the record across lines.
      'gen_ai.output.messages': [{ role: 'assistant', parts: [{ type: 'text', content: `line one\nline two ${n}` }], finish_reason: 'stop' }],
    },
  };
}

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-jsonl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'calls.jsonl');
}

const readLines = (path: string): unknown[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

test('jsonl: one record per line, appended to what the file already holds', async (t) => {
  const path = tempFile(t);
  writeFileSync(path, `${JSON.stringify(record(0))}\n`);
  const sink = createJsonlSink(path);
  for (let n = 1; n <= 3; n++) sink.write(record(n));
  await sink.close();
  assert.deepEqual(readLines(path), [record(0), record(1), record(2), record(3)]);
  assert.equal(sink.droppedRecords, 0);
});

test('jsonl: flush makes everything written so far readable, without closing', async (t) => {
  const path = tempFile(t);
  const sink = createJsonlSink(path);
  for (let n = 0; n < 1000; n++) sink.write(record(n));
  await sink.flush();
  assert.equal(readLines(path).length, 1000);
  sink.write(record(1000));
  await sink.flush();
  assert.equal(readLines(path).length, 1001);
  await sink.close();
});

test('jsonl: close is idempotent, and records written after it are dropped and counted', async (t) => {
  const path = tempFile(t);
  const sink = createJsonlSink(path);
  sink.write(record(1));
  const first = sink.close();
  assert.equal(sink.close(), first);
  await first;
  sink.write(record(2));
  await sink.close();
  assert.deepEqual(readLines(path), [record(1)]);
  assert.equal(sink.droppedRecords, 1);
});

test('jsonl: over the buffer bound, records are dropped and counted instead of queued', async (t) => {
  const path = tempFile(t);
  const sink = createJsonlSink(path, { maxBufferedBytes: 1 });
  // The first record is accepted (nothing is queued yet), the next ones in the same tick are over the bound.
  for (let n = 0; n < 5; n++) sink.write(record(n));
  await sink.close();
  assert.deepEqual(readLines(path), [record(0)]);
  assert.equal(sink.droppedRecords, 4);
});

test('jsonl: an unopenable path fails at creation with a clear message', (t) => {
  const path = join(tempFile(t), 'no-such-dir', 'calls.jsonl');
  assert.throws(
    () => createJsonlSink(path),
    (err: unknown) => err instanceof OspreyError && err.code === 'OSP_ERR_SINK_OPEN' && err.message.includes(path),
  );
});

test('jsonl: "-" writes to stdout and close leaves stdout open for others', () => {
  const sinkUrl = new URL('./sink.js', import.meta.url).href;
  const script = `
    import { createJsonlSink } from ${JSON.stringify(sinkUrl)};
    const sink = createJsonlSink('-');
    sink.write({ kind: 'llm_call', n: 1 });
    sink.write({ kind: 'llm_call', n: 2 });
    await sink.close();
    process.stdout.write('still open\\n');
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out, '{"kind":"llm_call","n":1}\n{"kind":"llm_call","n":2}\nstill open\n');
});

test('jsonl: a failing destination rejects flush and close instead of crashing or hanging', async () => {
  // /dev/full opens fine and fails every write with ENOSPC, like a full disk.
  const sink = createJsonlSink('/dev/full');
  sink.write(record(1));
  await assert.rejects(sink.flush(), { code: 'ENOSPC' });
  sink.write(record(2));
  assert.equal(sink.droppedRecords, 1);
  await assert.rejects(sink.close(), { code: 'ENOSPC' });
});
