import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  hex,
  hpackInteger,
  hpackString,
  indexed,
  neverIndexed,
  sizeUpdate,
  withIndexing,
  withoutIndexing,
} from '../../../../test/fixtures/http2/wire.js';
import { HpackDecoder, type HpackLimits } from './decoder.js';

const SEED = 0x7541;
const LIMITS: HpackLimits = { maxTableBytes: 64 * 1024, maxHeaderListBytes: 64 * 1024 };

function decoder(limits: Partial<HpackLimits> = {}): HpackDecoder {
  return new HpackDecoder({ ...LIMITS, ...limits });
}

interface Step {
  block: string;
  fields: Array<[string, string]>;
  /** Dynamic table afterwards, newest first, and its size. */
  table: Array<[string, string]>;
  size: number;
}

/** Decodes the steps in order on one decoder, checking fields and table after each. */
function runSequence(name: string, steps: Step[], setup: (d: HpackDecoder) => void = () => {}): void {
  const d = decoder();
  setup(d);
  for (const [i, step] of steps.entries()) {
    const result = d.decode(hex(step.block));
    const what = `${name} step ${i + 1}`;
    assert.deepStrictEqual(result, { fields: step.fields, unknownFields: 0, error: undefined, overflowed: false }, what);
    assert.deepStrictEqual(d.dynamicEntries(), step.table, what);
    assert.equal(d.dynamicTableSize, step.size, what);
  }
}

// --- RFC 7541 Appendix C --------------------------------------------------------------------------

test('C.1 integers: 10 and 1337 with a 5-bit prefix, 42 with an 8-bit prefix', () => {
  assert.deepStrictEqual(hpackInteger(10, 5), Buffer.of(0x0a));
  assert.deepStrictEqual(hpackInteger(1337, 5), Buffer.of(0x1f, 0x9a, 0x0a));
  // Decoded through a size update, whose value is a 5-bit-prefix integer.
  const d = decoder();
  d.decode(Buffer.concat([Buffer.of(0x20 | 0x1f, 0x9a, 0x0a), withIndexing('a', 'b')]));
  assert.equal(d.dynamicTableSize, 34);
  assert.equal(decoder().decode(hpackInteger(42, 8)).error, undefined);
});

test('C.2.1 literal with indexing', () => {
  runSequence('C.2.1', [
    {
      block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      fields: [['custom-key', 'custom-header']],
      table: [['custom-key', 'custom-header']],
      size: 55,
    },
  ]);
});

test('C.2.2 literal without indexing, C.2.3 never indexed, C.2.4 indexed: no table change', () => {
  runSequence('C.2.2', [{ block: '040c 2f73 616d 706c 652f 7061 7468', fields: [[':path', '/sample/path']], table: [], size: 0 }]);
  runSequence('C.2.3', [{ block: '1008 7061 7373 776f 7264 0673 6563 7265 74', fields: [['password', 'secret']], table: [], size: 0 }]);
  runSequence('C.2.4', [{ block: '82', fields: [[':method', 'GET']], table: [], size: 0 }]);
});

const C3_FIELDS: Array<Array<[string, string]>> = [
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ],
];
const C3_TABLES: Array<Array<[string, string]>> = [
  [[':authority', 'www.example.com']],
  [
    ['cache-control', 'no-cache'],
    [':authority', 'www.example.com'],
  ],
  [
    ['custom-key', 'custom-value'],
    ['cache-control', 'no-cache'],
    [':authority', 'www.example.com'],
  ],
];

function requestSteps(blocks: string[]): Step[] {
  return blocks.map((block, i) => ({ block, fields: C3_FIELDS[i]!, table: C3_TABLES[i]!, size: [57, 110, 164][i]! }));
}

test('C.3 requests without Huffman coding, on one decoder', () => {
  runSequence(
    'C.3',
    requestSteps([
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ]),
  );
});

test('C.4 requests with Huffman coding, on one decoder', () => {
  runSequence(
    'C.4',
    requestSteps([
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ]),
  );
});

const DATE_21 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE_22 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

function responseSteps(blocks: string[]): Step[] {
  return [
    {
      block: blocks[0]!,
      fields: [
        [':status', '302'],
        ['cache-control', 'private'],
        ['date', DATE_21],
        ['location', LOCATION],
      ],
      table: [
        ['location', LOCATION],
        ['date', DATE_21],
        ['cache-control', 'private'],
        [':status', '302'],
      ],
      size: 222,
    },
    {
      block: blocks[1]!,
      fields: [
        [':status', '307'],
        ['cache-control', 'private'],
        ['date', DATE_21],
        ['location', LOCATION],
      ],
      // 42 + 222 > 256: (":status", "302") is evicted.
      table: [
        [':status', '307'],
        ['location', LOCATION],
        ['date', DATE_21],
        ['cache-control', 'private'],
      ],
      size: 222,
    },
    {
      block: blocks[2]!,
      fields: [
        [':status', '200'],
        ['cache-control', 'private'],
        ['date', DATE_22],
        ['location', LOCATION],
        ['content-encoding', 'gzip'],
        ['set-cookie', COOKIE],
      ],
      table: [
        ['set-cookie', COOKIE],
        ['content-encoding', 'gzip'],
        ['date', DATE_22],
      ],
      size: 215,
    },
  ];
}

