/**
 * Queries on `llm_calls`: idempotent batch inserts, the filtered newest-first listing with keyset
 * cursors, and lookups by span and trace. The filter is one expression shared with `stats`.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { DialectName } from './connect.js';
import { rowToSummary, type CallSummary, type SummaryColumns } from './call-rows.js';
import type { CallSource, CallStatus, Database, Db, LlmCallsTable } from './schema.js';
import { upsertRows, type Executor, type OnConflict } from './upsert.js';

export interface CallFilter {
  agent?: string;
  provider?: string;
  /** Matches the requested or the served model name. */
  model?: string;
  /** A pid (all digits) or a substring of the executable path. */
  process?: string;
  /** A container id or its prefix (runtimes print 12-character short ids). */
  container?: string;
  pod?: string;
  namespace?: string;
  /** Inclusive lower bound on start time, µs. */
  fromUs?: number;
  /** Exclusive upper bound on start time, µs. */
  toUs?: number;
  /** Case-insensitive substring of prompts and completions. */
  text?: string;
  /** 'any' for calls with any finding; else a finding type (`pii`), kind (`email`) or both (`pii:email`). */
  guardrail?: string;
  status?: CallStatus;
  source?: CallSource;
}

/**
 * Insert rows; a call already stored under (trace_id, span_id) is left alone ('keep': our
 * agent's records are immutable, a retried batch changes nothing) or replaced ('replace': SDK
 * spans are re-derived when their trace's identity arrives).
 */
export function insertCalls(db: Executor, rows: LlmCallsTable[], onConflict: OnConflict): Promise<void> {
  return upsertRows(db, 'llm_calls', rows, ['trace_id', 'span_id'], onConflict);
}

/** `%`, `_` and the escape character itself are literal in user text. */
function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function likeExpr(eb: ExpressionBuilder<Database, 'llm_calls'>, column: keyof LlmCallsTable, pattern: string, dialect: DialectName) {
  // SQLite's LIKE ignores ASCII case; PostgreSQL needs ILIKE for the same answer.
  const op = dialect === 'postgres' ? sql.raw('ILIKE') : sql.raw('LIKE');
  return sql<SqlBool>`${eb.ref(column)} ${op} ${pattern} ESCAPE '\\'`;
}

export function callFilter(filter: CallFilter, dialect: DialectName) {
  return (eb: ExpressionBuilder<Database, 'llm_calls'>): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [];
    if (filter.agent !== undefined) all.push(eb('agent_name', '=', filter.agent));
    if (filter.provider !== undefined) all.push(eb('provider', '=', filter.provider));
    if (filter.model !== undefined) all.push(eb.or([eb('request_model', '=', filter.model), eb('response_model', '=', filter.model)]));
    if (filter.process !== undefined) {
      all.push(/^\d+$/.test(filter.process) ? eb('pid', '=', Number(filter.process)) : likeExpr(eb, 'exe', likeContaining(filter.process), dialect));
    }
    if (filter.container !== undefined) {
      const prefix = `${filter.container.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      all.push(likeExpr(eb, 'container_id', prefix, dialect));
    }
    if (filter.pod !== undefined) all.push(eb('pod', '=', filter.pod));
    if (filter.namespace !== undefined) all.push(eb('namespace', '=', filter.namespace));
    if (filter.fromUs !== undefined) all.push(eb('start_us', '>=', filter.fromUs));
    if (filter.toUs !== undefined) all.push(eb('start_us', '<', filter.toUs));
    // search_text is stored lower-cased, so plain LIKE on lower-cased text is case-insensitive in both dialects.
    if (filter.text !== undefined) all.push(sql<SqlBool>`${eb.ref('search_text')} LIKE ${likeContaining(filter.text.toLowerCase())} ESCAPE '\\'`);
    if (filter.guardrail !== undefined) all.push(guardrailFilter(eb, filter.guardrail));
    if (filter.status !== undefined) all.push(eb('status', '=', filter.status));
    if (filter.source !== undefined) all.push(eb('source', '=', filter.source));
    return eb.and(all);
  };
}

function guardrailFilter(eb: ExpressionBuilder<Database, 'llm_calls'>, wanted: string): Expression<SqlBool> {
  if (wanted === 'any') return eb('guardrail_kinds', 'is not', null);
  const token = wanted.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\s+/g, '_');
  const kinds = eb.ref('guardrail_kinds');
  if (wanted.includes(':')) return sql<SqlBool>`${kinds} LIKE ${`% ${token} %`} ESCAPE '\\'`;
  // A bare word is a finding type (`pii` → `pii:*`) or a kind (`email` → `*:email`).
  return eb.or([sql<SqlBool>`${kinds} LIKE ${`% ${token}:%`} ESCAPE '\\'`, sql<SqlBool>`${kinds} LIKE ${`%:${token} %`} ESCAPE '\\'`]);
}

/** Where the previous page stopped: the ordering key of its last row. */
interface CursorKey {
  startUs: number;
  traceId: string;
  spanId: string;
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.startUs, key.traceId, key.spanId])).toString('base64url');
}

/** Null for anything that is not a cursor this server handed out. */
export function decodeCursor(cursor: string): CursorKey | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && typeof v[2] === 'string') {
      return { startUs: v[0] as number, traceId: v[1], spanId: v[2] };
    }
  } catch {
    // fall through
  }
  return null;
}

export interface CallPage {
  calls: CallSummary[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

const SUMMARY_COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'source', 'name', 'start_us', 'end_us', 'provider', 'operation',
  'request_model', 'response_model', 'agent_name', 'pid', 'exe', 'container_id', 'pod', 'namespace',
  'input_tokens', 'output_tokens', 'cost_usd', 'status', 'http_status', 'stream', 'guardrail_kinds',
] as const satisfies readonly (keyof SummaryColumns)[];

/** Newest first; ties on start time are broken by ids so pages never skip or repeat a row. */
export async function listCalls(db: Db, dialect: DialectName, filter: CallFilter, limit: number, cursor: CursorKey | null): Promise<CallPage> {
  let query = db.selectFrom('llm_calls').select(SUMMARY_COLUMNS).where(callFilter(filter, dialect));
  if (cursor !== null) {
    query = query.where((eb) =>
      eb(eb.refTuple('start_us', 'trace_id', 'span_id'), '<', eb.tuple(cursor.startUs, cursor.traceId, cursor.spanId)),
    );
  }
  const rows = await query.orderBy('start_us', 'desc').orderBy('trace_id', 'desc').orderBy('span_id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    calls: page.map(rowToSummary),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor({ startUs: last.start_us, traceId: last.trace_id, spanId: last.span_id }) : null,
  };
}

/** Span ids are unique per trace, not globally: every call with this id (normally one). */
export function callsBySpanId(db: Db, spanId: string): Promise<LlmCallsTable[]> {
  return db.selectFrom('llm_calls').selectAll().where('span_id', '=', spanId).orderBy('start_us', 'desc').execute();
}

export function callsByTrace(db: Db, traceId: string): Promise<LlmCallsTable[]> {
  return db.selectFrom('llm_calls').selectAll().where('trace_id', '=', traceId).orderBy('start_us').execute();
}
