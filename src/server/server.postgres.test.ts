/**
 * The same suites against a real PostgreSQL: OSPREY_TEST_PG_URL, or a throwaway cluster started
 * (and stopped afterwards) by scripts/postgres-test.sh. No PostgreSQL is a failure, not a skip.
 */
import { after, describe } from 'node:test';
import { postgresFactory, startTestPostgres } from '../../test/server/stores.js';
import { SUITES } from '../../test/server/suites/index.js';

const postgres = startTestPostgres();
const factory = postgresFactory(postgres.url);
after(async () => {
  await factory.cleanup();
  postgres.stop();
});

describe('server on PostgreSQL', () => {
  for (const suite of SUITES) suite(factory);
});
