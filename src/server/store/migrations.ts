/**
 * Versioned schema migrations, kept in code (no migration folder to ship beside dist/). Kysely
 * records each applied name in `kysely_migration` and runs new ones in name order under a lock,
 * so several servers starting against one PostgreSQL database migrate once. Never edit an applied
 * migration: add the next one.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { OspreyError } from '../../util/errors.js';

// The column types used here mean the same in both dialects: SQLite maps `bigint` to INTEGER
// affinity and `double precision` to REAL, PostgreSQL takes them literally.
const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('llm_calls')
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('span_id', 'text', (c) => c.notNull())
      .addColumn('parent_span_id', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('start_us', 'bigint', (c) => c.notNull())
      .addColumn('end_us', 'bigint', (c) => c.notNull())
      .addColumn('provider', 'text')
      .addColumn('operation', 'text')
      .addColumn('request_model', 'text')
      .addColumn('response_model', 'text')
      .addColumn('agent_name', 'text')
      .addColumn('pid', 'integer')
      .addColumn('exe', 'text')
      .addColumn('container_id', 'text')
      .addColumn('pod', 'text')
      .addColumn('namespace', 'text')
      .addColumn('input_tokens', 'bigint')
      .addColumn('output_tokens', 'bigint')
      .addColumn('cost_usd', 'double precision')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('guardrail_kinds', 'text')
      .addColumn('search_text', 'text', (c) => c.notNull())
      .addColumn('attributes', 'text', (c) => c.notNull())
      .addColumn('ingested_us', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('llm_calls_pk', ['trace_id', 'span_id'])
      .execute();
    // Newest-first listing pages by (start_us, trace_id, span_id); the filters people use most
    // pair a column with time, so each gets a composite index that serves filter + order.
    await db.schema.createIndex('llm_calls_time').on('llm_calls').columns(['start_us', 'trace_id', 'span_id']).execute();
    await db.schema.createIndex('llm_calls_agent_time').on('llm_calls').columns(['agent_name', 'start_us']).execute();
    await db.schema.createIndex('llm_calls_provider_time').on('llm_calls').columns(['provider', 'start_us']).execute();
    await db.schema.createIndex('llm_calls_req_model_time').on('llm_calls').columns(['request_model', 'start_us']).execute();
    await db.schema.createIndex('llm_calls_resp_model_time').on('llm_calls').columns(['response_model', 'start_us']).execute();
    await db.schema.createIndex('llm_calls_span').on('llm_calls').column('span_id').execute();

    await db.schema
      .createTable('traces')
      .addColumn('trace_id', 'text', (c) => c.primaryKey())
      .addColumn('agent_name', 'text')
      .addColumn('agent_version', 'text')
      .addColumn('environment', 'text')
      .addColumn('session_id', 'text')
      .addColumn('framework', 'text')
      .addColumn('sdk_language', 'text')
      .addColumn('sdk_version', 'text')
      .addColumn('input', 'text')
      .addColumn('metadata', 'text')
      .addColumn('start_us', 'bigint')
      .addColumn('status', 'text')
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('end_us', 'bigint')
      .execute();
    await db.schema.createIndex('traces_start').on('traces').column('start_us').execute();

    await db.schema
      .createTable('spans')
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('span_id', 'text', (c) => c.notNull())
      .addColumn('parent_span_id', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('span_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('input', 'text')
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('model', 'text')
      .addColumn('prompt_tokens', 'bigint')
      .addColumn('completion_tokens', 'bigint')
      .addColumn('total_tokens', 'bigint')
      .addColumn('start_us', 'bigint', (c) => c.notNull())
      .addColumn('end_us', 'bigint', (c) => c.notNull())
      .addColumn('attributes', 'text')
      .addPrimaryKeyConstraint('spans_pk', ['trace_id', 'span_id'])
      .execute();
    await db.schema.createIndex('spans_start').on('spans').column('start_us').execute();

    await db.schema
      .createTable('events')
      .addColumn('event_key', 'text', (c) => c.primaryKey())
      .addColumn('trace_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('level', 'text')
      .addColumn('data', 'text')
      .addColumn('ts_us', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_trace').on('events').column('trace_id').execute();
    await db.schema.createIndex('events_ts').on('events').column('ts_us').execute();

    await db.schema
      .createTable('metrics')
      .addColumn('event_key', 'text', (c) => c.primaryKey())
      .addColumn('trace_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('unit', 'text')
      .addColumn('tags', 'text')
      .addColumn('ts_us', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('metrics_name_ts').on('metrics').columns(['name', 'ts_us']).execute();
    await db.schema.createIndex('metrics_ts').on('metrics').column('ts_us').execute();

    await db.schema
      .createTable('feedback')
      .addColumn('event_key', 'text', (c) => c.primaryKey())
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('rating', 'double precision', (c) => c.notNull())
      .addColumn('comment', 'text')
      .addColumn('ts_us', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('feedback_trace').on('feedback').column('trace_id').execute();
    await db.schema.createIndex('feedback_ts').on('feedback').column('ts_us').execute();

    await db.schema
      .createTable('probes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('hostname', 'text', (c) => c.notNull())
      .addColumn('cluster_name', 'text', (c) => c.notNull())
      .addColumn('kernel_version', 'text')
      .addColumn('agent_version', 'text')
      .addColumn('registration', 'text', (c) => c.notNull())
      .addColumn('registered_us', 'bigint', (c) => c.notNull())
      .addColumn('last_heartbeat_us', 'bigint')
      .addColumn('processes_monitored', 'bigint')
      .addColumn('llm_calls_intercepted', 'bigint')
      .addColumn('discovered_processes', 'text')
      .execute();
    // A probe re-registers on every restart: one row per host (and cluster), not one per start.
    await db.schema.createIndex('probes_host').on('probes').columns(['hostname', 'cluster_name']).unique().execute();

    await db.schema
      .createTable('probe_heartbeats')
      .addColumn('probe_id', 'text', (c) => c.notNull())
      .addColumn('ts_us', 'bigint', (c) => c.notNull())
      .addColumn('processes_monitored', 'bigint', (c) => c.notNull())
      .addColumn('llm_calls_intercepted', 'bigint', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('probe_heartbeats_pk', ['probe_id', 'ts_us'])
      .execute();
    await db.schema.createIndex('probe_heartbeats_ts').on('probe_heartbeats').column('ts_us').execute();

    await db.schema
      .createTable('agent_controls')
      .addColumn('agent_name', 'text', (c) => c.primaryKey())
      .addColumn('halted', 'integer', (c) => c.notNull())
      .addColumn('halt_source', 'text', (c) => c.notNull())
      .addColumn('halt_reason', 'text')
      .addColumn('halted_at_us', 'bigint')
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .addColumn('require_guardrails', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
      .addColumn('created_us', 'bigint', (c) => c.notNull())
      .addColumn('revoked_us', 'bigint')
      .execute();
  },
};

/**
 * `stats` reads seven columns of every call in its range; the rows themselves are wide (the
 * attributes JSON), so a scan of the table reads mostly bytes it does not need. This index holds
 * exactly those columns, in time order: stats become an index-only range scan (measured with a
 * million calls on SQLite: a week's hourly stats went from seconds to a fraction of one).
 */
const statsCoveringIndex: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createIndex('llm_calls_stats')
      .on('llm_calls')
      .columns(['start_us', 'agent_name', 'provider', 'request_model', 'response_model', 'input_tokens', 'output_tokens', 'cost_usd'])
      .execute();
  },
};

/** Every migration, in the order it must run. Names sort in that order, as kysely requires. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_stats_covering_index': statsCoveringIndex,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

export class MigrationError extends OspreyError {
  constructor(message: string) {
    super('OSP_ERR_STORE_MIGRATION', message);
  }
}

/**
 * Brings the schema to the newest version; a failed migration stops the server with its name.
 * With a PostgreSQL `schema`, kysely keeps its bookkeeping there too (and creates the schema):
 * left to itself it looks for its tables in every schema and would find another store's.
 */
// kysely types migrations over Kysely<any>: they run before (and regardless of) the current schema type.
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<void> {
  const { error, results } = await new Migrator({ db, provider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
