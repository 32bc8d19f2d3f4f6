/** The store itself: migrations, and the conflict policies every ingest path relies on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pricing, BUILTIN_PRICES } from '../../../src/server/pricing.js';
import { callToRow } from '../../../src/server/store/call-rows.js';
import { insertCalls } from '../../../src/server/store/llm-calls.js';
import { migrateToLatest } from '../../../src/server/store/migrations.js';
import type { Store } from '../../../src/server/store/store.js';
import { upsertSpans } from '../../../src/server/store/traces.js';
import type { SpansTable } from '../../../src/server/store/schema.js';
import type { StoreFactory } from '../stores.js';
import { llmCall } from '../fixtures.js';

const pricing = new Pricing(BUILTIN_PRICES);

function row(call = llmCall(), inputTokens?: number) {
  if (inputTokens !== undefined) call.attributes['gen_ai.usage.input_tokens'] = inputTokens;
  return callToRow(call, 1_000_000, 2_000_000, 'osprey', pricing, 3_000_000);
}

function span(name: string): SpansTable {
  return {
    trace_id: 't', span_id: 's', parent_span_id: null, source: 'nodeloom', name, span_type: 'tool', status: 'success', input: null, output: null,
    error: null, model: null, prompt_tokens: null, completion_tokens: null, total_tokens: null, start_us: 1, end_us: 2, attributes: null,
  };
}

async function withStore(factory: StoreFactory, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await factory.open();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

export function storeSuite(factory: StoreFactory): void {
  describe(`store (${factory.dialect})`, () => {
    it('migrates a fresh database, and migrating again is a no-op', () =>
      withStore(factory, async (store) => {
        await migrateToLatest(store.db, store.schema);
        const applied = await store.db.selectFrom('kysely_migration' as never).select('name' as never).orderBy('name' as never).execute();
        assert.deepEqual(applied, [{ name: '0001_initial' }, { name: '0002_stats_covering_index' }]);
      }));

    it("'keep' leaves a stored call alone; 'replace' overwrites it; repeats inside one batch are fine", () =>
      withStore(factory, async (store) => {
        const call = llmCall();
        await insertCalls(store.db, [row(structuredClone(call), 1), row(structuredClone(call), 2)], 'keep');
        await insertCalls(store.db, [row(structuredClone(call), 3)], 'keep');
        const kept = await store.db.selectFrom('llm_calls').select('input_tokens').execute();
        assert.deepEqual(kept, [{ input_tokens: 1 }]);
        await insertCalls(store.db, [row(structuredClone(call), 4), row(structuredClone(call), 5)], 'replace');
        const replaced = await store.db.selectFrom('llm_calls').select('input_tokens').execute();
        assert.deepEqual(replaced, [{ input_tokens: 5 }]);
        await upsertSpans(store.db, [span('a'), span('b')]);
        assert.deepEqual(await store.db.selectFrom('spans').select('name').execute(), [{ name: 'b' }]);
      }));

    it('writes batches larger than one statement can bind', () =>
      withStore(factory, async (store) => {
        const rows = Array.from({ length: 2500 }, () => row());
        await insertCalls(store.db, rows, 'keep');
        const n = await store.db.selectFrom('llm_calls').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(Number(n.n), 2500);
      }));
  });
}
