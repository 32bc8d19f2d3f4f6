/** `--data-dir` / `--db` → where the store is; the same rule for `server` and its `token` / `agent` subcommands. */
import type { StoreLocation } from '../store/connect.js';
import { UserFacingError } from '../../util/errors.js';

export const DEFAULT_DATA_DIR = '/var/lib/osprey';

export interface StoreFlags {
  dataDir: string;
  db?: string;
}

export function storeLocation(flags: StoreFlags): StoreLocation {
  if (flags.db === undefined) return { kind: 'sqlite', dataDir: flags.dataDir };
  if (!/^postgres(ql)?:\/\//.test(flags.db)) throw new UserFacingError('--db takes a PostgreSQL URL (postgres://user:password@host:5432/database)', 'OSP_ERR_SERVER_DB_URL');
  return { kind: 'postgres', url: flags.db };
}
