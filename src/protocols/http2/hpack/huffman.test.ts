import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { hex, huffmanEncode } from '../../../../test/fixtures/http2/wire.js';
import { huffmanCodes, huffmanDecode } from './huffman.js';

const SEED = 0x0427;
const decode = (b: Buffer): string | undefined => huffmanDecode(b, 0, b.length);

test('the code is a complete prefix code with the lengths and a few codes of RFC 7541 Appendix B', () => {
  const codes = huffmanCodes();
  assert.equal(codes.length, 257);
  // Kraft equality: a complete code, so every bit string decodes to something (or EOS).
  assert.equal(codes.reduce((sum, [, length]) => sum + 2 ** -length, 0), 1);
  const spotChecks: Array<[symbol: number, code: number, length: number]> = [
    [0, 0x1ff8, 13],
    [32, 0x14, 6], // ' '
    [48, 0x0, 5], // '0'
    [97, 0x3, 5], // 'a'
    [126, 0x1ffd, 13], // '~'
    [255, 0x3ffffee, 26],
    [256, 0x3fffffff, 30], // EOS
  ];
  for (const [symbol, code, length] of spotChecks) assert.deepStrictEqual(codes[symbol], [code, length], `symbol ${symbol}`);
});

test('RFC 7541 C.4 and C.6 Huffman strings', () => {
  const cases: Array<[string, string]> = [
    ['f1e3 c2e5 f23a 6ba0 ab90 f4ff', 'www.example.com'],
    ['a8eb 1064 9cbf', 'no-cache'],
    ['25a8 49e9 5ba9 7d7f', 'custom-key'],
    ['25a8 49e9 5bb8 e8b4 bf', 'custom-value'],
    ['6402', '302'],
    ['aec3 771a 4b', 'private'],
    ['d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff', 'Mon, 21 Oct 2013 20:13:21 GMT'],
    ['9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3', 'https://www.example.com'],
    ['9bd9 ab', 'gzip'],
    [
      '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
    ],
  ];
  for (const [encoded, text] of cases) assert.equal(decode(hex(encoded)), text, text);
});

test('any octets survive encoding and decoding, at any offset in the input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 8 }), (bytes, offset) => {
      const encoded = huffmanEncode(Buffer.from(bytes));
      const framed = Buffer.concat([Buffer.alloc(offset, 0xaa), encoded, Buffer.alloc(3, 0x55)]);
      assert.equal(huffmanDecode(framed, offset, offset + encoded.length), Buffer.from(bytes).toString('latin1'));
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('padding: up to 7 one-bits is accepted, anything else is not', () => {
  assert.equal(decode(Buffer.alloc(0)), '');
  // 'a' is 00011 (5 bits): padded with 111 it is one octet.
  assert.equal(decode(Buffer.of(0b00011_111)), 'a');
  // Padding with a zero bit.
  assert.equal(decode(Buffer.of(0b00011_110)), undefined);
  // A whole octet of padding (8 one-bits) is too long.
  assert.equal(decode(Buffer.of(0b00011_111, 0xff)), undefined);
  // Only padding, under 8 bits, after nothing: a partial code that is not all ones.
  assert.equal(decode(Buffer.of(0x00)), undefined);
  assert.equal(decode(Buffer.of(0xff)), undefined);
});

test('EOS inside a string is an error', () => {
  // EOS is 30 one-bits: four 0xff octets contain it.
  assert.equal(decode(Buffer.of(0xff, 0xff, 0xff, 0xff)), undefined);
  assert.equal(decode(Buffer.concat([huffmanEncode(Buffer.from('ok')), Buffer.of(0xff, 0xff, 0xff, 0xfc)])), undefined);
});

test('arbitrary octets never throw and decode to at most 8/5 characters per octet', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const out = decode(Buffer.from(bytes));
      assert.ok(out === undefined || out.length <= Math.ceil((bytes.length * 8) / 5));
    }),
    { seed: SEED, numRuns: 3000 },
  );
});
