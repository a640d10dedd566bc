import {
  AnalyticsError, BAD_LINE_KINDS, badLinesReport, dayRange, DAY_US, HOUR_US, isoOf, openTradesAt, parseRange, select, selectTrades,
  symbolPerformance, timeseries, tradesIn, tradingMetrics, utcDay,
  type BadLineCounts, type BucketSize, type DailyReport, type DateInput, type ErrorSummary, type EventSet, type FullReport, type RiskDay,
  type RiskMetrics, type SymbolPerformance, type SystemMetrics, type TimeRange, type Timeseries, type TimeseriesOptions, type TradeList,
  type TradeQuery, type TradingMetrics, type WithBadLines,
} from '@daybook/analytics';
import type { QueryRunner } from './runner.js';
import { COUNTED_LATENCY, conditions, distinctRows, from, IS_APP_LINE, IS_ERROR, IS_WARNING, LEVEL, percentileSql, READ_ORDER, READ_ORDER_REVERSED, str, where, type FleetFilter } from './sql.js';
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
  max_heat: number | null; min_daily: number | null; uptime_us: string | number;
  /** sumMap's answer: keys (day × 8 + risk type index, 1-4) and counts. */
  risk_days: [(string | number)[], (string | number)[]];
  risk_limit_hit: string; daily_loss_limit: string; portfolio_heat_warning: string; position_size_calculated: string;
}

/** One bot of the fleet overview (getFleetOverview). */
export interface FleetBot {
  bot: string;
  /** The hosts its events came from, sorted. */
  hosts: string[];
  /** As system_metrics over this bot: events, ERROR/CRITICAL, WARNING, api_call events, latency. */
  total_events: number;
  error_count: number;
  warning_count: number;
  api_calls: number;
  avg_api_latency: number | null;
  p50_api_latency: number | null;
  p95_api_latency: number | null;
  /** Its latest event in range (ISO-8601 UTC). */
  last_event: string;
  /** As trading_metrics over this bot. */
  total_trades: number;
  total_pnl: number;
  net_pnl: number;
  win_rate: number;
  open_trades: number;
}

export interface FleetOverview {
  start: string | null;
  end: string | null;
  /** Each bot with an event in range (narrowed by the analyzer's bot/host), by name. */
  bots: FleetBot[];
}

/** What one range's SQL answers, before the trading part joins it. */
interface SqlFigures {
  system: SystemMetrics;
  risk: RiskMetrics;
  errors: ErrorSummary;
}

