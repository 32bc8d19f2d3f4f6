import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFixture, splitAt } from '../../test/helpers/fixtures.js';
import { JsonValueStream, readJsonValues } from './json-stream.js';

/** Pushes the pieces one by one and returns everything the stream produced, end included. */
function readPieces(pieces: Buffer[]): { values: unknown[]; truncated: boolean; errors: number } {
  const stream = new JsonValueStream();
  const values = pieces.flatMap((p) => stream.push(p));
  const end = stream.end();
  return { values: [...values, ...end.values], truncated: end.truncated, errors: end.errors };
}

test('readJsonValues: the elements of a streamed array, with the separators Gemini puts between them', () => {
  const got = readJsonValues(Buffer.from('[{"a":1}\n,\r\n{"b":"x, ]}"}\n,\r\n{"c":[1,{"d":"\\"}"}]}\n]'));
  assert.deepEqual(got, { values: [{ a: 1 }, { b: 'x, ]}' }, { c: [1, { d: '"}' }] }], truncated: false, errors: 0 });
});

test('readJsonValues: values one after another without an array; scalars too', () => {
  assert.deepEqual(readJsonValues(Buffer.from('{"a":1}\n{"b":2} "s" 3 true null [4]')).values, [{ a: 1 }, { b: 2 }, 's', 3, true, null, [4]]);
  assert.deepEqual(readJsonValues(Buffer.from('[1, 2.5e3, -7]')).values, [1, 2500, -7]);
});

test('readJsonValues: a stream cut inside an element, or before the closing ], is truncated', () => {
  assert.deepEqual(readJsonValues(Buffer.from('[{"a":1},{"b":')), { values: [{ a: 1 }], truncated: true, errors: 0 });
  assert.deepEqual(readJsonValues(Buffer.from('[{"a":1}\n,')), { values: [{ a: 1 }], truncated: true, errors: 0 });
  assert.deepEqual(readJsonValues(Buffer.alloc(0)), { values: [], truncated: false, errors: 0 });
});

test('readJsonValues: a malformed element or a stray closing byte is counted; later elements are still read', () => {
  assert.deepEqual(readJsonValues(Buffer.from('[{"a":tru},{"b":2}]')), { values: [{ b: 2 }], truncated: false, errors: 1 });
  assert.deepEqual(readJsonValues(Buffer.from('}{"a":1}]')), { values: [{ a: 1 }], truncated: false, errors: 2 });
});

test('JsonValueStream: the Gemini array fixture split at every byte gives the same values', () => {
  const body = readFixture('gemini', 'stream-array.response.json');
  const whole = readJsonValues(body);
  assert.equal(whole.values.length, 3);
  assert.equal(whole.truncated, false);
  for (let cut = 0; cut <= body.length; cut++) {
    assert.deepEqual(readPieces(splitAt(body, [cut])), whole, `cut at ${cut}`);
  }
});

test('JsonValueStream: a multi-byte character split across pushes survives', () => {
  const body = Buffer.from('[{"t":"Yes — 1009 é 🦅"}]');
  for (let cut = 0; cut <= body.length; cut++) assert.deepEqual(readPieces(splitAt(body, [cut])).values, [{ t: 'Yes — 1009 é 🦅' }]);
});

test('property: any split of any JSON array gives the whole array back', () => {
  fc.assert(
    fc.property(
      fc.array(fc.jsonValue(), { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.constantFrom('', ' ', '\n', '\r\n'),
      (elements, cuts, space) => {
        const body = Buffer.from(`[${elements.map((e) => JSON.stringify(e)).join(`${space},${space}`)}]`);
        const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
        const got = readPieces(splitAt(body, points));
        // -0 stringifies as 0; compare what JSON round-trips to.
        assert.deepEqual(got, { values: JSON.parse(JSON.stringify(elements)) as unknown[], truncated: false, errors: 0 });
      },
    ),
    { seed: 20261128, numRuns: 300 },
  );
});

test('property: arbitrary bytes never throw', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), (chunks) => {
      readPieces(chunks.map((c) => Buffer.from(c)));
    }),
    { seed: 20261128, numRuns: 500 },
  );
});
