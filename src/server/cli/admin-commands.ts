/**
 * Operator commands that work on the store directly (no running server needed): API tokens and
 * the per-agent kill switch. A token's secret is printed once, here, and never stored.
 */
import { newTokenId, newTokenSecret, sha256 } from '../auth/tokens.js';
import type { TokenScope } from '../store/schema.js';
import { setAgentHalted } from '../store/probes.js';
import { openStore, type Store } from '../store/store.js';
import { insertToken, listTokens, revokeToken } from '../store/tokens.js';
import { formatUs, nowUs } from '../timestamp.js';
import { UserFacingError } from '../../util/errors.js';
import { storeLocation, type StoreFlags } from './store-location.js';

async function withStore<T>(flags: StoreFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeLocation(flags));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function createToken(flags: StoreFlags & { scope: TokenScope; name?: string }): Promise<void> {
  return withStore(flags, async (store) => {
    const secret = newTokenSecret();
    const id = newTokenId();
    await insertToken(store.db, { id, name: flags.name ?? `${flags.scope}-${id}`, scope: flags.scope, token_sha256: sha256(secret).toString('hex'), created_us: nowUs(), revoked_us: null });
    process.stderr.write(`created ${flags.scope} token ${id}; it is shown once, store it now:\n`);
    process.stdout.write(`${secret}\n`);
  });
}

export function printTokens(flags: StoreFlags): Promise<void> {
  return withStore(flags, async (store) => {
    for (const t of await listTokens(store.db)) {
      const state = t.revoked_us === null ? 'active' : `revoked ${formatUs(t.revoked_us)}`;
      process.stdout.write(`${t.id}  ${t.scope.padEnd(6)}  ${t.name}  created ${formatUs(t.created_us)}  ${state}\n`);
    }
  });
}

export function revoke(flags: StoreFlags & { id: string }): Promise<void> {
  return withStore(flags, async (store) => {
    if (!(await revokeToken(store.db, flags.id, nowUs()))) throw new UserFacingError(`no active token with id ${flags.id}`, 'OSP_ERR_SERVER_TOKEN');
    process.stdout.write(`revoked ${flags.id}\n`);
  });
}

export function setHalted(flags: StoreFlags & { agent: string; halted: boolean; reason?: string }): Promise<void> {
  return withStore(flags, async (store) => {
    const row = await setAgentHalted(store.db, flags.agent, flags.halted, flags.reason ?? null, nowUs());
    process.stdout.write(`${flags.agent}: ${row.halted === 1 ? 'halted' : 'running'} (revision ${row.revision})\n`);
  });
}
