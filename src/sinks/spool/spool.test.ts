import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { droppedCount } from '../../telemetry/internal-events.js';
import { OspreyError } from '../../util/errors.js';
import { makeRecord } from '../testdata/records.js';
import { Spool } from './spool.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const line = (n: number): string => JSON.stringify(makeRecord(n));
const segments = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('segment-')).sort();

/** Takes every waiting chunk, acking it, and returns the span ids in order. */
async function drainAll(spool: Spool, ack = true): Promise<string[]> {
  const ids: string[] = [];
  for (let c = await spool.next(); c; c = await spool.next()) {
    for (const l of await spool.load(c)) ids.push((JSON.parse(l) as { span_id: string }).span_id);
    if (ack) await spool.ack(c);
  }
  return ids;
}

test('spool: appends are durable lines; an acknowledged segment is deleted', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open({ dir, name: 'test' });
  await spool.append([line(0), line(1)]);
  await spool.append([line(2)]);
  const files = segments(dir);
  assert.equal(files.length, 1);
  assert.equal(readFileSync(join(dir, files[0]!), 'utf8'), `${line(0)}\n${line(1)}\n${line(2)}\n`);
  assert.equal(spool.stats().pendingRecords, 3);
  const ids = await drainAll(spool);
  assert.equal(ids.length, 3);
  assert.deepEqual(segments(dir), [], 'fully acknowledged segment removed');
  assert.equal(spool.stats().bytes, 0);
  await spool.close();
});

test('spool: what was not acknowledged is replayed by the next open, oldest first', async (t) => {
  const dir = tempDir(t);
  const a = Spool.open({ dir, name: 'test', segmentMaxBytes: 4096 });
  for (let n = 0; n < 40; n++) await a.append([line(n)]);
  const first = await a.next();
  await a.ack(first!); // record 0 acknowledged; its segment still holds unacknowledged ones
  await a.close();
  assert.ok(segments(dir).length > 1, 'several segments');
  const b = Spool.open({ dir, name: 'test', replayBatchSize: 7 });
  const ids = await drainAll(b);
  // At least once: record 0 may come again (its segment was not fully acknowledged), the rest exactly once, in order.
  const expected = Array.from({ length: 40 }, (_, n) => makeRecord(n).span_id);
  assert.deepEqual(ids.filter((id) => id !== expected[0]), expected.slice(1));
  assert.deepEqual(segments(dir), []);
  await b.close();
});

test('spool: past the cap, the oldest segment is dropped and its records counted', async (t) => {
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'spool_full');
  const one = line(0).length + 1;
  const spool = Spool.open({ dir, name: 'test', maxBytes: one * 20, segmentMaxBytes: one * 4 });
  for (let n = 0; n < 60; n++) await spool.append([line(n)]);
  const st = spool.stats();
  assert.ok(st.bytes <= one * 20, `spool within its cap (${st.bytes})`);
  const ids = await drainAll(spool);
  const dropped = (await droppedCount('sink', 'spool_full')) - before;
  assert.equal(ids.length + dropped, 60, 'every record is either still there or counted as dropped');
  assert.ok(dropped >= 40, `dropped ${dropped}`);
  // What survives is the newest, in order.
  assert.deepEqual(ids, Array.from({ length: 60 - dropped }, (_, i) => makeRecord(dropped + i).span_id));
  await spool.close();
});

test('spool: the cap also applies to segments left by an earlier run (counted by reading them)', async (t) => {
  const dir = tempDir(t);
  const before = await droppedCount('sink', 'spool_full');
  const one = line(0).length + 1;
  const a = Spool.open({ dir, name: 'test', maxBytes: one * 100, segmentMaxBytes: one * 5 });
  for (let n = 0; n < 10; n++) await a.append([line(n)]);
  await a.close();
  const b = Spool.open({ dir, name: 'test', maxBytes: one * 12, segmentMaxBytes: one * 5 });
  for (let n = 10; n < 20; n++) await b.append([line(n)]);
  const ids = await drainAll(b);
  const dropped = (await droppedCount('sink', 'spool_full')) - before;
  assert.equal(ids.length + dropped, 20);
  assert.ok(ids.includes(makeRecord(19).span_id) && !ids.includes(makeRecord(0).span_id));
  await b.close();
});

