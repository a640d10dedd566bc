import type { FastifyInstance } from 'fastify';
import { DAY_US, HOUR_US, MAX_TIMESERIES_BUCKETS, type BucketSize, type LogAnalyzer } from '@daybook/analytics';
import type { ServerContext } from './context.js';
import { refuseFleetFilter, type FleetAnalyzer, type FleetFilter } from './fleet.js';
import { ServerError } from './errors.js';
import { checkDay, rangeOf } from './range.js';
import { DAILY_QUERY, RANGE_QUERY, TIMESERIES_QUERY } from './schemas.js';

type Range = { start_date?: string; end_date?: string } & FleetFilter;

const REPORTS: readonly [path: string, summary: string, get: (a: LogAnalyzer | FleetAnalyzer, s?: string, e?: string) => Promise<unknown>][] = [
  ['/audit/trading_metrics', 'Trading metrics of a range (docs/metrics.md: P&L, fees, net P&L, open trades, win rate, drawdown, Sharpe, Sortino, by exit reason and strategy)', (a, s, e) => a.getTradingMetrics(s, e)],
  ['/audit/system_metrics', 'System metrics of a range (events, API calls, errors, latency percentiles, health checks, uptime)', (a, s, e) => a.getSystemMetrics(s, e)],
  ['/audit/risk_metrics', 'Risk metrics of a range (limit hits, portfolio heat, daily loss, risk events by day)', (a, s, e) => a.getRiskMetrics(s, e)],
  ['/audit/symbol_performance', 'Performance per symbol over a range, best total P&L first (a list)', (a, s, e) => a.getSymbolPerformance(s, e)],
  ['/audit/error_summary', 'Errors of a range by component, type and hour, top messages, recent errors', (a, s, e) => a.getErrorSummary(s, e)],
];

/**
 * Who answers a report request: the fleet's analyzer narrowed by bot and host (a server
 * reading a fleet; computed per request, since the fleet changes without the local files
 * changing), else the log directories' (cached per key until the files change). `bot` and
 * `host` without a fleet are a bad request.
 */
function answer(ctx: ServerContext, key: string, q: FleetFilter, get: (a: LogAnalyzer | FleetAnalyzer) => Promise<unknown>): Promise<Buffer> {
  if (ctx.fleet !== undefined) return get(ctx.fleet.analyzer({ bot: q.bot, host: q.host })).then((v) => Buffer.from(JSON.stringify(v)));
  refuseFleetFilter(q);
  return ctx.cache.get(key, () => get(ctx.analyzer));
}

/** The seed's report endpoints, cached per range until the log files change. */
export function reportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  for (const [path, summary, get] of REPORTS) {
    app.get<{ Querystring: Range }>(path, { schema: { tags: ['reports'], summary, querystring: RANGE_QUERY } }, async (request, reply) => {
      const { start_date: s, end_date: e } = request.query;
      rangeOf(s, e);
      const body = await answer(ctx, `${path}|${s ?? ''}|${e ?? ''}`, request.query, (a) => get(a, s, e));
      return reply.type('application/json; charset=utf-8').send(body);
    });
  }
  app.get<{ Querystring: Range }>('/audit/fleet', { schema: { tags: ['reports'], summary: 'A fleet read from ClickHouse (daybook serve --clickhouse): per bot its hosts, events, errors, warnings, API calls and latency, latest event, P&L and open trades', querystring: RANGE_QUERY } }, async (request, reply) => {
    const { start_date: s, end_date: e } = request.query;
    rangeOf(s, e);
    if (ctx.fleet === undefined) throw new ServerError('DAYBOOK_E_SERVER_NOT_FOUND', '/audit/fleet needs a fleet: start the server with daybook serve --clickhouse URL');
    const body = await answer(ctx, '', request.query, (a) => (a as FleetAnalyzer).getFleetOverview(s, e));
    return reply.type('application/json; charset=utf-8').send(body);
  });
  app.get<{ Querystring: Required<Pick<Range, 'start_date' | 'end_date'>> & FleetFilter & { bucket: BucketSize; max_trades: number } }>('/audit/timeseries', {
    schema: { tags: ['reports'], summary: 'Per hour or day of a range: API latency p50/p95/p99, errors, warnings, risk events, closed trades and realized P&L; and the closed trades (the dashboard\'s charts in one request)', querystring: TIMESERIES_QUERY },
  }, async (request, reply) => {
    const { start_date: s, end_date: e, bucket, max_trades: maxTrades } = request.query;
    const range = rangeOf(s, e);
    const n = (range.end - range.start) / (bucket === 'hour' ? HOUR_US : DAY_US);
    if (n > MAX_TIMESERIES_BUCKETS) throw new ServerError('DAYBOOK_E_SERVER_BAD_REQUEST', `query parameter bucket: ${n} ${bucket}s from start_date to end_date, at most ${MAX_TIMESERIES_BUCKETS} (use bucket=day or a shorter range)`, { field: 'bucket' });
    const body = await answer(ctx, `/audit/timeseries|${s}|${e}|${bucket}|${maxTrades}`, request.query, (a) => a.getTimeseries(s, e, bucket, { maxTrades }));
    return reply.type('application/json; charset=utf-8').send(body);
  });
  app.get<{ Querystring: { date?: string } & FleetFilter }>('/audit/daily_report', { schema: { tags: ['reports'], summary: 'Every report for one UTC day (default today)', querystring: DAILY_QUERY } }, async (request, reply) => {
    const { date } = request.query;
    if (date !== undefined) checkDay(date);
    const day = date ?? new Date().toISOString().slice(0, 10);
    const body = await answer(ctx, `/audit/daily_report|${day}`, request.query, (a) => a.generateDailyReport(day));
    return reply.type('application/json; charset=utf-8').send(body);
  });
}
