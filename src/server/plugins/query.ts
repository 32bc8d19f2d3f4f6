/**
 * The read API (token scope `read`): calls listing with filters and cursor paging, one call in
 * full, stats over time, and trace detail joining SDK spans, events and feedback with the calls.
 */
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors.js';
import { rowToCall, rowToSummary } from '../store/call-rows.js';
import { callsBySpanId, callsByTrace, decodeCursor, listCalls, type CallFilter } from '../store/llm-calls.js';
import type { CallSource, CallStatus } from '../store/schema.js';
import { callStats, STATS_GROUPS, type StatsGroup } from '../store/stats.js';
import { traceDetailRows } from '../store/traces.js';
import { formatUs, nowUs, parseTimestampUs } from '../timestamp.js';
import { traceDetail } from '../trace-detail.js';

interface FilterQuery {
  agent?: string;
  provider?: string;
  model?: string;
  process?: string;
  container?: string;
  pod?: string;
  namespace?: string;
  from?: string;
  to?: string;
  q?: string;
  guardrail?: string;
  status?: CallStatus;
  source?: CallSource;
}

const text = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const FILTER_PROPERTIES = {
  agent: text,
  provider: text,
  model: text,
  process: text,
  container: text,
  pod: text,
  namespace: text,
  from: text,
  to: text,
  q: text,
  guardrail: text,
  status: { type: 'string', enum: ['ok', 'error'] },
  source: { type: 'string', enum: ['osprey', 'nodeloom', 'otlp'] },
} as const;

const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** Stats buckets per answer; beyond this the caller asked for a chart nobody can read. */
const MAX_BUCKETS = 10_000;
const DAY_US = 86_400_000_000;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const us = parseTimestampUs(value);
  if (us === null) throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', `${name} must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z`);
  return us;
}

function toFilter(q: FilterQuery): CallFilter {
  const { from, to, q: text, ...exact } = q;
  return { ...exact, fromUs: time(from, 'from'), toUs: time(to, 'to'), text };
}

/** `5m`, `1h`, `1d` → seconds; null for none. */
function bucketSeconds(bucket: string | undefined): number | null {
  if (bucket === undefined || bucket === 'none') return null;
  const m = /^(\d+)([smhd])$/.exec(bucket);
  const seconds = m === null ? 0 : Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  if (seconds < 60) throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', 'bucket must be a duration of at least a minute like 5m, 1h or 1d, or none');
  return seconds;
}

export default async function queryPlugin(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: FilterQuery & { limit: number; cursor?: string } }>(
    '/api/v1/calls',
    {
      config: { scope: 'read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...FILTER_PROPERTIES, limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }, cursor: text },
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && after === null) throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', 'cursor is not one this server handed out');
      return listCalls(app.store.db, app.store.dialect, toFilter(filter), limit, after);
    },
  );

  app.get<{ Params: { spanId: string } }>('/api/v1/calls/:spanId', { config: { scope: 'read' } }, async (request) => {
    const [row] = await callsBySpanId(app.store.db, request.params.spanId);
    if (row === undefined) throw new ServerError('OSP_ERR_SERVER_NOT_FOUND', `no call with span id ${request.params.spanId}`);
    return { call: rowToSummary(row), record: rowToCall(row) };
  });

  app.get<{ Querystring: FilterQuery & { group_by: StatsGroup; bucket?: string } }>(
    '/api/v1/stats',
    {
      config: { scope: 'read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...FILTER_PROPERTIES, group_by: { type: 'string', enum: STATS_GROUPS, default: 'model' }, bucket: text },
        },
      },
    },
    async (request) => {
      const { group_by: groupBy, bucket, ...query } = request.query;
      const filter = toFilter(query);
      // Stats are about a period: the last day unless the caller says otherwise.
      const toUs = filter.toUs ?? nowUs();
      const fromUs = filter.fromUs ?? toUs - DAY_US;
      const seconds = bucketSeconds(bucket);
      if (seconds !== null && (toUs - fromUs) / (seconds * 1_000_000) > MAX_BUCKETS) {
        throw new ServerError('OSP_ERR_SERVER_BAD_REQUEST', `more than ${MAX_BUCKETS} buckets: use a larger bucket or a shorter range`);
      }
      const stats = await callStats(app.store.db, app.store.dialect, { ...filter, fromUs, toUs }, groupBy, seconds);
      return { from: formatUs(fromUs), to: formatUs(toUs), ...stats };
    },
  );

  app.get<{ Params: { traceId: string } }>('/api/v1/traces/:traceId', { config: { scope: 'read' } }, async (request) => {
    const { traceId } = request.params;
    const [rows, calls] = await Promise.all([traceDetailRows(app.store.db, traceId), callsByTrace(app.store.db, traceId)]);
    const detail = traceDetail(traceId, rows, calls);
    if (detail === null) throw new ServerError('OSP_ERR_SERVER_NOT_FOUND', `no trace ${traceId}`);
    return detail;
  });
}
