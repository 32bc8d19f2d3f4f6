import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LlmCall } from '../telemetry/llm-call.js';
import { createFanoutSink } from './fanout.js';
import { InMemorySink } from './memory.js';
import { makeRecord } from './testdata/records.js';
import type { Sink } from './types.js';

test('fanout: every sink gets every record; flush and close reach all; close is idempotent', async () => {
  const a = new InMemorySink();
  const b = new InMemorySink();
  const sink = createFanoutSink([
    { name: 'a', sink: a },
    { name: 'b', sink: b },
  ]);
  for (let n = 0; n < 3; n++) sink.write(makeRecord(n));
  await sink.flush();
  assert.equal(a.records.length, 3);
  assert.deepEqual(b.records, a.records);
  assert.equal(a.flushes + b.flushes, 2);
  const c = sink.close();
  assert.equal(sink.close(), c);
  await c;
  assert.equal(a.closes + b.closes, 2);
});

test('fanout: a sink that throws or fails does not stop the others; the failure is reported', async () => {
  const good = new InMemorySink();
  const bad: Sink = {
    write(_r: LlmCall) {
      throw new Error('boom');
    },
    flush: () => Promise.reject(new Error('disk full')),
    close: () => Promise.reject(new Error('disk full')),
  };
  const sink = createFanoutSink([
    { name: 'bad', sink: bad },
    { name: 'good', sink: good },
  ]);
  sink.write(makeRecord(0));
  assert.equal(good.records.length, 1);
  await assert.rejects(sink.flush(), (e: unknown) => e instanceof AggregateError && /bad: disk full/.test(e.message));
  await assert.rejects(sink.close());
  assert.equal(good.closes, 1, 'the good sink is closed even though another failed');
});

test('fanout: a single sink is used as is', () => {
  const a = new InMemorySink();
  assert.equal(createFanoutSink([{ name: 'a', sink: a }]), a);
});
