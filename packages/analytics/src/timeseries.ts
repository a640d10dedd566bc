import { AnalyticsError } from './codes.js';
import { DAY_US, HOUR_US, isoOf, type TimeRange } from './dates.js';
import { select, type EventSet } from './event-set.js';
import { emptyRiskDay, RISK_KEY, type RiskDay } from './risk.js';
import { F, LEVEL, T, type Segment } from './segment.js';
import { percentiles } from './stats.js';
import { isClosed, selectTrades } from './trading.js';

// The "over time" series of a range in one pass over its events, instead of one system /
// risk report per hour or day (24-31 full passes for a dashboard). Each bucket's figures are
// the ones metrics.md defines for that bucket as a range of its own, so a bucket equals the
// system_metrics / risk_metrics / trading_metrics of [bucket start, bucket end).

export type BucketSize = 'hour' | 'day';
export const BUCKET_SIZES: readonly BucketSize[] = ['hour', 'day'];
const BUCKET_US: Record<BucketSize, number> = { hour: HOUR_US, day: DAY_US };

/** One hour or day: [start, start + size), clipped to the range. */
export interface TimeseriesBucket extends RiskDay {
  /** ISO-8601 UTC start of the bucket. */
  start: string;
  p50_api_latency: number | null;
  p95_api_latency: number | null;
  p99_api_latency: number | null;
  error_count: number;
  warning_count: number;
  closed_trades: number;
  realized_pnl: number;
}

/** A closed trade as the dashboard lists and charts it. */
export interface TimeseriesTrade {
  timestamp: string;
  event_id: string;
  symbol: string;
  strategy: string;
  quantity: number | null;
  price: number | null;
  pnl: number;
  exit_reason: string;
  hold_minutes: number | null;
}

export interface Timeseries {
  bucket: BucketSize;
  buckets: TimeseriesBucket[];
  /** The latest `maxTrades` closed trades of the range, oldest first. */
  trades: TimeseriesTrade[];
  /** Closed trades in the range; more than `trades.length` when truncated. */
  total_trades: number;
  truncated: boolean;
  /**
   * Cumulative realized P&L and its running peak (from 0) over the closed trades left out by
   * the cap, so an equity curve drawn from `trades` starts where the full one would be.
   */
  earlier_pnl: number;
  earlier_peak: number;
}

export interface TimeseriesOptions {
  /** Most trades returned (the latest); default 200 000. */
  maxTrades?: number;
  /** Most buckets a range may have (default 10 000: over a year of hours). */
  maxBuckets?: number;
}

export const MAX_TIMESERIES_TRADES = 200_000;
export const MAX_TIMESERIES_BUCKETS = 10_000;

const emptyBucket = (start: number): TimeseriesBucket => ({
  start: isoOf(start), p50_api_latency: null, p95_api_latency: null, p99_api_latency: null,
  error_count: 0, warning_count: 0, ...emptyRiskDay(), closed_trades: 0, realized_pnl: 0,
});

