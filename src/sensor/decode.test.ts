import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordDecoder } from './decode.js';
import type { SensorRecord } from './records.js';
import { closeRecord, connRecord, dataRecord, execRecord, sniRecord } from '../../test/helpers/sensor-records.js';
import { splitAt } from '../../test/helpers/fixtures.js';
import { droppedCount } from '../telemetry/internal-events.js';

const id = { tgid: 4242, tid: 4243, startNs: 123456789n, conn: 0x7f00deadbeefn };

function transcript(): Buffer {
  return Buffer.concat([
    execRecord(4242, 123456789n, 'python3', '/usr/bin/python3', 1000n),
    sniRecord(id, 'api.openai.com', 1001n),
    connRecord(id, ['10.0.0.2', 40000], ['203.0.113.7', 443], 1002n),
    dataRecord(id, 'egress', 0, Buffer.from('POST /v1/chat/completions HTTP/1.1\r\n'), 1003n),
    dataRecord(id, 'ingress', 0, Buffer.alloc(16384, 0x61), 1004n, false),
    closeRecord(id, 1005n),
  ]);
}

/** Decodes and keeps copies (payload views are only valid during the callback). */
function decodeAll(pieces: Buffer[]): SensorRecord[] {
  const d = new RecordDecoder();
  const out: SensorRecord[] = [];
  for (const p of pieces) d.push(p, (r) => out.push(r.kind === 'data' ? { ...r, payload: Buffer.from(r.payload) } : r));
  return out;
}

test('decodes every record kind with its fields', () => {
  const rs = decodeAll([transcript()]);
  assert.deepEqual(rs.map((r) => r.kind), ['exec', 'sni', 'conn', 'data', 'data', 'close']);
  const [exec, sni, conn, egress, ingress] = rs;
  assert.deepEqual(exec, { kind: 'exec', ktimeNs: 1000n, tgid: 4242, ppid: 1, startNs: 123456789n, uid: 0, comm: 'python3', filename: '/usr/bin/python3', commandLine: 'python3 agent.py --fast', commandLineTruncated: false });
  assert.equal(sni?.kind === 'sni' && sni.serverName, 'api.openai.com');
  assert.ok(conn?.kind === 'conn');
  assert.equal(conn.remoteAddress, '203.0.113.7');
  assert.equal(conn.remotePort, 443);
  assert.equal(conn.localAddress, '10.0.0.2');
  assert.equal(conn.localPort, 40000);
  assert.deepEqual(conn.id, id);
  assert.ok(egress?.kind === 'data' && ingress?.kind === 'data');
  assert.equal(egress.payload.toString(), 'POST /v1/chat/completions HTTP/1.1\r\n');
  assert.equal(egress.direction, 'egress');
  assert.equal(egress.lastChunk, true);
  assert.equal(ingress.direction, 'ingress');
  assert.equal(ingress.payload.length, 16384);
  assert.equal(ingress.lastChunk, false);
});

test('the same records come out wherever the reads split the stream', () => {
  const bytes = transcript();
  const whole = decodeAll([bytes]);
  for (let cut = 1; cut < bytes.length; cut += 7) {
    assert.deepEqual(decodeAll(splitAt(bytes, [cut])), whole, `cut at ${cut}`);
  }
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
      assert.deepEqual(decodeAll(splitAt(bytes, [...cuts].sort((a, b) => a - b))), whole);
    }),
    { seed: 42, numRuns: 200 },
  );
});

test('an unknown kind is counted and skipped; the stream goes on', async () => {
  const bogus = Buffer.alloc(24);
  bogus.writeUInt16LE(999, 0);
  bogus.writeUInt32LE(24, 4);
  const before = await droppedCount('decode', 'unknown_kind');
  const rs = decodeAll([Buffer.concat([bogus, closeRecord(id, 7n)])]);
  assert.deepEqual(rs.map((r) => r.kind), ['close']);
  assert.equal(await droppedCount('decode', 'unknown_kind'), before + 1);
});

test('a record shorter than its kind needs is counted, not decoded', async () => {
  const short = Buffer.alloc(20);
  short.writeUInt16LE(2, 0); // conn, which needs 88 bytes
  short.writeUInt32LE(20, 4);
  const before = await droppedCount('decode', 'short_record');
  assert.deepEqual(decodeAll([Buffer.concat([short, closeRecord(id, 7n)])]).map((r) => r.kind), ['close']);
  assert.equal(await droppedCount('decode', 'short_record'), before + 1);
});

test('arbitrary bytes never throw', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
      decodeAll(chunks.map((c) => Buffer.from(c)));
    }),
    { seed: 7, numRuns: 500 },
  );
});
