/**
 * `osprey server`: open the store, build the app, listen, and close cleanly on SIGINT/SIGTERM
 * (in-flight batches finish, the database is closed).
 */
import { buildServer } from '../app.js';
import { loadPricing } from '../pricing.js';
import { loadProbeConfig } from '../probe-config.js';
import type { EnvToken } from '../plugins/auth.js';
import { listTokens } from '../store/tokens.js';
import { openStore } from '../store/store.js';
import { parseListen } from '../../telemetry/metrics-server.js';
import { UserFacingError } from '../../util/errors.js';
import { storeLocation, type StoreFlags } from './store-location.js';

export interface ServeFlags extends StoreFlags {
  listen: string;
  retentionDays?: number;
  prices?: string;
  probeConfig?: string;
  bodyLimitMb: number;
}

export function envTokens(env: NodeJS.ProcessEnv = process.env): EnvToken[] {
  const tokens: EnvToken[] = [];
  if (env.OSPREY_INGEST_TOKEN) tokens.push({ scope: 'ingest', secret: env.OSPREY_INGEST_TOKEN });
  if (env.OSPREY_READ_TOKEN) tokens.push({ scope: 'read', secret: env.OSPREY_READ_TOKEN });
  return tokens;
}

export async function runServer(flags: ServeFlags): Promise<void> {
  const { host, port } = parseListen(flags.listen, '--listen');
  const pricing = loadPricing(flags.prices);
  const probeConfig = loadProbeConfig(flags.probeConfig);
  const store = await openStore(storeLocation(flags));
  const tokens = envTokens();
  const app = buildServer({
    store,
    pricing,
    probeConfig,
    envTokens: tokens,
    bodyLimitBytes: flags.bodyLimitMb * 1024 * 1024,
    retention: flags.retentionDays === undefined ? undefined : { days: flags.retentionDays },
    logger: { level: process.env.OSPREY_DEBUG === '1' ? 'debug' : 'info' },
  });
  if (tokens.length === 0 && (await listTokens(store.db)).every((t) => t.revoked_us !== null)) {
    app.log.warn('no API tokens yet: every request will get 401. Create one with `osprey server token create --scope ingest` (and --scope read), or set OSPREY_INGEST_TOKEN / OSPREY_READ_TOKEN');
  }
  const close = (signal: string): void => {
    app.log.info(`${signal}: closing`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', close);
  process.once('SIGTERM', close);
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    throw new UserFacingError(`cannot listen on ${flags.listen}: ${(e as Error).message}`, 'OSP_ERR_SERVER_LISTEN');
  }
  app.log.info(`store: ${store.describe}${flags.retentionDays === undefined ? '' : `, retention ${flags.retentionDays} days`}`);
}
