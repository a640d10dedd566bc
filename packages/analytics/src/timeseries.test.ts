import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogAnalyzer } from './analyzer.js';
import { AnalyticsError } from './codes.js';
import { DAY_US, HOUR_US, parseRange, parseTimestamp, type TimeRange } from './dates.js';
import { eventSetOf, type EventSet } from './event-set.js';
import { computeReport } from './report.js';
import { SegmentBuilder } from './segment.js';
import { ev, exit, lines, near, tempDir } from './test/helpers.js';
import { timeseries, type BucketSize, type Timeseries } from './timeseries.js';

/** One segment per list, de-duplicated in order, as files read one after another. */
function setOf(...files: Record<string, unknown>[][]): EventSet {
  return eventSetOf(files.map((events, i) => {
    const b = new SegmentBuilder(`file${i}`);
    for (const e of events) b.add(e, parseTimestamp(e.timestamp as string)!);
    return b.finish();
  }));
}

const api = (timestamp: string, latency_ms: unknown, extra: Record<string, unknown> = {}) => ev({ timestamp, event_type: 'api_call', level: 'DEBUG', latency_ms, ...extra });

/**
 * Every bucket equals the reports of its own range: system_metrics (latency percentiles,
 * errors, warnings), risk_metrics (the four counts), trading_metrics (trades, P&L).
 */
function assertBucketsMatchReports(set: EventSet, range: TimeRange, bucket: BucketSize, ts: Timeseries): void {
  const size = bucket === 'hour' ? HOUR_US : DAY_US;
  ts.buckets.forEach((b, i) => {
    const start = Math.max(range.start, parseTimestamp(b.start)!);
    assert.equal(parseTimestamp(b.start)!, Math.floor(range.start / size) * size + i * size, `bucket ${i} start`);
    const bucketEnd = parseTimestamp(b.start)! + size;
    // The bucket as a range of its own: [start, end), the last one ending where the range does.
    const own: TimeRange = bucketEnd <= range.end ? { start, end: bucketEnd, endExclusive: true } : { start, end: range.end, endExclusive: range.endExclusive };
    const r = computeReport(set, own);
    const s = r.system_metrics;
    const what = `${bucket} ${b.start}`;
    for (const k of ['p50_api_latency', 'p95_api_latency', 'p99_api_latency'] as const) near(b[k], s[k], `${what} ${k}`);
    assert.equal(b.error_count, s.error_count, `${what} error_count`);
    assert.equal(b.warning_count, s.warning_count, `${what} warning_count`);
    assert.equal(b.risk_limit_hit, r.risk_metrics.risk_limit_hits, `${what} risk_limit_hit`);
    assert.equal(b.daily_loss_limit, r.risk_metrics.daily_loss_limit_hits, `${what} daily_loss_limit`);
    assert.equal(b.portfolio_heat_warning, r.risk_metrics.portfolio_heat_warnings, `${what} portfolio_heat_warning`);
    assert.equal(b.position_size_calculated, r.risk_metrics.position_size_calculations, `${what} position_size_calculated`);
    assert.equal(b.closed_trades, r.trading_metrics.total_trades, `${what} closed_trades`);
    near(b.realized_pnl, r.trading_metrics.total_pnl, `${what} realized_pnl`);
  });
}

