/**
 * Bearer-token auth, checked before the body is read (so an anonymous client cannot make the
 * server parse megabytes). A route says which scope it needs in `config.scope`; routes without
 * one are public (health). Tokens come from the store (created with `osprey server token
 * create`) or from the environment (OSPREY_INGEST_TOKEN / OSPREY_READ_TOKEN).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServerError } from '../errors.js';
import { bearerToken, hashesEqual, sha256 } from '../auth/tokens.js';
import type { TokenScope } from '../store/schema.js';
import { findActiveToken } from '../store/tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The token scope a route requires; absent means public. */
    scope?: TokenScope;
  }
}

export interface EnvToken {
  scope: TokenScope;
  secret: string;
}

export interface AuthOptions {
  envTokens: EnvToken[];
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  // Hash once: the plain env secrets are not kept in the closure.
  const envHashes = opts.envTokens.map((t) => ({ scope: t.scope, hash: sha256(t.secret) }));

  async function scopesOf(presented: string, required: TokenScope): Promise<Set<TokenScope>> {
    const hash = sha256(presented);
    const scopes = new Set<TokenScope>();
    // Every env token is compared (no early exit), so timing does not tell which one matched.
    for (const t of envHashes) if (hashesEqual(t.hash, hash)) scopes.add(t.scope);
    // An env token that suffices saves the lookup (one query per ingest batch on simple setups).
    if (scopes.has(required)) return scopes;
    const stored = await findActiveToken(app.store.db, hash.toString('hex'));
    if (stored !== undefined && hashesEqual(Buffer.from(stored.token_sha256, 'hex'), hash)) scopes.add(stored.scope);
    return scopes;
  }

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const required = request.routeOptions.config.scope;
    if (required === undefined) return;
    const presented = bearerToken(request.headers.authorization);
    if (presented === null) throw new ServerError('OSP_ERR_SERVER_UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
    const scopes = await scopesOf(presented, required);
    if (scopes.size === 0) throw new ServerError('OSP_ERR_SERVER_UNAUTHORIZED', 'unknown or revoked token');
    if (!scopes.has(required)) throw new ServerError('OSP_ERR_SERVER_FORBIDDEN', `this endpoint needs a token with scope "${required}"`);
  });
}

export default fp(authPlugin, { name: 'osprey-auth', dependencies: ['osprey-storage'] });
