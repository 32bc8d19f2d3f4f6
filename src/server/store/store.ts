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
  /** PostgreSQL schema of the tables, when not the default. */
  readonly schema?: string;
  close(): Promise<void>;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  const { db, dialect, describe, schema } = connect(location);
  try {
    await migrateToLatest(db, schema);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  // Idempotent: the server closes the store on shutdown, and a caller may too.
  let closing: Promise<void> | undefined;
  return { db, dialect, describe, schema, close: () => (closing ??= db.destroy()) };
}
