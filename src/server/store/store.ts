/**
 * The store: an open, migrated database. Query modules (llm-calls, stats, traces, probes,
 * tokens, retention) take `store.db`; this file only opens and closes.
 */
import { connect, type DialectName, type StoreLocation } from './connect.js';
import { migrateToLatest } from './migrations.js';
import type { Db } from './schema.js';

export interface Store {
  readonly db: Db;
  readonly dialect: DialectName;
  /** Where the data lives, safe to log (no password). */
  readonly describe: string;
  close(): Promise<void>;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  const { db, dialect, describe } = connect(location);
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  // Idempotent: the server closes the store on shutdown, and a caller may too.
  let closing: Promise<void> | undefined;
  return { db, dialect, describe, close: () => (closing ??= db.destroy()) };
}
