/** `osprey calls`, `osprey stats` and `osprey trace`: the read API, printed as tables or JSON. */
import type { CallSummary } from '../store/call-rows.js';
import type { CallPage } from '../store/llm-calls.js';
import type { StatsResult } from '../store/stats.js';
import type { TraceDetail } from '../trace-detail.js';
import { apiGet, type ApiTarget } from './api-client.js';
import { filterParams, type FilterFlags } from './query-flags.js';
import { count, renderTable, usd, type Column } from './table.js';

export interface OutputFlags {
  json?: boolean;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function processCell(c: CallSummary): string {
  const exe = c.exe === null ? '' : c.exe.slice(c.exe.lastIndexOf('/') + 1);
  return c.pid === null ? exe || '-' : `${c.pid} ${exe}`.trim();
}

const CALL_COLUMNS: Column<CallSummary>[] = [
  { header: 'TIME (UTC)', cell: (c) => c.start_time.slice(0, 19).replace('T', ' ') },
  { header: 'AGENT', cell: (c) => c.agent_name ?? '-', max: 20 },
  { header: 'PROVIDER', cell: (c) => c.provider ?? '-', max: 12 },
  { header: 'MODEL', cell: (c) => c.response_model ?? c.request_model ?? '-', max: 28 },
  { header: 'PROCESS', cell: processCell, max: 24 },
  { header: 'IN', cell: (c) => count(c.input_tokens), align: 'right' },
  { header: 'OUT', cell: (c) => count(c.output_tokens), align: 'right' },
  { header: 'COST', cell: (c) => usd(c.cost_usd), align: 'right' },
  { header: 'MS', cell: (c) => c.duration_ms.toFixed(0), align: 'right' },
  { header: 'STATUS', cell: (c) => (c.http_status === null ? c.status : `${c.status} ${c.http_status}`) },
  { header: 'GUARDRAILS', cell: (c) => c.guardrails.join(',') || '-', max: 24 },
  { header: 'SPAN', cell: (c) => c.span_id },
];

export async function showCalls(target: ApiTarget, flags: FilterFlags & OutputFlags & { limit?: number; cursor?: string }): Promise<void> {
  const page = await apiGet<CallPage>(target, '/api/v1/calls', { ...filterParams(flags), limit: flags.limit, cursor: flags.cursor });
  if (flags.json === true) return print(page);
  process.stdout.write(`${renderTable(page.calls, CALL_COLUMNS)}\n`);
  if (page.next_cursor !== null) process.stdout.write(`more: --cursor ${page.next_cursor}\n`);
}

export async function showCall(target: ApiTarget, spanId: string): Promise<void> {
  print(await apiGet(target, `/api/v1/calls/${encodeURIComponent(spanId)}`));
}

type StatsRow = StatsResult['groups'][number] & { bucket_start?: string };

export async function showStats(target: ApiTarget, flags: FilterFlags & OutputFlags & { by: string; bucket?: string }): Promise<void> {
  const stats = await apiGet<StatsResult & { from: string; to: string }>(target, '/api/v1/stats', { ...filterParams(flags), group_by: flags.by, bucket: flags.bucket });
  if (flags.json === true) return print(stats);
  const columns: Column<StatsRow>[] = [
    { header: flags.by.toUpperCase(), cell: (r) => r.key ?? '(none)', max: 32 },
    { header: 'CALLS', cell: (r) => String(r.calls), align: 'right' },
    { header: 'TOKENS IN', cell: (r) => String(r.input_tokens), align: 'right' },
    { header: 'TOKENS OUT', cell: (r) => String(r.output_tokens), align: 'right' },
    { header: 'COST', cell: (r) => usd(r.cost_usd), align: 'right' },
  ];
  process.stdout.write(`${stats.from} → ${stats.to}\n`);
  process.stdout.write(`${renderTable([...stats.groups, { key: 'TOTAL', ...stats.totals }], columns)}\n`);
  if (stats.series.length > 0) {
    const bucketColumn: Column<StatsRow> = { header: 'BUCKET (UTC)', cell: (r) => (r.bucket_start ?? '').slice(0, 16).replace('T', ' ') };
    process.stdout.write(`\n${renderTable(stats.series, [bucketColumn, ...columns])}\n`);
  }
}

export async function showTrace(target: ApiTarget, traceId: string): Promise<void> {
  print(await apiGet<TraceDetail>(target, `/api/v1/traces/${encodeURIComponent(traceId)}`));
}