/** C.5 and C.6 run with SETTINGS_HEADER_TABLE_SIZE 256, so entries are evicted. */
const table256 = (d: HpackDecoder): void => d.applySettingsTableSize(256);

test('C.5 responses without Huffman coding, 256-octet table with evictions', () => {
  runSequence(
    'C.5',
    responseSteps([
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ]),
    table256,
  );
});

test('C.6 responses with Huffman coding, 256-octet table with evictions', () => {
  runSequence(
    'C.6',
    responseSteps([
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ]),
    table256,
  );
});

// --- Unknown dynamic-table state ------------------------------------------------------------------

test('after forgetting the table, references to old entries are counted, new entries are known', () => {
  const d = decoder();
  d.decode(Buffer.concat([withIndexing('x-old', 'a'), withIndexing('x-older', 'b')]));
  d.forgetDynamicTable();
  const first = d.decode(Buffer.concat([indexed(2), indexed(62), withIndexing(63, 'new value'), withIndexing('x-new', '1'), indexed(62)]));
  // 62 and the name at 63 refer to entries inserted before: unknown. The entry inserted with the
  // unknown name still takes a slot, so index 62 afterwards is 'x-new'.
  assert.deepStrictEqual(first, {
    fields: [
      [':method', 'GET'],
      ['x-new', '1'],
      ['x-new', '1'],
    ],
    unknownFields: 2,
    error: undefined,
    overflowed: false,
  });
  assert.deepStrictEqual(d.dynamicEntries(), [
    ['x-new', '1'],
    [undefined, 'new value'],
  ]);
  // The entry with the unknown name: its value alone is no field.
  const second = d.decode(Buffer.concat([indexed(63), withoutIndexing(63, 'v'), indexed(64)]));
  assert.deepStrictEqual(second.fields, []);
  assert.equal(second.unknownFields, 3);
});

test('a size update to 0 empties the table; a later one lets it grow again', () => {
  const d = decoder();
  d.decode(withIndexing('x-a', '1'));
  const r = d.decode(Buffer.concat([sizeUpdate(0), sizeUpdate(4096), withIndexing('x-b', '2'), indexed(62), indexed(63)]));
  assert.deepStrictEqual(r.fields, [
    ['x-b', '2'],
    ['x-b', '2'],
  ]);
  assert.equal(r.unknownFields, 1);
});

test('an entry larger than the table empties it and is not added', () => {
  const d = decoder();
  d.applySettingsTableSize(100);
  d.decode(withIndexing('x-a', '1'));
  assert.equal(d.dynamicTableSize, 36);
  const r = d.decode(Buffer.concat([withIndexing('x-big', 'v'.repeat(100)), indexed(62)]));
  assert.deepStrictEqual(r.fields, [['x-big', 'v'.repeat(100)]]);
  assert.equal(r.unknownFields, 1);
  assert.equal(d.dynamicTableSize, 0);
});

test('a lowered SETTINGS_HEADER_TABLE_SIZE evicts at once; a raised one waits for a size update', () => {
  const d = decoder();
  d.decode(Buffer.concat([withIndexing('x-a', 'a'.repeat(60)), withIndexing('x-b', 'b'.repeat(60))]));
  assert.equal(d.dynamicTableSize, 190);
  d.applySettingsTableSize(100);
  assert.deepStrictEqual(d.dynamicEntries(), [['x-b', 'b'.repeat(60)]]);
  d.applySettingsTableSize(8192);
  d.decode(withIndexing('x-c', 'c'.repeat(60)));
  assert.equal(d.dynamicEntries().length, 1, 'still bounded by 100 until a size update');
  d.decode(Buffer.concat([sizeUpdate(8192), withIndexing('x-d', 'd'.repeat(60))]));
  assert.equal(d.dynamicEntries().length, 2);
});

test('memory cap: a peer allowing a bigger table loses old entries early, as unknowns', () => {
  const d = decoder({ maxTableBytes: 100 });
  d.decode(Buffer.concat([sizeUpdate(65536), withIndexing('x-a', 'a'.repeat(30)), withIndexing('x-b', 'b'.repeat(30))]));
  assert.ok(d.dynamicTableSize <= 100);
  const r = d.decode(Buffer.concat([indexed(62), indexed(63)]));
  assert.deepStrictEqual(r.fields, [['x-b', 'b'.repeat(30)]]);
  assert.equal(r.unknownFields, 1);
});

