import type { ColumnName } from './schema.js';

// One event line as an `events` row. Pure. The rules for what counts as a number and for the
// values read out of metadata are analytics' (segment.ts SegmentBuilder), so that SQL over
// these columns gives the file analyzer's figures.

export type Row = Record<ColumnName, string | number | null>;

/** Where a line was read: its bot, host, file name and byte offset (uncompressed). */
export interface RowSource {
  bot: string;
  host: string;
  file: string;
  offset: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * The row of a parsed event line (`o`, a JSON object with a string event_id and a timestamp
 * that analytics' parseTimestamp read as `ts` µs).
 */
export function rowOf(o: Record<string, unknown>, ts: number, src: RowSource): Row {
  const meta = isPlainObject(o.metadata) ? o.metadata : {};
  const line = o.line;
  return {
    bot: src.bot,
    host: src.host,
    file: src.file,
    offset: src.offset,
    hash: typeof o.hash === 'string' ? o.hash : '',
    ts,
    // DateTime holds 1970-01-01 to 2106-02-07; outside, ClickHouse would wrap it silently
    // (1960 becomes 2096): clamped, so that partitions and the sort key stay near the truth
    // (`ts` keeps the exact time).
    time: Math.min(Math.max(Math.floor(ts / 1e6), 0), 4_294_967_295),
    timestamp: text(o.timestamp),
    level: text(o.level),
    logger: text(o.logger),
    message: text(o.message),
    event_id: o.event_id as string,
    event_type: text(o.event_type),
    component: text(o.component),
    session_id: text(o.session_id),
    environment: text(o.environment),
    module: str(o.module),
    function: str(o.function),
    line: typeof line === 'number' && Number.isSafeInteger(line) ? line : null,
    symbol: str(o.symbol),
    side: str(o.side),
    quantity: num(o.quantity),
    price: num(o.price),
    order_id: str(o.order_id),
    position_id: str(o.position_id),
    pnl: num(o.pnl),
    fee: num(o.fee),
    risk_percent: num(o.risk_percent),
    portfolio_value: num(o.portfolio_value),
    daily_pnl: num(o.daily_pnl),
    portfolio_heat: num(o.portfolio_heat),
    latency_ms: num(o.latency_ms),
    strategy_name: str(o.strategy_name),
    metadata: JSON.stringify(meta),
    status_code: num(meta.status_code),
    health_bad: o.event_type === 'health_check' && Object.prototype.hasOwnProperty.call(meta, 'status') && meta.status !== 'healthy' ? 1 : 0,
    error_type: nonEmpty(meta.error_type) ? meta.error_type : '',
    exit_reason: nonEmpty(meta.exit_reason) ? meta.exit_reason : nonEmpty(meta.reason) ? meta.reason : 'unknown',
    hold_minutes: num(meta.hold_time_minutes),
    meta_portfolio_heat: num(meta.portfolio_heat),
    meta_daily_pnl: num(meta.daily_pnl),
  };
}

const LINK_SUFFIX = ',"hash":"'.length + 64 + 2;

/** Whether `s[from, from + 64)` is lowercase hex (a loop: the regex it replaced was 3 % of the shipper's CPU). */
function hex64(s: string, from: number): boolean {
  for (let i = from; i < from + 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * The chain link at the end of an event line (`,"hash":"<64 hex>"}`, core's chain.ts), or ''.
 * analytics' readLine parses a chained line without its link (the metrics never read it), so
 * the parsed object has no `hash`: the shipper takes it from the line's text.
 */
export function chainLink(line: string): string {
  const n = line.length;
  if (n <= LINK_SUFFIX || !line.endsWith('"}') || !line.startsWith(',"hash":"', n - LINK_SUFFIX)) return '';
  return hex64(line, n - 66) ? line.slice(n - 66, n - 2) : '';
}

/**
 * The event_id of an app text line (the Drift format of `<app>.log`), which has none of its
 * own: the prefix, the first 16 hex digits of its file's head (the SHA-256 of the file's first
 * line, by which the shipper knows a file through renames and gzip) and the line's byte
 * offset. A line shipped again (after a crash, or from `bot.log.1.gz` after rotation) gets the
 * same id, so the replacing table keeps it once; two lines never share one.
 */
export const APP_LINE_ID_PREFIX = 'app-line:';
export const appLineId = (head: string, offset: number): string => `${APP_LINE_ID_PREFIX}${head.slice(0, 16)}:${offset}`;

/**
 * The row of an app text line: an `app_log` event of the app (its logger and component), no
 * session, as analytics' readers count it (SegmentBuilder.addAppLine: events, errors and
 * warnings by level, error type `app_log`).
 */
export function appRowOf(ts: number, timestamp: string, app: string, level: string, message: string, src: RowSource, id: string): Row {
  return rowOf({ timestamp, level, logger: app, message, event_id: id, event_type: 'app_log', component: app, metadata: {} }, ts, src);
}
