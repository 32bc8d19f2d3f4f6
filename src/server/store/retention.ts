/** Deletes what is older than the retention window, table by table, by the time each row describes. */
import type { Db } from './schema.js';

export interface RetentionResult {
  llm_calls: number;
  traces: number;
  spans: number;
  events: number;
  metrics: number;
  feedback: number;
  probe_heartbeats: number;
}

/** Everything that started before `cutoffUs` goes; a trace goes with its start (or, never started, its end). */
export async function deleteOlderThan(db: Db, cutoffUs: number): Promise<RetentionResult> {
  return db.transaction().execute(async (tx) => {
    const n = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
    return {
      llm_calls: n(await tx.deleteFrom('llm_calls').where('start_us', '<', cutoffUs).executeTakeFirst()),
      traces: n(
        await tx
          .deleteFrom('traces')
          .where((eb) => eb.fn.coalesce('start_us', 'end_us'), '<', cutoffUs)
          .executeTakeFirst(),
      ),
      spans: n(await tx.deleteFrom('spans').where('start_us', '<', cutoffUs).executeTakeFirst()),
      events: n(await tx.deleteFrom('events').where('ts_us', '<', cutoffUs).executeTakeFirst()),
      metrics: n(await tx.deleteFrom('metrics').where('ts_us', '<', cutoffUs).executeTakeFirst()),
      feedback: n(await tx.deleteFrom('feedback').where('ts_us', '<', cutoffUs).executeTakeFirst()),
      probe_heartbeats: n(await tx.deleteFrom('probe_heartbeats').where('ts_us', '<', cutoffUs).executeTakeFirst()),
    };
  });
}
