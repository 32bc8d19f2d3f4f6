/**
 * Makes the store (and the price table ingest uses) available to every route as `app.store` /
 * `app.pricing`, and closes the database when the server closes.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Pricing } from '../pricing.js';
import type { Store } from '../store/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    pricing: Pricing;
  }
}

export interface StorageOptions {
  store: Store;
  pricing: Pricing;
}

async function storagePlugin(app: FastifyInstance, opts: StorageOptions): Promise<void> {
  app.decorate('store', opts.store);
  app.decorate('pricing', opts.pricing);
  app.addHook('onClose', async () => {
    await opts.store.close();
  });
}

export default fp(storagePlugin, { name: 'osprey-storage' });