// Two days around midnight: latencies good and bad (NaN, negative, a string, null, 0),
// levels, risk events, closed trades and things that are not (entries, an exit without pnl,
// a stop_loss_hit with pnl), and a second file repeating some events with other content (the
// first copy wins) and adding some of its own.
const first = [
  api('2024-01-01T22:10:00Z', 10), api('2024-01-01T22:20:00Z', 30), api('2024-01-01T22:59:59.999999Z', 50),
  api('2024-01-01T23:00:00Z', NaN), api('2024-01-01T23:01:00Z', -5), api('2024-01-01T23:02:00Z', '7'), api('2024-01-01T23:03:00Z', null), api('2024-01-01T23:04:00Z', 0),
  api('2024-01-01T23:59:59.999Z', 1000, { metadata: { status_code: 503 } }),
  api('2024-01-02T00:00:00Z', 20), api('2024-01-02T00:30:00Z', 40), api('2024-01-02T01:15:00Z', 5),
  ev({ timestamp: '2024-01-01T22:30:00Z', level: 'ERROR', event_type: 'system_error' }),
  ev({ timestamp: '2024-01-01T23:30:00Z', level: 'critical', event_type: 'system_error' }),
  ev({ timestamp: '2024-01-02T00:00:00.000001Z', level: 'Warning', event_type: 'risk_limit_hit' }),
  ev({ timestamp: '2024-01-02T00:10:00Z', level: 'WARN', event_type: 'daily_loss_limit' }),
  ev({ timestamp: '2024-01-01T23:59:00Z', event_type: 'portfolio_heat_warning', level: 'WARNING' }),
  ev({ timestamp: '2024-01-02T01:00:00Z', event_type: 'position_size_calculated' }),
  ev({ timestamp: '2024-01-02T01:00:00Z', event_type: 'trade_entry', symbol: 'AAPL', quantity: 5, price: 10 }),
  exit('2024-01-01T22:45:00Z', 100, { strategy_name: 'momentum', metadata: { exit_reason: 'take_profit_hit', hold_time_minutes: 12 } }),
  exit('2024-01-01T23:59:59.999Z', -40, { symbol: 'TSLA', event_type: 'trade_partial_exit', metadata: { reason: 'stop' } }),
  exit('2024-01-02T00:00:00Z', 0.1),
  exit('2024-01-02T00:00:00Z', 0.2),
  ev({ timestamp: '2024-01-02T00:05:00Z', event_type: 'trade_exit', symbol: 'AAPL' }), // no pnl: not a closed trade
  ev({ timestamp: '2024-01-02T00:06:00Z', event_type: 'stop_loss_hit', pnl: -9 }),
];
const second = [
  { ...first[0]!, latency_ms: 9999 }, { ...first[12]!, level: 'INFO' }, { ...first[19]!, pnl: 1e6 }, { ...first[14]! },
  api('2024-01-02T01:30:00Z', 15), exit('2024-01-02T01:40:00Z', 7.5), ev({ timestamp: '2024-01-02T01:45:00Z', level: 'ERROR' }),
  api('2024-01-03T00:00:00Z', 1), exit('2024-01-03T00:00:00Z', 1), // outside the ranges below (the next day)
  api('2023-12-31T23:59:59.999Z', 1),
];