// --- Errors and limits ----------------------------------------------------------------------------

test('malformed blocks stop with a reason, keep the fields before, and forget the table', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['index 0', indexed(0), 'bad_index'],
    ['name index 0 is a literal name, a missing one is cut short', Buffer.of(0x40), 'bad_string'],
    ['integer cut short', Buffer.of(0xff, 0x80), 'bad_integer'],
    ['integer over 2^31', Buffer.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 'bad_integer'],
    ['string longer than the block', Buffer.concat([Buffer.of(0x40, 0x05), Buffer.from('ab')]), 'bad_string'],
    ['Huffman with bad padding', Buffer.concat([Buffer.of(0x40, 0x81, 0b00011_110), hpackString('v')]), 'bad_huffman'],
  ];
  for (const [what, bad, reason] of cases) {
    const d = decoder();
    d.decode(withIndexing('x-kept', '1'));
    const r = d.decode(Buffer.concat([indexed(2), bad]));
    assert.equal(r.error, reason, what);
    assert.deepStrictEqual(r.fields, [[':method', 'GET']], what);
    assert.deepStrictEqual(d.dynamicEntries(), [], what);
  }
});

test('never-indexed and without-indexing literals, with literal or indexed names, Huffman or not', () => {
  const d = decoder();
  const r = d.decode(
    Buffer.concat([
      neverIndexed(23, 'Bearer sk-test', true),
      neverIndexed('x-api-key', 'secret'),
      withoutIndexing('x-trace', 'abc', true),
      withoutIndexing(4, '/v1/chat/completions'),
    ]),
  );
  assert.deepStrictEqual(r.fields, [
    ['authorization', 'Bearer sk-test'],
    ['x-api-key', 'secret'],
    ['x-trace', 'abc'],
    [':path', '/v1/chat/completions'],
  ]);
  assert.deepStrictEqual(d.dynamicEntries(), []);
});

test('values keep every octet (latin1), including UTF-8 sequences and trailing bytes like 0xa0', () => {
  const value = Buffer.from('café à', 'utf8').toString('latin1');
  const r = decoder().decode(Buffer.concat([withoutIndexing('x-name', value), withoutIndexing('x-huff', value, true)]));
  assert.deepStrictEqual(
    r.fields.map(([, v]) => Buffer.from(v, 'latin1').toString('utf8')),
    ['café à', 'café à'],
  );
});

test('fields past maxHeaderListBytes are left out but still update the table', () => {
  const d = decoder({ maxHeaderListBytes: 100 });
  const r = d.decode(Buffer.concat([withIndexing('x-a', 'a'.repeat(40)), withIndexing('x-b', 'b'.repeat(40)), indexed(63)]));
  assert.deepStrictEqual(r.fields, [['x-a', 'a'.repeat(40)]]);
  assert.equal(r.overflowed, true);
  assert.equal(d.dynamicEntries().length, 2);
});

// --- Fuzz -----------------------------------------------------------------------------------------

const representation = fc.oneof(
  fc.nat({ max: 80 }).map((i) => indexed(i + 1)),
  fc.tuple(fc.oneof(fc.nat({ max: 70 }).map((i) => i + 1), fc.string({ maxLength: 12 })), fc.string({ maxLength: 40 }), fc.boolean()).map(([n, v, h]) => withIndexing(n, v, h)),
  fc.tuple(fc.oneof(fc.nat({ max: 70 }).map((i) => i + 1), fc.string({ maxLength: 12 })), fc.string({ maxLength: 40 }), fc.boolean()).map(([n, v, h]) => neverIndexed(n, v, h)),
  fc.nat({ max: 5000 }).map(sizeUpdate),
);

test('arbitrary and mutated blocks never throw; table and list stay within their limits', () => {
  const limits = { maxTableBytes: 512, maxHeaderListBytes: 1024 };
  const block = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.array(representation, { maxLength: 12 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })).map(([reps, flips]) => {
      const b = Buffer.concat(reps);
      for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
      return b;
    }),
  );
  fc.assert(
    fc.property(fc.array(block, { minLength: 1, maxLength: 6 }), (blocks) => {
      const d = decoder(limits);
      for (const b of blocks) {
        const r = d.decode(b);
        assert.ok(d.dynamicTableSize <= limits.maxTableBytes);
        assert.ok(r.fields.reduce((n, [k, v]) => n + k.length + v.length + 32, 0) <= limits.maxHeaderListBytes);
        assert.ok(r.fields.length + r.unknownFields <= b.length);
      }
    }),
    { seed: SEED, numRuns: 3000 },
  );
});
