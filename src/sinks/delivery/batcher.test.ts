import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from './batcher.js';

/** A consumer that records batches; `gate` makes it wait until released. */
function consumer() {
  const batches: string[][] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  return {
    batches,
    onBatch: async (items: string[]) => {
      batches.push(items);
      if (gate) await gate;
    },
    block() {
      gate = new Promise((r) => (open = r));
    },
    unblock() {
      gate = null;
      open();
    },
  };
}

/** Lets pending promise chains settle (setImmediate is not faked: only setTimeout is). */
const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('batcher: a full batch leaves at once; a partial one after scheduledDelayMs (fake timers)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const c = consumer();
  const b = new Batcher<string>({ maxBatchSize: 3, scheduledDelayMs: 1000, sizeOf: (s) => s.length, onBatch: c.onBatch });
  for (const s of ['a', 'b', 'c', 'd']) b.add(s);
  await flushMicrotasks();
  assert.deepEqual(c.batches, [['a', 'b', 'c']]);
  t.mock.timers.tick(999);
  await flushMicrotasks();
  assert.equal(c.batches.length, 1, 'd waits for its batch to fill or age');
  t.mock.timers.tick(1);
  await flushMicrotasks();
  assert.deepEqual(c.batches, [['a', 'b', 'c'], ['d']]);
});

test('batcher: byte limit cuts batches; a single oversize item still leaves alone', async () => {
  const c = consumer();
  const b = new Batcher<string>({ maxBatchSize: 100, maxBatchBytes: 10, sizeOf: (s) => s.length, onBatch: c.onBatch });
  for (const s of ['aaaa', 'bbbb', 'cccc', 'dddddddddddddddd', 'e']) b.add(s);
  await b.forceFlush();
  assert.deepEqual(c.batches, [['aaaa', 'bbbb'], ['cccc'], ['dddddddddddddddd'], ['e']]);
});

test('batcher: bounded queue drops and counts while the consumer is stuck', async () => {
  const c = consumer();
  const drops: Array<[number, string]> = [];
  const b = new Batcher<string>({ maxBatchSize: 2, maxQueueSize: 4, sizeOf: () => 1, onBatch: c.onBatch, onDrop: (n, r) => drops.push([n, r]) });
  c.block();
  for (let i = 0; i < 2; i++) b.add(`x${i}`); // leaves as a batch, consumer now stuck
  await flushMicrotasks();
  for (let i = 2; i < 10; i++) b.add(`x${i}`);
  assert.equal(b.queued, 4);
  assert.equal(b.dropped, 4);
  assert.deepEqual(drops, Array(4).fill([1, 'queue_full']));
  c.unblock();
  await b.forceFlush();
  assert.deepEqual(c.batches.flat(), ['x0', 'x1', 'x2', 'x3', 'x4', 'x5']);
});

test('batcher: forceFlush waits for what was queued; shutdown is idempotent and refuses later items', async () => {
  const c = consumer();
  const drops: string[] = [];
  const b = new Batcher<string>({ sizeOf: () => 1, onBatch: c.onBatch, onDrop: (_n, r) => drops.push(r) });
  b.add('a');
  await b.forceFlush();
  assert.deepEqual(c.batches, [['a']]);
  await b.forceFlush(); // nothing queued: resolves
  b.add('b');
  const s1 = b.shutdown();
  assert.equal(b.shutdown(), s1);
  await s1;
  assert.equal(b.add('c'), false);
  assert.deepEqual(c.batches, [['a'], ['b']]);
  assert.deepEqual(drops, ['after_close']);
});

test('batcher: a failing consumer is reported and does not stop later batches', async () => {
  const errors: unknown[] = [];
  const seen: string[][] = [];
  const b = new Batcher<string>({
    maxBatchSize: 1,
    sizeOf: () => 1,
    onBatch: async (items) => {
      seen.push(items);
      if (items[0] === 'bad') throw new Error('boom');
    },
    onError: (e) => errors.push(e),
  });
  b.add('bad');
  b.add('good');
  await b.forceFlush();
  assert.deepEqual(seen, [['bad'], ['good']]);
  assert.equal(errors.length, 1);
});

test('batcher: the timer does not keep the process alive (unref)', () => {
  const spy = mock.method(globalThis, 'setTimeout');
  const b = new Batcher<string>({ sizeOf: () => 1, onBatch: async () => undefined });
  b.add('a');
  const timer = spy.mock.calls[0]?.result as NodeJS.Timeout;
  assert.equal(timer.hasRef(), false);
  clearTimeout(timer);
  spy.mock.restore();
});
