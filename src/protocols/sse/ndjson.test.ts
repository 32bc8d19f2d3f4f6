import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseNdjson } from './ndjson.js';

test('one value per line; blank lines, CRLF, a BOM and a missing final newline are fine', () => {
  const body = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('{"model":"llama3","response":"caf\u00e9 \u2615","done":false}\r\n\n  \n{"done":true,"eval_count":2}\n42\n"s"'),
  ]);
  assert.deepStrictEqual(parseNdjson(body), {
    values: [{ model: 'llama3', response: 'caf\u00e9 \u2615', done: false }, { done: true, eval_count: 2 }, 42, 's'],
    errors: 0,
  });
});

test('bad lines are counted and skipped, the rest still parse', () => {
  const body = Buffer.from('{"a":1}\n{"a":\nnot json\n{"a":2}\n');
  assert.deepStrictEqual(parseNdjson(body), { values: [{ a: 1 }, { a: 2 }], errors: 2 });
});

test('an empty body has no values', () => {
  assert.deepStrictEqual(parseNdjson(Buffer.alloc(0)), { values: [], errors: 0 });
});

test('arbitrary bytes never throw and every non-blank line is a value or an error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const body = Buffer.from(bytes);
      const { values, errors } = parseNdjson(body);
      const lines = body.toString('utf8').replace(/^\ufeff/, '').split('\n').filter((l) => l.trim() !== '');
      assert.equal(values.length + errors, lines.length);
    }),
    { seed: 0x05e7, numRuns: 1000 },
  );
});
