/**
 * Opens the database behind the store: an embedded SQLite file (default) or PostgreSQL. Both
 * come back as one kysely instance over the same schema; `dialect` is kept only for the few
 * places where SQL differs (case-insensitive LIKE).
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export type StoreLocation =
  | { kind: 'sqlite'; dataDir: string }
  /** A file path, or ':memory:' for throwaway stores. */
  | { kind: 'sqlite-file'; file: string }
  /** `schema`: keep Osprey's tables (and its migration bookkeeping) in this schema instead of the search_path default. */
  | { kind: 'postgres'; url: string; poolSize?: number; schema?: string };

export interface Connection {
  db: Db;
  dialect: DialectName;
  /** Where the data is, for log lines: never includes a password. */
  describe: string;
  /** PostgreSQL schema holding the tables, when not the default. */
  schema?: string;
}

export const SQLITE_FILE_NAME = 'osprey.db';

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * node-pg returns int8 and numeric as strings so no precision is lost silently. Our int8 values
 * are microsecond times and counts, far below 2^53, so numbers are exact; sums come back numeric.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8 || oid === PG_NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

function openSqlite(file: string): Connection {
  const sqlite = new BetterSqlite3(file);
  // WAL: readers (queries) never block the writer (ingest). NORMAL sync is the documented safe
  // pairing with WAL: a power cut can lose the last commits, never corrupt the file.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // A CLI command (token create) may write while the server runs: wait instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  // The default 2 MiB page cache cannot hold the upper levels of seven indexes once the table
  // has a few hundred thousand calls, and every insert then reads pages back from disk.
  sqlite.pragma('cache_size = -65536');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite', describe: `sqlite:${file}` };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparsable URL)';
  }
}

export function connect(location: StoreLocation): Connection {
  switch (location.kind) {
    case 'sqlite':
      mkdirSync(location.dataDir, { recursive: true });
      return openSqlite(join(location.dataDir, SQLITE_FILE_NAME));
    case 'sqlite-file':
      return openSqlite(location.file);
    case 'postgres': {
      const pool = new pg.Pool({
        connectionString: location.url,
        max: location.poolSize ?? 10,
        types: pgTypes,
        ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
      });
      // An idle client losing its connection emits on the pool; without a listener Node exits.
      // The next query gets a fresh connection or fails, and that failure is answered with 503.
      pool.on('error', () => {});
      return {
        db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
        dialect: 'postgres',
        describe: `${redactUrl(location.url)}${location.schema === undefined ? '' : ` (schema ${location.schema})`}`,
        schema: location.schema,
      };
    }
  }
}
