/** API tokens as stored: id, name, scope and the SHA-256 of the secret; the secret itself never. */
import type { Db, TokenScope, TokensTable } from './schema.js';

export function insertToken(db: Db, row: TokensTable): Promise<unknown> {
  return db.insertInto('tokens').values(row).execute();
}

export function findActiveToken(db: Db, sha256Hex: string): Promise<Pick<TokensTable, 'id' | 'scope' | 'token_sha256'> | undefined> {
  return db
    .selectFrom('tokens')
    .select(['id', 'scope', 'token_sha256'])
    .where('token_sha256', '=', sha256Hex)
    .where('revoked_us', 'is', null)
    .executeTakeFirst();
}

export function listTokens(db: Db): Promise<Omit<TokensTable, 'token_sha256'>[]> {
  return db.selectFrom('tokens').select(['id', 'name', 'scope', 'created_us', 'revoked_us']).orderBy('created_us').execute();
}

/** False when no active token has this id. */
export async function revokeToken(db: Db, id: string, nowUs: number): Promise<boolean> {
  const r = await db.updateTable('tokens').set({ revoked_us: nowUs }).where('id', '=', id).where('revoked_us', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export type { TokenScope };
