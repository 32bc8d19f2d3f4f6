/** Plain-text tables for the terminal: left-aligned columns, two spaces apart, cells cut to a width. */

export interface Column<R> {
  header: string;
  cell: (row: R) => string;
  /** Cut longer cells with an ellipsis. */
  max?: number;
  align?: 'left' | 'right';
}

function cut(text: string, max: number | undefined): string {
  return max === undefined || text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => cut(c.cell(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

export function usd(value: number | null): string {
  if (value === null) return '-';
  return value < 0.01 && value > 0 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
}

export function count(value: number | null): string {
  return value === null ? '-' : String(value);
}
