/**
 * Batch inserts with an ON CONFLICT policy, the way every ingest path writes: senders retry, so
 * a row that is already there is either kept (immutable records) or replaced (SDK spans re-sent
 * with more data). Both dialects share the syntax; only the bound-parameter limit needs chunking.
 */
import type { Insertable, Transaction } from 'kysely';
import type { Database, Db } from './schema.js';

/** Stays under SQLite's 32766 bound parameters (PostgreSQL allows 65535). */
const MAX_PARAMETERS = 30_000;

export type Executor = Db | Transaction<Database>;
export type OnConflict = 'keep' | 'replace';

/**
 * One row per key, as the policy would leave it: PostgreSQL refuses an INSERT … ON CONFLICT DO
 * UPDATE that meets the same key twice, and a batch may well repeat an item (SDK retries inside
 * one flush). 'replace' keeps the last occurrence, 'keep' the first.
 */
function distinctByKey<R>(rows: R[], key: readonly string[], onConflict: OnConflict): R[] {
  const byKey = new Map<string, R>();
  for (const row of rows) {
    const k = JSON.stringify(key.map((c) => (row as Record<string, unknown>)[c]));
    if (onConflict === 'replace' || !byKey.has(k)) byKey.set(k, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

export async function upsertRows<T extends keyof Database>(
  db: Executor,
  table: T,
  rows: Insertable<Database[T]>[],
  key: readonly (keyof Database[T] & string)[],
  onConflict: OnConflict,
): Promise<void> {
  rows = distinctByKey(rows, key, onConflict);
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const chunkSize = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const updated = columns.filter((c) => !key.includes(c as keyof Database[T] & string));
  for (let i = 0; i < rows.length; i += chunkSize) {
    // kysely's typing cannot follow a table chosen at run time; the row type above is the check.
    const insert = (db as Db).insertInto(table as any).values(rows.slice(i, i + chunkSize) as any);
    await insert
      .onConflict((oc) => {
        const target = oc.columns(key as never);
        if (onConflict === 'keep' || updated.length === 0) return target.doNothing();
        return target.doUpdateSet((eb) => Object.fromEntries(updated.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never);
      })
      .execute();
  }
}
