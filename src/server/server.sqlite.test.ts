/** The server test suites against a real SQLite file (WAL) in a temp directory. */
import { after, describe } from 'node:test';
import { sqliteFactory } from '../../test/server/stores.js';
import { SUITES } from '../../test/server/suites/index.js';

const factory = sqliteFactory();
after(() => factory.cleanup());

describe('server on SQLite', () => {
  for (const suite of SUITES) suite(factory);
});
