/**
 * The session against nghttp2 (node:http2) as the encoder: random requests and responses on one
 * connection, with small header tables so entries are evicted and re-inserted, must come back
 * exactly as they were sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { exchange, finish, open, serveInOrder } from '../../../test/fixtures/http2/node-pair.js';
import { AUTHORITY_FIELD, DATE, type ExchangeDef, type Fields } from '../../../test/fixtures/http2/scenarios.js';
import { Http2Session } from './session.js';
import type { H2Exchange } from './types.js';

const SEED = 0x6e67;

/** Printable latin1 without leading or trailing blanks (RFC 9113 §8.2.1), high octets included. */
const valueChar = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }),
  fc.integer({ min: 0xa1, max: 0xff }),
  fc.constant(0x20),
);
const value = fc
  .array(valueChar, { maxLength: 60 })
  .map((codes) => String.fromCharCode(...codes).trim());

/** Names and values from small pools, so later blocks refer to entries earlier ones inserted. */
const fieldsFrom = (names: string[], values: string[]): fc.Arbitrary<Fields> =>
  fc.uniqueArray(fc.tuple(fc.constantFrom(...names), fc.constantFrom(...values)), { maxLength: 8, selector: ([n]) => n });

const exchanges: fc.Arbitrary<ExchangeDef[]> = fc
  .record({
    names: fc.uniqueArray(fc.stringMatching(/^x-[a-z0-9-]{1,10}$/), { minLength: 1, maxLength: 10 }),
    values: fc.array(value, { minLength: 1, maxLength: 10 }),
  })
  .chain(({ names, values }) =>
    fc.array(
      fc.record({
        request: fc.record({
          method: fc.constantFrom('GET', 'POST', 'DELETE'),
          path: fc.constantFrom('/v1/chat/completions', '/v1/models', '/v1/embeddings?x=1'),
          headers: fieldsFrom(names, values),
          bodyParts: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b)), { maxLength: 2 }),
        }),
        response: fc.record({
          status: fc.constantFrom(200, 201, 404, 429, 500),
          headers: fieldsFrom(names, values).map((fields): Fields => [['date', DATE], ...fields]),
          bodyParts: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b)), { maxLength: 3 }),
        }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  );

function expected(def: ExchangeDef, streamId: number): Omit<H2Exchange, 'request' | 'response'> & {
  request: Pick<H2Exchange['request'], 'method' | 'target' | 'authority' | 'headers' | 'body'>;
  response: Pick<H2Exchange['response'], 'status' | 'headers' | 'body'>;
} {
  return {
    streamId,
    request: {
      method: def.request.method,
      target: def.request.path,
      authority: AUTHORITY_FIELD,
      headers: def.request.headers,
      body: Buffer.concat(def.request.bodyParts),
    },
    response: { status: def.response.status, headers: def.response.headers, body: Buffer.concat(def.response.bodyParts) },
    notes: [],
  };
}

test('random exchanges encoded by nghttp2, with 0 to 512-octet header tables, decode exactly', async () => {
  await fc.assert(
    fc.asyncProperty(exchanges, fc.constantFrom(0, 64, 200, 512), async (defs, headerTableSize) => {
      const pair = open({ settings: { headerTableSize } });
      serveInOrder(pair, defs);
      for (const [i, def] of defs.entries()) await exchange(pair, def, i);
      const recorded = await finish(pair);

      const session = new Http2Session();
      const got: H2Exchange[] = [];
      for (const [i, [dir, bytes]] of recorded.entries()) got.push(...session.push(dir, bytes, i));
      got.push(...session.end());
      assert.deepStrictEqual(
        got.map((e) => ({
          streamId: e.streamId,
          request: { method: e.request.method, target: e.request.target, authority: e.request.authority, headers: e.request.headers, body: e.request.body },
          response: { status: e.response.status, headers: e.response.headers, body: e.response.body },
          notes: e.notes,
        })),
        defs.map((def, i) => expected(def, 2 * i + 1)),
      );
      assert.equal(session.stats.hpackUnknownFields, 0);
    }),
    { seed: SEED, numRuns: 40 },
  );
});
