/**
 * Deletes data older than the retention window: once when the server is ready, then every
 * interval. The timer is unref'd (it never keeps the process alive) and stopped on close.
 */
import type { FastifyInstance } from 'fastify';
import { deleteOlderThan } from '../store/retention.js';
import { nowUs } from '../timestamp.js';

const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60 * 1000;
const DAY_US = 86_400_000_000;

export interface RetentionOptions {
  days: number;
  intervalMs?: number;
}

export default async function retentionPlugin(app: FastifyInstance, opts: RetentionOptions): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // One run at a time: a slow delete on a large table must not pile up behind the timer.
  let running: Promise<void> | undefined;

  const runOnce = async (): Promise<void> => {
    try {
      const deleted = await deleteOlderThan(app.store.db, nowUs() - opts.days * DAY_US);
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total > 0) app.log.info({ deleted }, `retention: deleted ${total} rows older than ${opts.days} days`);
    } catch (e) {
      app.log.warn(`retention run failed (will retry next interval): ${(e as Error).message}`);
    }
  };
  const tick = (): void => {
    running ??= runOnce().finally(() => (running = undefined));
  };

  app.addHook('onReady', async () => {
    tick();
    timer = setInterval(tick, opts.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS);
    timer.unref();
  });
  app.addHook('preClose', async () => {
    clearInterval(timer);
    await running;
  });
}