test('spool: a torn last line (kill -9 mid-write) and a garbage line are skipped and counted, never a crash', async (t) => {
  const dir = tempDir(t);
  const tornBefore = await droppedCount('sink', 'spool_torn');
  const corruptBefore = await droppedCount('sink', 'spool_corrupt');
  writeFileSync(join(dir, 'segment-000000000001.jsonl'), `${line(0)}\n{"not":"a record"}\n${line(1)}\n`);
  appendFileSync(join(dir, 'segment-000000000001.jsonl'), line(2).slice(0, 57));
  writeFileSync(join(dir, 'segment-000000000002.jsonl'), `${line(3)}\n\u0000\u0000\u0000\u0000\n${line(4)}\n`);
  writeFileSync(join(dir, 'segment-000000000003.jsonl'), ''); // created, never written
  const spool = Spool.open({ dir, name: 'test' });
  const ids = await drainAll(spool);
  assert.deepEqual(ids, [0, 1, 3, 4].map((n) => makeRecord(n).span_id));
  assert.equal((await droppedCount('sink', 'spool_torn')) - tornBefore, 2);
  assert.equal((await droppedCount('sink', 'spool_corrupt')) - corruptBefore, 1);
  // New appends never go into a segment of an earlier run.
  await spool.append([line(5)]);
  assert.deepEqual(segments(dir), ['segment-000000000004.jsonl']);
  await spool.close();
});

test('spool: past the memory cache, batches are read back from disk', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open({ dir, name: 'test', maxCachedBytes: 1 });
  await spool.append([line(0), line(1)]);
  const c = await spool.next();
  assert.equal(c!.lines, null, 'not cached');
  assert.deepEqual(await spool.load(c!), [line(0), line(1)]);
  spool.requeue(c!);
  const again = await spool.next();
  assert.equal(again, c, 'a requeued chunk is next again');
  await spool.close();
});

test('spool: a requeue after a partial delivery keeps only what is owed', async (t) => {
  const dir = tempDir(t);
  const spool = Spool.open({ dir, name: 'test' });
  await spool.append([line(0), line(1), line(2)]);
  const c = await spool.next();
  spool.requeue(c!, [line(2)]);
  assert.equal(spool.stats().pendingRecords, 1);
  assert.deepEqual(await drainAll(spool), [makeRecord(2).span_id]);
  await spool.close();
});

test('spool: one owner per directory; a dead owner’s lock is taken over', async (t) => {
  const dir = tempDir(t);
  const a = Spool.open({ dir, name: 'test' });
  assert.throws(
    () => Spool.open({ dir, name: 'test' }),
    (e: unknown) => e instanceof OspreyError && e.code === 'OSP_ERR_SPOOL_LOCKED' && e.message.includes(dir),
  );
  await a.close();
  writeFileSync(join(dir, 'lock'), '999999999\n'); // no such pid
  const b = Spool.open({ dir, name: 'test' });
  await b.close();
});

test('spool: a lock naming our own pid (a restarted container agent gets the same pid) is stale, not ours', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'lock'), `${process.pid}\n`);
  const a = Spool.open({ dir, name: 'test' });
  assert.throws(() => Spool.open({ dir, name: 'test' }), (e: unknown) => e instanceof OspreyError && e.code === 'OSP_ERR_SPOOL_LOCKED');
  await a.close();
});

test('spool: a lock naming a live process that is not an agent (pid reused) is stale', async (t) => {
  const dir = tempDir(t);
  const sleeper = spawn('sleep', ['30']);
  t.after(() => sleeper.kill());
  writeFileSync(join(dir, 'lock'), `${sleeper.pid}\n`);
  const a = Spool.open({ dir, name: 'test' });
  await a.close();
});

test('spool: an uncreatable directory fails with a clear error', () => {
  assert.throws(
    () => Spool.open({ dir: '/dev/null/osprey/spool', name: 'test' }),
    (e: unknown) => e instanceof OspreyError && e.code === 'OSP_ERR_SPOOL_OPEN' && e.message.includes('/dev/null/osprey/spool'),
  );
});
