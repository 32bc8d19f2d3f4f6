/**
 * Calls, tokens and cost per agent, model or provider, optionally bucketed over time. One
 * GROUP BY (group, bucket) query; per-group totals and grand totals are summed from its rows.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './connect.js';
import { callFilter, type CallFilter } from './llm-calls.js';
import type { Db } from './schema.js';
import { formatUs } from '../timestamp.js';

export const STATS_GROUPS = ['agent', 'model', 'provider'] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];

export interface Totals {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface StatsResult {
  group_by: StatsGroup;
  bucket_seconds: number | null;
  totals: Totals;
  /** One entry per group, most calls first. `key` is null for calls without that field (e.g. no agent name). */
  groups: (Totals & { key: string | null })[];
  /** Per group and time bucket, oldest bucket first; empty when not bucketed. */
  series: (Totals & { key: string | null; bucket_start: string })[];
}

const GROUP_COLUMN: Record<StatsGroup, RawBuilder<string | null>> = {
  agent: sql`agent_name`,
  // What was billed: the served (dated) name when known, else the requested one.
  model: sql`coalesce(response_model, request_model)`,
  provider: sql`provider`,
};

function emptyTotals(): Totals {
  return { calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
}

function add(into: Totals, row: Totals): void {
  into.calls += row.calls;
  into.input_tokens += row.input_tokens;
  into.output_tokens += row.output_tokens;
  into.cost_usd += row.cost_usd;
}

export async function callStats(db: Db, dialect: DialectName, filter: CallFilter, groupBy: StatsGroup, bucketSeconds: number | null): Promise<StatsResult> {
  const key = GROUP_COLUMN[groupBy];
  // The bucket width is a validated integer written as a literal: PostgreSQL only accepts the
  // same expression in SELECT and GROUP BY when they are textually equal, which two bind
  // parameters ($1, $2) are not.
  const bucket = bucketSeconds === null ? sql<number>`0` : sql<number>`start_us - start_us % ${sql.lit(bucketSeconds * 1_000_000)}`;
  const rows = await db
    .selectFrom('llm_calls')
    .where(callFilter(filter, dialect))
    .select([
      key.as('group_key'),
      bucket.as('bucket_us'),
      sql<number>`count(*)`.as('calls'),
      sql<number>`coalesce(sum(input_tokens), 0)`.as('input_tokens'),
      sql<number>`coalesce(sum(output_tokens), 0)`.as('output_tokens'),
      sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
    ])
    // A bare constant in GROUP BY would be read as a column position by SQLite.
    .groupBy(bucketSeconds === null ? [key] : [key, bucket])
    .execute();

  const totals = emptyTotals();
  const groups = new Map<string | null, Totals & { key: string | null }>();
  const series: StatsResult['series'] = [];
  for (const r of rows) {
    const row: Totals = { calls: Number(r.calls), input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens), cost_usd: Number(r.cost_usd) };
    add(totals, row);
    let group = groups.get(r.group_key);
    if (group === undefined) groups.set(r.group_key, (group = { key: r.group_key, ...emptyTotals() }));
    add(group, row);
    if (bucketSeconds !== null) series.push({ key: r.group_key, bucket_start: formatUs(Number(r.bucket_us)), ...row });
  }
  series.sort((a, b) => a.bucket_start.localeCompare(b.bucket_start) || String(a.key).localeCompare(String(b.key)));
  return {
    group_by: groupBy,
    bucket_seconds: bucketSeconds,
    totals,
    groups: [...groups.values()].sort((a, b) => b.calls - a.calls || String(a.key).localeCompare(String(b.key))),
    series,
  };
}
