import {
  AnalyticsError, BAD_LINE_KINDS, badLinesReport, dayRange, DAY_US, HOUR_US, isoOf, openTradesAt, parseRange, select, selectTrades,
  symbolPerformance, timeseries, tradesIn, tradingMetrics, utcDay,
  type BadLineCounts, type BucketSize, type DailyReport, type DateInput, type ErrorSummary, type EventSet, type FullReport, type RiskDay,
  type RiskMetrics, type SymbolPerformance, type SystemMetrics, type TimeRange, type Timeseries, type TimeseriesOptions, type TradeList,
  type TradeQuery, type TradingMetrics, type WithBadLines,
} from '@daybook/analytics';
import type { QueryRunner } from './runner.js';
import { COUNTED_LATENCY, conditions, from, IS_ERROR, IS_WARNING, LEVEL, percentileSql, READ_ORDER, READ_ORDER_REVERSED, str, where, type FleetFilter } from './sql.js';
import { tradingEventSet } from './trading-set.js';

// LogAnalyzer's reports (same method names, same JSON) computed in ClickHouse. Counts, sums,
// percentiles, per-day and per-hour groups run as SQL over `events FINAL`; the figures that
// depend on the order of trades (linking, drawdown, streaks, the daily series) run analytics'
// own pure functions over the trading events only (trading-set.ts). Bad lines are the
// shipper's business (it ships events, not lines that are not events): always 0 here.

export interface ClickHouseAnalyzerOptions extends FleetFilter {
  /** The database holding `events` (default daybook). */
  database?: string;
  /** Periods per year for Sharpe and Sortino: 252 (default) or 365. */
  periodsPerYear?: number;
  /** Starting equity; default: the earliest portfolio_value in range. */
  startingEquity?: number;
}

const NO_BAD_LINES = badLinesReport(Object.fromEntries(BAD_LINE_KINDS.map((k) => [k, 0])) as unknown as BadLineCounts);
const badLines = () => ({ ...NO_BAD_LINES });
const n = (v: unknown): number => Number(v);
const nullable = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const RISK_TYPES = ['risk_limit_hit', 'daily_loss_limit', 'portfolio_heat_warning', 'position_size_calculated'] as const;
const emptyRiskDay = (): RiskDay => ({ risk_limit_hit: 0, daily_loss_limit: 0, portfolio_heat_warning: 0, position_size_calculated: 0 });
const TOP = 10;

interface MainRow {
  total: string; api_calls: string; api_error_events: string; status_5xx: string; rate_limits: string; errors: string; warnings: string;
  health: string; health_failures: string; restarts: string; lat_n: string; lat_sum: number; p50: number; p95: number; p99: number; p100: number;
  max_heat: number | null; min_daily: number | null;
  risk_limit_hit: string; daily_loss_limit: string; portfolio_heat_warning: string; position_size_calculated: string;
}

/** What one range's SQL answers, before the trading part joins it. */
interface SqlFigures {
  system: SystemMetrics;
  risk: RiskMetrics;
  errors: ErrorSummary;
}

export class ClickHouseAnalyzer {
  readonly database: string;
  readonly periodsPerYear: number;
  readonly startingEquity: number | undefined;
  readonly filter: FleetFilter;