/** The event_id of a row, from its UUID words or its text. */
export function eventIdOf(seg: Segment, row: number): string {
  const f = seg.flags[row]!;
  if ((f & F.NO_ID) !== 0) return '';
  if ((f & F.TEXT_ID) !== 0) return seg.textIds.get(row) ?? '';
  const hex = Array.from(seg.id.subarray(row * 4, row * 4 + 4), (w) => w.toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Per hour or day of `range` (a bounded range; buckets are aligned to UTC hours / days from
 * the range's start), latency percentiles, errors, warnings, the four risk counts, closed
 * trades and realized P&L; and the range's closed trades, capped to the latest `maxTrades`.
 * Pure: the EventSet is already read. Throws DAYBOOK_E_OPTION_INVALID for an unknown bucket,
 * an unbounded range or one with more than `maxBuckets` buckets.
 */
export function timeseries(set: EventSet, range: TimeRange, bucket: BucketSize, options: TimeseriesOptions = {}): Timeseries {
  const size = BUCKET_US[bucket];
  if (size === undefined) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `bucket "${String(bucket)}" must be one of ${BUCKET_SIZES.join(', ')}`);
  if (!Number.isFinite(range.start) || !Number.isFinite(range.end)) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', 'a time series needs a start and an end date');
  const origin = Math.floor(range.start / size) * size;
  // Buckets up to the one holding the range's last instant (an exclusive end is not in it).
  const n = range.endExclusive ? Math.ceil((range.end - origin) / size) : Math.floor((range.end - origin) / size) + 1;
  const maxBuckets = options.maxBuckets ?? MAX_TIMESERIES_BUCKETS;
  if (n > maxBuckets) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `the range has ${n} ${bucket}s; at most ${maxBuckets} are allowed`);
  const buckets = Array.from({ length: n }, (_, i) => emptyBucket(origin + i * size));
  const indexOf = (ts: number): number => Math.floor((ts - origin) / size);

  const sel = select(set, range);
  // Latencies of every bucket in one array, then grouped by bucket (counting sort).
  let rowsTotal = 0;
  for (const rows of sel.rows) rowsTotal += rows.length;
  const latValue = new Float64Array(rowsTotal);
  const latBucket = new Int32Array(rowsTotal);
  const latCount = new Int32Array(n);
  let m = 0;
  set.segments.forEach((seg, si) => {
    const rows = sel.rows[si]!;
    const { type, level, latency, ts } = seg;
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j]!;
      const b = indexOf(ts[r]!);
      const out = buckets[b]!;
      const t = type[r]!;
      const lv = level[r]!;
      if (lv >= LEVEL.ERROR) out.error_count++;
      else if (lv === LEVEL.WARNING) out.warning_count++;
      if (t === T.api_call) {
        const l = latency[r]!;
        if (l >= 0) {
          // NaN (no latency) and negatives fail the test, as in system metrics
          latValue[m] = l;
          latBucket[m++] = b;
          latCount[b]!++;
        }
        continue;
      }
      const key = RISK_KEY.get(t);
      if (key !== undefined) out[key]++;
    }
  });
  const offset = new Int32Array(n + 1);
  for (let b = 0; b < n; b++) offset[b + 1] = offset[b]! + latCount[b]!;
  const grouped = new Float64Array(m);
  const fill = offset.slice(0, n);
  for (let i = 0; i < m; i++) grouped[fill[latBucket[i]!]!++] = latValue[i]!;
  for (let b = 0; b < n; b++) {
    if (latCount[b] === 0) continue;
    const [p50, p95, p99] = percentiles(grouped.subarray(offset[b]!, offset[b + 1]!), [50, 95, 99]);
    Object.assign(buckets[b]!, { p50_api_latency: p50!, p95_api_latency: p95!, p99_api_latency: p99! });
  }

  // Closed trades in the order trading metrics sum them (after linking).
  const closed = selectTrades(sel).filter(isClosed);
  for (const t of closed) {
    const out = buckets[indexOf(t.ts)]!;
    out.closed_trades++;
    out.realized_pnl += t.pnl;
  }
  const maxTrades = options.maxTrades ?? MAX_TIMESERIES_TRADES;
  const cut = Math.max(0, closed.length - maxTrades);
  let earlier = 0;
  let peak = 0;
  for (let i = 0; i < cut; i++) {
    earlier += closed[i]!.pnl;
    if (earlier > peak) peak = earlier;
  }
  const trades = closed.slice(cut).map((t): TimeseriesTrade => ({
    timestamp: isoOf(t.ts), event_id: t.eventId, symbol: t.symbol, strategy: t.strategy,
    quantity: t.quantity ?? null, price: t.price ?? null, pnl: t.pnl, exit_reason: t.exitReason, hold_minutes: t.holdMinutes ?? null,
  }));
  return { bucket, buckets, trades, total_trades: closed.length, truncated: cut > 0, earlier_pnl: earlier, earlier_peak: peak };
}
