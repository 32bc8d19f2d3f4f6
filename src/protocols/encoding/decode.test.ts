import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { openaiChatGzipResponseExpected, openaiChatResponseJson } from '../../../test/fixtures/http1/transcripts.js';
import { readFixture } from '../../../test/helpers/fixtures.js';
import { parseFrame, newHttp1ParseState } from '../http1/parse.js';
import { DEFAULT_HTTP1_LIMITS } from '../http1/types.js';
import { headerValue } from '../types.js';
import { decodeContent } from './decode.js';

const SEED = 0x05e7;
const MiB = 1024 * 1024;
const BODY = openaiChatResponseJson();

test('identity, absent and empty encodings return the body itself', () => {
  for (const encoding of [undefined, '', 'identity', ' Identity ', ', ,']) {
    const r = decodeContent(BODY, encoding, MiB);
    assert.ok(r.ok, String(encoding));
    assert.equal(r.body, BODY);
  }
});

test('gzip, x-gzip, deflate (zlib-wrapped and raw) and br decode, in any letter case', () => {
  const cases: Array<[string, Buffer]> = [
    ['gzip', gzipSync(BODY)],
    ['x-gzip', gzipSync(BODY)],
    ['GZip', gzipSync(BODY)],
    ['deflate', deflateSync(BODY)],
    ['deflate', deflateRawSync(BODY)],
    ['br', brotliCompressSync(BODY)],
  ];
  for (const [encoding, encoded] of cases) {
    assert.deepStrictEqual(decodeContent(encoded, encoding, MiB), { ok: true, body: BODY }, encoding);
  }
});

test('raw deflate is told apart from zlib-wrapped at every compression level', () => {
  for (let level = 0; level <= 9; level++) {
    assert.deepStrictEqual(decodeContent(deflateRawSync(BODY, { level }), 'deflate', MiB), { ok: true, body: BODY }, `raw ${level}`);
    assert.deepStrictEqual(decodeContent(deflateSync(BODY, { level }), 'deflate', MiB), { ok: true, body: BODY }, `zlib ${level}`);
  }
});

test('stacked encodings are undone last-applied first', () => {
  const encoded = brotliCompressSync(gzipSync(BODY));
  assert.deepStrictEqual(decodeContent(encoded, 'gzip, br', MiB), { ok: true, body: BODY });
  assert.deepStrictEqual(decodeContent(deflateSync(encoded), 'gzip,identity, br ,deflate', MiB), { ok: true, body: BODY });
  assert.equal(decodeContent(encoded, 'br, gzip', MiB).ok, false);
});

test('an unknown coding anywhere in the list is unsupported', () => {
  for (const encoding of ['zstd', 'compress', 'gzip, zstd', 'zstd, gzip', 'constructor', '__proto__']) {
    assert.deepStrictEqual(decodeContent(gzipSync(BODY), encoding, MiB), { ok: false, reason: 'unsupported_encoding' }, encoding);
  }
});

test('an empty body is empty in every coding (HEAD, 304)', () => {
  assert.deepStrictEqual(decodeContent(Buffer.alloc(0), 'gzip, br', MiB), { ok: true, body: Buffer.alloc(0) });
});

test('a gzip body truncated anywhere is corrupt, not a throw', () => {
  const encoded = gzipSync(BODY);
  for (let len = 1; len < encoded.length; len++) {
    assert.deepStrictEqual(decodeContent(encoded.subarray(0, len), 'gzip', MiB), { ok: false, reason: 'corrupt' }, `length ${len}`);
  }
  const br = brotliCompressSync(BODY);
  assert.deepStrictEqual(decodeContent(br.subarray(0, br.length - 1), 'br', MiB), { ok: false, reason: 'corrupt' });
  assert.deepStrictEqual(decodeContent(Buffer.from('not compressed'), 'deflate', MiB), { ok: false, reason: 'corrupt' });
});

test('the output cap is exact, also for identity and for intermediate stacked results', () => {
  assert.deepStrictEqual(decodeContent(gzipSync(BODY), 'gzip', BODY.length), { ok: true, body: BODY });
  assert.deepStrictEqual(decodeContent(gzipSync(BODY), 'gzip', BODY.length - 1), { ok: false, reason: 'too_large' });
  assert.deepStrictEqual(decodeContent(BODY, undefined, BODY.length - 1), { ok: false, reason: 'too_large' });
  // A stored (level 0) inner gzip is larger than what it holds: the cap applies to it too.
  const incompressible = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 251));
  const stacked = gzipSync(gzipSync(incompressible, { level: 0 }));
  assert.deepStrictEqual(decodeContent(stacked, 'gzip, gzip', 1010), { ok: false, reason: 'too_large' });
  assert.deepStrictEqual(decodeContent(stacked, 'gzip, gzip', 1100), { ok: true, body: incompressible });
  for (const cap of [0, -1, 0.5, Number.NaN]) {
    assert.equal(decodeContent(gzipSync(BODY), 'gzip', cap).ok, false, String(cap));
  }
  assert.deepStrictEqual(decodeContent(gzipSync(BODY), 'gzip', Number.POSITIVE_INFINITY), { ok: true, body: BODY });
});

test('decompression bombs (100 MiB of zeros) stop at the cap', { timeout: 10_000 }, () => {
  const zeros = Buffer.alloc(100 * MiB);
  const bombs: Array<[string, Buffer]> = [
    ['gzip', gzipSync(zeros, { level: 1 })],
    ['deflate', deflateRawSync(zeros, { level: 1 })],
    ['br', brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })],
  ];
  for (const [encoding, bomb] of bombs) {
    assert.ok(bomb.length < MiB, `${encoding} bomb is ${bomb.length} bytes`);
    assert.deepStrictEqual(decodeContent(bomb, encoding, MiB), { ok: false, reason: 'too_large' }, encoding);
  }
});

test('the gzip transcript decodes to the response JSON', () => {
  const t = openaiChatGzipResponseExpected();
  const r = parseFrame('response', readFixture('http1', t.file), newHttp1ParseState(), { limits: DEFAULT_HTTP1_LIMITS, eof: false });
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.deepStrictEqual(decodeContent(r.frame.body, headerValue(r.frame.headers, 'content-encoding'), MiB), { ok: true, body: BODY });
});

test('arbitrary bytes in any coding never throw', () => {
  const coding = fc.constantFrom('gzip', 'deflate', 'br', 'gzip, br', 'identity', 'zstd');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), coding, fc.integer({ min: -1, max: 4096 }), (bytes, encoding, cap) => {
      const r = decodeContent(Buffer.from(bytes), encoding, cap);
      assert.ok(r.ok ? r.body.length <= Math.max(cap, 0) || bytes.length === 0 : ['unsupported_encoding', 'corrupt', 'too_large'].includes(r.reason));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});
