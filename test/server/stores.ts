/**
 * Real databases for the server tests: a SQLite file in a fresh temp dir, or a fresh database in
 * a real PostgreSQL. PostgreSQL comes from OSPREY_TEST_PG_URL when set; otherwise it is started
 * with scripts/postgres-test.sh (installing Debian's package if needed) and stopped afterwards.
 * A missing PostgreSQL is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { DialectName } from '../../src/server/store/connect.js';
import { openStore, type Store } from '../../src/server/store/store.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const PG_SCRIPT = join(REPO, 'scripts/postgres-test.sh');

/** Opens a fresh, empty, migrated store per call; `cleanup` removes everything it made. */
export interface StoreFactory {
  dialect: DialectName;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export function sqliteFactory(): StoreFactory {
  const dirs: string[] = [];
  return {
    dialect: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'osprey-server-test-'));
      dirs.push(dir);
      return openStore({ kind: 'sqlite', dataDir: dir });
    },
    async cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The admin URL of a running PostgreSQL, and how to stop it if this process started it. */
export function startTestPostgres(): { url: string; stop: () => void } {
  const fromEnv = process.env.OSPREY_TEST_PG_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, stop: () => {} };
  const out = execFileSync(PG_SCRIPT, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  const url = out.trim().split('\n').pop()!;
  return { url, stop: () => execFileSync(PG_SCRIPT, ['stop'], { stdio: ['ignore', 'ignore', 'inherit'] }) };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * One schema per store, not one database: CREATE/DROP DATABASE each force a checkpoint (about a
 * second and a half apiece with fsync on), schemas cost nothing, and isolation is the same.
 */
export function postgresFactory(adminUrl: string): StoreFactory {
  const schemas: string[] = [];
  return {
    dialect: 'postgres',
    async open() {
      const schema = `osprey_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return openStore({ kind: 'postgres', url: adminUrl, schema, poolSize: 4 });
    },
    async cleanup() {
      for (const name of schemas) await admin(adminUrl, `DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
}
