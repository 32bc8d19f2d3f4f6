import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteStream } from './byte-stream.js';

test('contiguous chunks build one head; consume advances the position', () => {
  const s = new ByteStream({ maxCapacity: 1024 });
  assert.equal(s.add(100, Buffer.from('hello '), 1), 'ok');
  assert.equal(s.add(106, Buffer.from('world'), 2), 'ok');
  assert.equal(s.head().toString(), 'hello world');
  assert.equal(s.position, 100);
  s.consume(6);
  assert.equal(s.position, 106);
  assert.equal(s.head().toString(), 'world');
  assert.equal(s.timeAt(106), 2);
});

test('a position jump is a gap: held bytes are dropped, never glued to later ones', () => {
  const s = new ByteStream({ maxCapacity: 1024 });
  s.add(0, Buffer.from('abc'), 1);
  assert.equal(s.add(10, Buffer.from('xyz'), 2), 'gap');
  assert.equal(s.head().toString(), 'xyz');
  assert.equal(s.position, 10);
});

test('going backwards (kernel restarted its count) is also a discontinuity', () => {
  const s = new ByteStream({ maxCapacity: 1024 });
  s.add(50, Buffer.from('abc'), 1);
  assert.equal(s.add(0, Buffer.from('new'), 2), 'gap');
  assert.equal(s.head().toString(), 'new');
});

test('over capacity resets the stream after the offending chunk', () => {
  const s = new ByteStream({ maxCapacity: 8 });
  s.add(0, Buffer.from('12345'), 1);
  assert.equal(s.add(5, Buffer.from('67890'), 2), 'over_capacity');
  assert.equal(s.length, 0);
  assert.equal(s.add(10, Buffer.from('ok'), 3), 'ok');
  assert.equal(s.head().toString(), 'ok');
});

test('timeAt answers the time of the chunk that carried a byte', () => {
  const s = new ByteStream({ maxCapacity: 1 << 20 });
  for (let i = 0; i < 100; i++) s.add(i * 10, Buffer.alloc(10, i), 1000 + i);
  assert.equal(s.timeAt(0), 1000);
  assert.equal(s.timeAt(9), 1000);
  assert.equal(s.timeAt(10), 1001);
  assert.equal(s.timeAt(999), 1099);
  s.consume(505);
  assert.equal(s.timeAt(505), 1050);
  assert.equal(s.head()[0], 50);
});

test('many small appends and consumes keep the content exact (growth and compaction)', () => {
  const s = new ByteStream({ maxCapacity: 1 << 20 });
  let expected = '';
  let pos = 0;
  for (let i = 0; i < 2000; i++) {
    const piece = `${i},`;
    s.add(pos, Buffer.from(piece), i);
    pos += piece.length;
    expected += piece;
    if (i % 3 === 0) {
      const n = Math.min(5, expected.length);
      s.consume(n);
      expected = expected.slice(n);
    }
    assert.equal(s.head().toString(), expected);
  }
});
