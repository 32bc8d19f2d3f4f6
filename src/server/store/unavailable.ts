/**
 * Tells a store that is down or overloaded (answer 503: the sender keeps the data and retries)
 * from a bug (answer 500). Classified by the drivers' error codes where they have one; closed
 * handles (after shutdown or a lost pool) have none, so those few are known by their message.
 */

/** SQLite result codes (better-sqlite3 puts them in `code`) that mean "try again later". */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;

/** PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown). */
const PG_TRANSIENT_CLASS = /^(08|53|57)/;

/** Socket-level failures reaching PostgreSQL. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_TRANSIENT.test(code) || NET_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_TRANSIENT_CLASS.test(code)) return true;
  }
  // better-sqlite3 after close, kysely after destroy, node-pg after the pool ended.
  if (err instanceof TypeError && /database connection is not open/.test(err.message)) return true;
  if (/driver has already been destroyed|Cannot use a pool after calling end|Connection terminated/.test(err.message)) return true;
  return false;
}
