// The fixed column order of the CSV export (and of the Parquet export and the SQL `events`
// table). Documented in README.md; new columns are only ever added at the end.

export const EXPORT_COLUMNS = [
  'timestamp', 'level', 'event_type', 'component', 'message', 'event_id', 'session_id', 'environment',
  'symbol', 'side', 'quantity', 'price', 'order_id', 'position_id', 'pnl', 'risk_percent',
  'portfolio_value', 'daily_pnl', 'portfolio_heat', 'latency_ms', 'strategy_name', 'logger', 'metadata',
  // Added with trade linking (metrics.md "Trades"): a trade's fees are its events' `fee`.
  'fee',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** Columns holding numbers (DOUBLE in Parquet and SQL); the others are text. */
export const NUMERIC_COLUMNS: ReadonlySet<ExportColumn> = new Set(['quantity', 'price', 'pnl', 'risk_percent', 'portfolio_value', 'daily_pnl', 'portfolio_heat', 'latency_ms', 'fee']);

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: unknown): string {
  let s: string;
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'boolean') s = String(value);
  else s = JSON.stringify(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The value of a column for an event: metadata as JSON text (never a language's repr). */
export function columnValue(o: Record<string, unknown>, column: ExportColumn): unknown {
  const v = o[column];
  if (column === 'metadata') return v === undefined ? '{}' : JSON.stringify(v);
  return v;
}

export const CSV_HEADER = EXPORT_COLUMNS.join(',') + '\n';

export function csvRow(o: Record<string, unknown>): string {
  let line = '';
  for (let i = 0; i < EXPORT_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    line += csvField(columnValue(o, EXPORT_COLUMNS[i]!));
  }
  return line + '\n';
}