describe('timeseries', () => {
  const set = setOf(first, second);

  it('day buckets over a range with an empty day equal each day\'s reports', () => {
    const range = parseRange('2024-01-01', '2024-01-02');
    const ts = timeseries(set, range, 'day');
    assert.equal(ts.bucket, 'day');
    assert.deepEqual(ts.buckets.map((b) => b.start), ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z']);
    assertBucketsMatchReports(set, range, 'day', ts);
    const empty = timeseries(set, parseRange('2023-06-01', '2023-06-03'), 'day');
    assert.equal(empty.buckets.length, 3);
    for (const b of empty.buckets) {
      assert.deepEqual({ ...b, start: '' }, {
        start: '', p50_api_latency: null, p95_api_latency: null, p99_api_latency: null, error_count: 0, warning_count: 0,
        risk_limit_hit: 0, daily_loss_limit: 0, portfolio_heat_warning: 0, position_size_calculated: 0, closed_trades: 0, realized_pnl: 0,
      });
    }
    assert.deepEqual([empty.trades, empty.total_trades, empty.truncated], [[], 0, false]);
  });

  it('hour buckets across midnight equal each hour\'s reports; copies count once, the first copy wins', () => {
    const range = parseRange('2024-01-01', '2024-01-02');
    const ts = timeseries(set, range, 'hour');
    assert.equal(ts.buckets.length, 48);
    assertBucketsMatchReports(set, range, 'hour', ts);
    const at = (iso: string) => ts.buckets.find((b) => b.start === iso)!;
    const h22 = at('2024-01-01T22:00:00.000Z');
    assert.deepEqual([h22.p50_api_latency, h22.error_count, h22.closed_trades, h22.realized_pnl], [30, 1, 1, 100]); // not 9999, 1e6
    const h23 = at('2024-01-01T23:00:00.000Z');
    near(h23.p50_api_latency, 500); // 0 and 1000 only: NaN, -5, '7' and null are no latencies
    assert.equal(h23.error_count, 1);
    assert.equal(h23.warning_count, 1);
    const h00 = at('2024-01-02T00:00:00.000Z');
    assert.deepEqual([h00.risk_limit_hit, h00.daily_loss_limit, h00.warning_count, h00.closed_trades], [1, 1, 1, 2]); // WARN is no level
    near(h00.realized_pnl, 0.1 + 0.2);
    assert.equal(at('2024-01-01T05:00:00.000Z').p99_api_latency, null);
  });

  it('one day in hours; a timestamp range keeps aligned buckets and clips the first and last', () => {
    const day = parseRange('2024-01-02', '2024-01-02');
    const ts = timeseries(set, day, 'hour');
    assert.equal(ts.buckets.length, 24);
    assertBucketsMatchReports(set, day, 'hour', ts);
    const inner = parseRange('2024-01-01T22:15:00Z', '2024-01-02T00:00:00Z');
    const clipped = timeseries(set, inner, 'hour');
    assert.deepEqual(clipped.buckets.map((b) => b.start), ['2024-01-01T22:00:00.000Z', '2024-01-01T23:00:00.000Z', '2024-01-02T00:00:00.000Z']);
    assertBucketsMatchReports(set, inner, 'hour', clipped);
    assert.equal(clipped.buckets[0]!.p50_api_latency, 40); // 30 and 50: 10 is before 22:15
    assert.equal(clipped.buckets[2]!.closed_trades, 2); // both exits at exactly 00:00:00, the end (inclusive)
  });

  it('lists the closed trades in time order with what the dashboard shows', () => {
    const ts = timeseries(set, parseRange('2024-01-01', '2024-01-02'), 'day');
    assert.deepEqual(ts.trades.map((t) => t.pnl), [100, -40, 0.1, 0.2, 7.5]);
    assert.equal(ts.total_trades, 5);
    assert.deepEqual(ts.trades[0], {
      timestamp: '2024-01-01T22:45:00.000Z', event_id: first[19]!.event_id, symbol: 'AAPL', strategy: 'momentum',
      quantity: 1, price: 1, pnl: 100, exit_reason: 'take_profit_hit', hold_minutes: 12,
    });
    assert.deepEqual([ts.trades[1]!.exit_reason, ts.trades[1]!.strategy, ts.trades[1]!.hold_minutes, ts.trades[2]!.exit_reason], ['stop', 'unknown', null, 'unknown']);
    const text = setOf([exit('2024-01-01T10:00:00Z', 1, { event_id: 'order-7-exit' })]);
    assert.equal(timeseries(text, parseRange('2024-01-01', '2024-01-01'), 'day').trades[0]!.event_id, 'order-7-exit');
  });

  it('caps the trades to the latest ones, with the P&L and peak of those left out', () => {
    const range = parseRange('2024-01-01', '2024-01-02');
    const ts = timeseries(set, range, 'day', { maxTrades: 2 });
    assert.deepEqual(ts.trades.map((t) => t.pnl), [0.2, 7.5]);
    assert.equal(ts.total_trades, 5);
    assert.equal(ts.truncated, true);
    near(ts.earlier_pnl, 100 - 40 + 0.1);
    assert.equal(ts.earlier_peak, 100);
    assert.deepEqual(ts.buckets, timeseries(set, range, 'day').buckets); // the buckets count every trade
    const all = timeseries(set, range, 'day', { maxTrades: 5 });
    assert.deepEqual([all.truncated, all.earlier_pnl, all.earlier_peak, all.trades.length], [false, 0, 0, 5]);
  });

  it('refuses an open range, an unknown bucket and too many buckets', () => {
    const codeOf = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof AnalyticsError && e.code === 'DAYBOOK_E_OPTION_INVALID');
    codeOf(() => timeseries(set, parseRange('2024-01-01', undefined), 'day'));
    codeOf(() => timeseries(set, parseRange(undefined, '2024-01-01'), 'hour'));
    codeOf(() => timeseries(set, parseRange('2024-01-01', '2024-01-02'), 'week' as BucketSize));
    codeOf(() => timeseries(set, parseRange('2024-01-01', '2024-01-02'), 'hour', { maxBuckets: 47 }));
    assert.equal(timeseries(set, parseRange('2024-01-01', '2024-01-02'), 'hour', { maxBuckets: 48 }).buckets.length, 48);
  });

  it('LogAnalyzer.getTimeseries reads a directory once, de-duplicated across its files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log.1'), lines(first));
    writeFileSync(join(dir, 'audit.log'), lines(second) + 'not json\n');
    const analyzer = new LogAnalyzer(dir);
    const ts = await analyzer.getTimeseries('2024-01-01', '2024-01-02', 'hour');
    const range = parseRange('2024-01-01', '2024-01-02');
    assertBucketsMatchReports(await analyzer.load(), range, 'hour', ts);
    for (const [i, b] of ts.buckets.entries()) {
      if (i % 6 !== 0 && b.closed_trades === 0) continue; // a sample of hours through the REST-like API
      const s = await analyzer.getSystemMetrics(b.start, new Date(Date.parse(b.start) + 3_599_999).toISOString().replace('Z', '999Z'));
      assert.deepEqual([b.p50_api_latency, b.p95_api_latency, b.p99_api_latency, b.error_count, b.warning_count], [s.p50_api_latency, s.p95_api_latency, s.p99_api_latency, s.error_count, s.warning_count]);
    }
    assert.equal(ts.bad_lines.total, 1);
    assert.equal(ts.total_trades, 5);
  });
});