/** risk_events_by_day from main's sumMap (days ascending, all four keys). */
function riskDays([keys, counts]: MainRow['risk_days']): Record<string, RiskDay> {
  const byDay = new Map<number, RiskDay>();
  keys.forEach((k, i) => {
    const key = n(k);
    const d = Math.floor(key / 8);
    let day = byDay.get(d);
    if (day === undefined) byDay.set(d, (day = emptyRiskDay()));
    day[RISK_TYPES[(key % 8) - 1]!] += n(counts[i]);
  });
  const days = [...byDay.keys()].sort((a, b) => a - b);
  return Object.fromEntries(days.map((d) => [utcDay(d * DAY_US), byDay.get(d)!]));
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

  /**
   * Every system and risk figure in one pass of `events FINAL` (FINAL is most of a query's
   * cost): per session (uptime is per session), then summed over sessions; latencies are
   * gathered per session and sorted once; risk events per day are a sumMap keyed by
   * day × 8 + type.
   */
  private async main(range: TimeRange): Promise<MainRow> {
    const counts: [string, string][] = [
      ['total', '1'],
      ['api_calls', "event_type = 'api_call'"],
      ['api_error_events', "event_type = 'api_error'"],
      ['status_5xx', "event_type = 'api_call' AND ifNull(status_code, 0) >= 500"],
      ['rate_limits', "event_type = 'rate_limit' OR (event_type = 'api_call' AND ifNull(status_code, 0) = 429)"],
      ['errors', IS_ERROR],
      ['warnings', IS_WARNING],
      ['health', "event_type = 'health_check'"],
      ['health_failures', `event_type = 'health_check' AND (health_bad = 1 OR ${LEVEL} IN ('WARNING', 'ERROR', 'CRITICAL'))`],
      ['restarts', "event_type = 'system_start'"],
      ...RISK_TYPES.map((t): [string, string] => [t, `event_type = ${str(t)}`]),
    ];
    const riskIndex = `indexOf([${RISK_TYPES.map(str).join(', ')}], event_type)`;
    const sql = `SELECT
  ${counts.map(([name]) => `sum(${name}) AS ${name}`).join(',\n  ')},
  sumIf(span, session_id != '') AS uptime_us,
  arraySort(groupArrayArray(session_lat)) AS lat,
  length(lat) AS lat_n,
  arraySum(lat) AS lat_sum,
  ${percentileSql('lat', 'lat_n', 50, 'p50')},
  ${percentileSql('lat', 'lat_n', 95, 'p95')},
  ${percentileSql('lat', 'lat_n', 99, 'p99')},
  ${percentileSql('lat', 'lat_n', 100, 'p100')},
  max(session_heat) AS max_heat,
  min(session_daily) AS min_daily,
  sumMap(tupleElement(session_risk, 1), tupleElement(session_risk, 2)) AS risk_days
FROM (
  SELECT
    session_id,
    ${counts.map(([name, cond]) => `countIf(${cond}) AS ${name}`).join(',\n    ')},
    max(ts) - min(ts) AS span,
    groupArrayIf(assumeNotNull(latency_ms), ${COUNTED_LATENCY}) AS session_lat,
    max(coalesce(portfolio_heat, meta_portfolio_heat)) AS session_heat,
    min(coalesce(daily_pnl, meta_daily_pnl)) AS session_daily,
    sumMapIf([intDiv(ts, ${DAY_US}) * 8 + ${riskIndex}], [toUInt64(1)], ${riskIndex} > 0) AS session_risk
  FROM ${from(this.database)}
  ${this.where(range)}
  GROUP BY session_id
)`;
    const [row] = await this.runner.rows<MainRow>(sql);
    return row!;
  }

  private async errorSummary(range: TimeRange, totals: { errors: number; warnings: number }): Promise<ErrorSummary> {
    const errs = distinctRows(this.database, ['ts', 'level', 'component', 'error_type', 'event_type', 'message'], [IS_ERROR, ...conditions(range, this.filter)]);
    const [groups, top, recent] = await Promise.all([
      this.runner.rows<{ comp: string; etype: string; hour: string; c: string; first_ts: string }>(`SELECT if(component = '', 'unknown', component) AS comp,
  if(error_type != '', error_type, event_type) AS etype, intDiv(ts, ${HOUR_US}) % 24 AS hour, count() AS c, min(ts) AS first_ts
FROM ${errs} GROUP BY comp, etype, hour ORDER BY first_ts`),
      this.runner.rows<{ msg: string; c: string; first_ts: string; last_ts: string }>(`SELECT replaceRegexpAll(message, '[0-9]+', '#') AS msg, count() AS c, min(ts) AS first_ts, max(ts) AS last_ts
FROM ${errs} GROUP BY msg ORDER BY c DESC, first_ts ASC, msg ASC LIMIT ${TOP}`),
      this.runner.rows<{ ts: string; lvl: string; comp: string; event_type: string; message: string; event_id: string; etype: string }>(`SELECT ts,
  if(${LEVEL} = 'CRITICAL', 'CRITICAL', 'ERROR') AS lvl, if(component = '', 'unknown', component) AS comp, event_type, message,
  if(${IS_APP_LINE}, '', event_id) AS event_id,
  if(error_type != '', error_type, event_type) AS etype
FROM ${errs} ORDER BY ts DESC, ${READ_ORDER_REVERSED} LIMIT ${TOP}`),
    ]);
    // Names are log content (`__proto__`, `toString`): counted in Maps (analytics' errors.ts).
    const byComponent = new Map<string, number>();
    const byType = new Map<string, number>();
    const byHour: Record<string, number> = {};
    for (let h = 0; h < 24; h++) byHour[String(h).padStart(2, '0')] = 0;
    for (const g of groups) {
      const c = n(g.c);
      byComponent.set(g.comp, (byComponent.get(g.comp) ?? 0) + c);
      byType.set(g.etype, (byType.get(g.etype) ?? 0) + c);
      const h = String(n(g.hour)).padStart(2, '0');
      byHour[h] = byHour[h]! + c;
    }
    return {
      total_errors: totals.errors,
      total_warnings: totals.warnings,
      by_component: Object.fromEntries(byComponent),
      by_error_type: Object.fromEntries(byType),
      top_messages: top.map((m) => ({ message: m.msg, count: n(m.c), first_seen: isoOf(n(m.first_ts)), last_seen: isoOf(n(m.last_ts)) })),
      errors_by_hour: byHour,
      recent_errors: recent.map((e) => ({ timestamp: isoOf(n(e.ts)), level: e.lvl, component: e.comp, event_type: e.event_type, message: e.message, event_id: e.event_id, error_type: e.etype })),
    };
  }

  /** The top-level portfolio_value of the earliest event in range that has one (ties: read order). */
  private async firstPortfolioValue(range: TimeRange): Promise<number | null> {
    const rows = await this.runner.rows<{ v: number }>(`SELECT portfolio_value AS v
FROM ${distinctRows(this.database, ['ts', 'portfolio_value'], ['isNotNull(portfolio_value)', ...conditions(range, this.filter)])}
ORDER BY ts, ${READ_ORDER} LIMIT 1`);
    return rows.length === 0 ? null : n(rows[0]!.v);
  }

  private async sqlFigures(range: TimeRange, parts: { errors?: boolean }): Promise<SqlFigures> {
    const m = await this.main(range);
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
      uptime_hours: n(m.uptime_us) / HOUR_US,
    };
    const risk: RiskMetrics = {
      risk_limit_hits: n(m.risk_limit_hit),
      daily_loss_limit_hits: n(m.daily_loss_limit),
      portfolio_heat_warnings: n(m.portfolio_heat_warning),
      position_size_calculations: n(m.position_size_calculated),
      max_portfolio_heat: nullable(m.max_heat),
      max_daily_loss: nullable(m.min_daily),
      risk_events_by_day: riskDays(m.risk_days),
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
    return { ...(await this.sqlFigures(parseRange(start, end), {})).system, bad_lines: badLines() };
  }

  async getRiskMetrics(start?: DateInput, end?: DateInput): Promise<RiskMetrics & WithBadLines> {
    return { ...(await this.sqlFigures(parseRange(start, end), {})).risk, bad_lines: badLines() };
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

  /**
   * Per bot: events, errors, warnings, API calls and latency (one GROUP BY bot over events
   * FINAL), its latest event, and its P&L (the trading figures of each bot: one trading
   * query per bot, run side by side).
   */
  async getFleetOverview(start?: DateInput, end?: DateInput): Promise<FleetOverview> {
    const range = parseRange(start, end);
    const rows = await this.runner.rows<{ bot: string; hosts: string[]; total: string; errors: string; warnings: string; api_calls: string; lat_n: string; lat_sum: number; p50: number; p95: number; last_ts: string }>(`SELECT
  bot,
  arraySort(groupUniqArray(host)) AS hosts,
  count() AS total,
  countIf(${IS_ERROR}) AS errors,
  countIf(${IS_WARNING}) AS warnings,
  countIf(event_type = 'api_call') AS api_calls,
  arraySort(groupArrayIf(assumeNotNull(latency_ms), ${COUNTED_LATENCY})) AS lat,
  length(lat) AS lat_n,
  arraySum(lat) AS lat_sum,
  ${percentileSql('lat', 'lat_n', 50, 'p50')},
  ${percentileSql('lat', 'lat_n', 95, 'p95')},
  max(ts) AS last_ts
FROM ${from(this.database)}
${this.where(range)}
GROUP BY bot
ORDER BY bot`);
    const bots = await Promise.all(rows.map(async (r): Promise<FleetBot> => {
      const one = new ClickHouseAnalyzer(this.runner, { database: this.database, periodsPerYear: this.periodsPerYear, startingEquity: this.startingEquity, bot: r.bot, host: this.filter.host });
      const t = (await one.trading(range)).metrics;
      const latN = n(r.lat_n);
      return {
        bot: r.bot, hosts: r.hosts,
        total_events: n(r.total), error_count: n(r.errors), warning_count: n(r.warnings), api_calls: n(r.api_calls),
        avg_api_latency: latN > 0 ? n(r.lat_sum) / latN : null,
        p50_api_latency: latN > 0 ? n(r.p50) : null,
        p95_api_latency: latN > 0 ? n(r.p95) : null,
        last_event: isoOf(n(r.last_ts)),
        total_trades: t.total_trades, total_pnl: t.total_pnl, net_pnl: t.net_pnl, win_rate: t.win_rate, open_trades: t.open_trades,
      };
    }));
    return { start: Number.isFinite(range.start) ? isoOf(range.start) : null, end: Number.isFinite(range.end) ? isoOf(range.end) : null, bots };
  }

  /** All five reports of a range; the queries run side by side. */
  async getReport(start?: DateInput, end?: DateInput): Promise<FullReport> {
    return this.report(parseRange(start, end));
  }

  private async report(range: TimeRange): Promise<FullReport> {
    const [sql, trading] = await Promise.all([this.sqlFigures(range, { errors: true }), this.trading(range)]);
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
