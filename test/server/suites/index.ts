/** Every store-backed suite, run once per database by server.sqlite.test.ts and server.postgres.test.ts. */
import type { StoreFactory } from '../stores.js';
import { authRetentionSuite } from './auth-retention.js';
import { nodeloomIngestSuite } from './nodeloom-ingest.js';
import { ospreyIngestSuite } from './osprey-ingest.js';
import { otlpIngestSuite } from './otlp-ingest.js';
import { probesSuite } from './probes.js';
import { querySuite } from './query.js';
import { storeSuite } from './store.js';

export const SUITES: readonly ((factory: StoreFactory) => void)[] = [
  storeSuite,
  ospreyIngestSuite,
  nodeloomIngestSuite,
  otlpIngestSuite,
  querySuite,
  probesSuite,
  authRetentionSuite,
];