  constructor(private readonly runner: QueryRunner, options: ClickHouseAnalyzerOptions = {}) {
    const ppy = options.periodsPerYear ?? 252;
    if (typeof ppy !== 'number' || !Number.isFinite(ppy) || ppy <= 0) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `periodsPerYear=${String(ppy)} must be a positive number (252 or 365)`);
    const eq = options.startingEquity;
    if (eq !== undefined && (typeof eq !== 'number' || !Number.isFinite(eq))) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `startingEquity=${String(eq)} must be a finite number`);
    this.database = options.database ?? 'daybook';
    this.periodsPerYear = ppy;
    this.startingEquity = eq;
    this.filter = { bot: options.bot, host: options.host };
  }

  private where(range: TimeRange, ...more: string[]): string {
    return where([...more, ...conditions(range, this.filter)]);
  }

  // ---- SQL parts ------------------------------------------------------------------------------

  private async main(range: TimeRange): Promise<MainRow> {
    const risk = RISK_TYPES.map((t) => `countIf(event_type = ${str(t)}) AS ${t}`).join(',\n  ');
    const sql = `SELECT
  count() AS total,
  countIf(event_type = 'api_call') AS api_calls,
  countIf(event_type = 'api_error') AS api_error_events,
  countIf(event_type = 'api_call' AND ifNull(status_code, 0) >= 500) AS status_5xx,
  countIf(event_type = 'rate_limit' OR (event_type = 'api_call' AND ifNull(status_code, 0) = 429)) AS rate_limits,
  countIf(${IS_ERROR}) AS errors,
  countIf(${IS_WARNING}) AS warnings,
  countIf(event_type = 'health_check') AS health,
  countIf(event_type = 'health_check' AND (health_bad = 1 OR ${LEVEL} IN ('WARNING', 'ERROR', 'CRITICAL'))) AS health_failures,
  countIf(event_type = 'system_start') AS restarts,
  arraySort(groupArrayIf(assumeNotNull(latency_ms), ${COUNTED_LATENCY})) AS lat,
  length(lat) AS lat_n,
  arraySum(lat) AS lat_sum,
  ${percentileSql('lat', 'lat_n', 50, 'p50')},
  ${percentileSql('lat', 'lat_n', 95, 'p95')},
  ${percentileSql('lat', 'lat_n', 99, 'p99')},
  ${percentileSql('lat', 'lat_n', 100, 'p100')},
  max(coalesce(portfolio_heat, meta_portfolio_heat)) AS max_heat,
  min(coalesce(daily_pnl, meta_daily_pnl)) AS min_daily,
  ${risk}
FROM ${from(this.database)}
${this.where(range)}`;
    const [row] = await this.runner.rows<MainRow>(sql);
    return row!;
  }

  /** Σ over sessions of (last − first event time), µs (metrics.md uptime_hours). */
  private async uptimeUs(range: TimeRange): Promise<number> {
    const sql = `SELECT sum(span) AS us FROM (
  SELECT max(ts) - min(ts) AS span FROM ${from(this.database)} ${this.where(range, "session_id != ''")} GROUP BY session_id
)`;
    const [row] = await this.runner.rows<{ us: string | number | null }>(sql);
    return n(row?.us ?? 0);
  }

  private async riskDays(range: TimeRange): Promise<Record<string, RiskDay>> {
    const sql = `SELECT intDiv(ts, ${DAY_US}) AS day, event_type AS type, count() AS c
FROM ${from(this.database)}
${this.where(range, `event_type IN (${RISK_TYPES.map(str).join(', ')})`)}
GROUP BY day, type`;
    const byDay = new Map<number, RiskDay>();
    for (const r of await this.runner.rows<{ day: string; type: keyof RiskDay; c: string }>(sql)) {
      const d = n(r.day);
      let day = byDay.get(d);
      if (day === undefined) byDay.set(d, (day = emptyRiskDay()));
      day[r.type] += n(r.c);
    }
    const days = [...byDay.keys()].sort((a, b) => a - b);
    return Object.fromEntries(days.map((d) => [utcDay(d * DAY_US), byDay.get(d)!]));
  }

  private async errorSummary(range: TimeRange, totals: { errors: number; warnings: number }): Promise<ErrorSummary> {
    const errs = this.where(range, IS_ERROR);
    const db = from(this.database);
    const [groups, top, recent] = await Promise.all([
      this.runner.rows<{ comp: string; etype: string; hour: string; c: string }>(`SELECT if(component = '', 'unknown', component) AS comp,
  if(error_type != '', error_type, event_type) AS etype, intDiv(ts, ${HOUR_US}) % 24 AS hour, count() AS c
FROM ${db} ${errs} GROUP BY comp, etype, hour`),
      this.runner.rows<{ msg: string; c: string; first_ts: string; last_ts: string }>(`SELECT replaceRegexpAll(message, '[0-9]+', '#') AS msg, count() AS c, min(ts) AS first_ts, max(ts) AS last_ts
FROM ${db} ${errs} GROUP BY msg ORDER BY c DESC, first_ts ASC, msg ASC LIMIT ${TOP}`),
      this.runner.rows<{ ts: string; lvl: string; comp: string; event_type: string; message: string; event_id: string; etype: string }>(`SELECT ts,
  if(${LEVEL} = 'CRITICAL', 'CRITICAL', 'ERROR') AS lvl, if(component = '', 'unknown', component) AS comp, event_type, message, event_id,
  if(error_type != '', error_type, event_type) AS etype
FROM ${db} ${errs} ORDER BY ts DESC, ${READ_ORDER_REVERSED} LIMIT ${TOP}`),
    ]);
    const byComponent: Record<string, number> = {};
    const byType: Record<string, number> = {};
    const byHour: Record<string, number> = {};
    for (let h = 0; h < 24; h++) byHour[String(h).padStart(2, '0')] = 0;
    for (const g of groups) {
      const c = n(g.c);
      byComponent[g.comp] = (byComponent[g.comp] ?? 0) + c;
      byType[g.etype] = (byType[g.etype] ?? 0) + c;
      const h = String(n(g.hour)).padStart(2, '0');
      byHour[h] = byHour[h]! + c;
    }
    return {
      total_errors: totals.errors,
      total_warnings: totals.warnings,
      by_component: byComponent,
      by_error_type: byType,
      top_messages: top.map((m) => ({ message: m.msg, count: n(m.c), first_seen: isoOf(n(m.first_ts)), last_seen: isoOf(n(m.last_ts)) })),
      errors_by_hour: byHour,
      recent_errors: recent.map((e) => ({ timestamp: isoOf(n(e.ts)), level: e.lvl, component: e.comp, event_type: e.event_type, message: e.message, event_id: e.event_id, error_type: e.etype })),
    };
  }

  /** The top-level portfolio_value of the earliest event in range that has one (ties: read order). */
  private async firstPortfolioValue(range: TimeRange): Promise<number | null> {
    const rows = await this.runner.rows<{ v: number }>(`SELECT portfolio_value AS v FROM ${from(this.database)}
${this.where(range, 'isNotNull(portfolio_value)')} ORDER BY ts, ${READ_ORDER} LIMIT 1`);
    return rows.length === 0 ? null : n(rows[0]!.v);
  }

  private async sqlFigures(range: TimeRange, parts: { system?: boolean; risk?: boolean; errors?: boolean }): Promise<SqlFigures> {
    const [m, uptime, days] = await Promise.all([
      this.main(range),
      parts.system === true ? this.uptimeUs(range) : 0,
      parts.risk === true ? this.riskDays(range) : {},
    ]);
    const total = n(m.total);
    const apiCalls = n(m.api_calls);
    const apiErrorEvents = n(m.api_error_events);
    const apiErrors = apiErrorEvents + n(m.status_5xx);
    const errors = n(m.errors);
    const latN = n(m.lat_n);
    const lat = (v: number): number | null => (latN > 0 ? n(v) : null);
    const system: SystemMetrics = {
      total_events: total,
      api_calls: apiCalls,
      api_errors: apiErrors,
      api_error_rate: apiCalls + apiErrorEvents > 0 ? apiErrors / (apiCalls + apiErrorEvents) : 0,
      rate_limit_hits: n(m.rate_limits),
      avg_api_latency: latN > 0 ? n(m.lat_sum) / latN : null,
      p50_api_latency: lat(m.p50),
      p95_api_latency: lat(m.p95),
      p99_api_latency: lat(m.p99),
      max_api_latency: lat(m.p100),
      error_count: errors,
      warning_count: n(m.warnings),
      error_rate: total > 0 ? errors / total : 0,
      health_checks: n(m.health),
      health_check_failures: n(m.health_failures),
      restarts: n(m.restarts),
      uptime_hours: uptime / HOUR_US,
    };
    const risk: RiskMetrics = {
      risk_limit_hits: n(m.risk_limit_hit),
      daily_loss_limit_hits: n(m.daily_loss_limit),
      portfolio_heat_warnings: n(m.portfolio_heat_warning),
      position_size_calculations: n(m.position_size_calculated),
      max_portfolio_heat: nullable(m.max_heat),
      max_daily_loss: nullable(m.min_daily),
      risk_events_by_day: days,
    };
    const errorSummary = parts.errors === true ? await this.errorSummary(range, { errors, warnings: n(m.warnings) }) : (undefined as unknown as ErrorSummary);
    return { system, risk, errors: errorSummary };
  }

  // ---- the trading part ------------------------------------------------------------------------

  private async trading(range: TimeRange): Promise<{ set: EventSet; metrics: TradingMetrics; symbols: SymbolPerformance[] }> {
    const [set, first] = await Promise.all([
      tradingEventSet(this.runner, this.database, range, this.filter),
      this.startingEquity === undefined ? this.firstPortfolioValue(range) : this.startingEquity,
    ]);
    const trades = selectTrades(select(set, range));
    const metrics = tradingMetrics(trades, { periodsPerYear: this.periodsPerYear, startingEquity: first, openTrades: openTradesAt(set, range).length });
    return { set, metrics, symbols: symbolPerformance(trades) };
  }

  // ---- LogAnalyzer's methods -------------------------------------------------------------------

  async getTradingMetrics(start?: DateInput, end?: DateInput): Promise<TradingMetrics & WithBadLines> {
    return { ...(await this.trading(parseRange(start, end))).metrics, bad_lines: badLines() };
  }

  async getSystemMetrics(start?: DateInput, end?: DateInput): Promise<SystemMetrics & WithBadLines> {
    return { ...(await this.sqlFigures(parseRange(start, end), { system: true })).system, bad_lines: badLines() };
  }

  async getRiskMetrics(start?: DateInput, end?: DateInput): Promise<RiskMetrics & WithBadLines> {
    return { ...(await this.sqlFigures(parseRange(start, end), { risk: true })).risk, bad_lines: badLines() };
  }

  async getSymbolPerformance(start?: DateInput, end?: DateInput): Promise<SymbolPerformance[]> {
    return (await this.trading(parseRange(start, end))).symbols;
  }

  async getErrorSummary(start?: DateInput, end?: DateInput): Promise<ErrorSummary & WithBadLines> {
    return { ...(await this.sqlFigures(parseRange(start, end), { errors: true })).errors, bad_lines: badLines() };
  }

  async getTrades(query: TradeQuery = {}): Promise<TradeList> {
    const range = parseRange(query.start, query.end);
    const set = await tradingEventSet(this.runner, this.database, range, this.filter);
    return { trades: tradesIn(set, range, query), open_trades: openTradesAt(set, range).length, bad_lines: badLines(), read_problems: [] };
  }

  /**
   * Per hour or day of a bounded range, as LogAnalyzer's: latency percentiles, errors,
   * warnings and risk counts per bucket in SQL; closed trades, realized P&L and the trade list
   * from the trading events (analytics' timeseries over them, whose other figures are replaced).
   */
  async getTimeseries(start: DateInput, end: DateInput, bucket: BucketSize, options: TimeseriesOptions = {}): Promise<Timeseries & WithBadLines> {
    const range = parseRange(start, end);
    const set = await tradingEventSet(this.runner, this.database, range, this.filter);
    const series = timeseries(set, range, bucket, options); // validates bucket and range first
    const size = bucket === 'hour' ? HOUR_US : DAY_US;
    const origin = Math.floor(range.start / size) * size;
    const risk = RISK_TYPES.map((t) => `countIf(event_type = ${str(t)}) AS ${t}`).join(', ');
    const rows = await this.runner.rows<{ b: string; lat_n: string; p50: number; p95: number; p99: number; errors: string; warnings: string } & Record<keyof RiskDay, string>>(`SELECT
  intDiv(ts - ${origin}, ${size}) AS b,
  arraySort(groupArrayIf(assumeNotNull(latency_ms), ${COUNTED_LATENCY})) AS lat,
  length(lat) AS lat_n,
  ${percentileSql('lat', 'lat_n', 50, 'p50')},
  ${percentileSql('lat', 'lat_n', 95, 'p95')},
  ${percentileSql('lat', 'lat_n', 99, 'p99')},
  countIf(${IS_ERROR}) AS errors, countIf(${IS_WARNING}) AS warnings, ${risk}
FROM ${from(this.database)}
${this.where(range)}
GROUP BY b`);
    for (const r of rows) {
      const out = series.buckets[n(r.b)];
      if (out === undefined) continue;
      const has = n(r.lat_n) > 0;
      out.p50_api_latency = has ? n(r.p50) : null;
      out.p95_api_latency = has ? n(r.p95) : null;
      out.p99_api_latency = has ? n(r.p99) : null;
      out.error_count = n(r.errors);
      out.warning_count = n(r.warnings);
      for (const t of RISK_TYPES) out[t] = n(r[t]);
    }
    return { ...series, bad_lines: badLines() };
  }

  /** All five reports of a range; the queries run side by side. */
  async getReport(start?: DateInput, end?: DateInput): Promise<FullReport> {
    return this.report(parseRange(start, end));
  }

  private async report(range: TimeRange): Promise<FullReport> {
    const [sql, trading] = await Promise.all([this.sqlFigures(range, { system: true, risk: true, errors: true }), this.trading(range)]);
    return {
      start: Number.isFinite(range.start) ? isoOf(range.start) : null,
      end: Number.isFinite(range.end) ? isoOf(range.end) : null,
      trading_metrics: trading.metrics,
      system_metrics: sql.system,
      risk_metrics: sql.risk,
      symbol_performance: trading.symbols,
      error_summary: sql.errors,
      bad_lines: badLines(),
      read_problems: [],
    };
  }

  /** The report of one UTC day (YYYY-MM-DD; default today). */
  async generateDailyReport(date?: DateInput): Promise<DailyReport> {
    const { day, range } = dayRange(date);
    const { start: _start, end: _end, bad_lines, read_problems, ...reports } = await this.report(range);
    return { date: day, ...reports, generated_at: new Date().toISOString(), bad_lines, read_problems };
  }
}
