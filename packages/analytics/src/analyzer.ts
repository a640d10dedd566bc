import { AnalyticsError } from './codes.js';
import { dayRange, parseRange, type DateInput, type TimeRange } from './dates.js';
import { select, type EventSet } from './event-set.js';
import { countErrors, errorSummaryOf, type ErrorSummary } from './errors.js';
import { exportEvents, type ExportOptions, type ExportResult } from './export.js';
import { computeReport, reportBadLines, type DailyReport, type FullReport, type WithBadLines } from './report.js';
import { riskMetrics, type RiskMetrics } from './risk.js';
import { readLimits, type ReadLimits } from './limits.js';
import { FileSource, type EventSource, type LoadOptions } from './source.js';
import type { SymbolPerformance } from './symbols.js';
import { systemFigures, systemMetrics, type SystemFigures, type SystemMetrics } from './system.js';
import { timeseries, type BucketSize, type Timeseries, type TimeseriesOptions } from './timeseries.js';
import { tradeFolds } from './trade-reports.js';
import { firstPortfolioValue, pnlFigures, type PnlFigures, type TradingMetrics } from './trading.js';
import { openTradesAt, tradesIn, type Trade, type TradeFilter } from './trades.js';
import type { ReadProblem } from './reader.js';

/** What getTrades selects: a range (as every report) and filters. */
export interface TradeQuery extends TradeFilter {
  start?: DateInput;
  end?: DateInput;
}

export interface TradeList extends WithBadLines {
  /** Newest first (by each trade's first event). */
  trades: Trade[];
  /** Trades open at the range's end, whatever the filters (the trading metrics' open_trades). */
  open_trades: number;
  read_problems: ReadProblem[];
}

/** The reports of one range each, as LogAnalyzer's methods of the same names (snapshot()). */
export interface RangeReports {
  getTradingMetrics(start?: DateInput, end?: DateInput): Promise<TradingMetrics & WithBadLines>;
  getSystemMetrics(start?: DateInput, end?: DateInput): Promise<SystemMetrics & WithBadLines>;
  getRiskMetrics(start?: DateInput, end?: DateInput): Promise<RiskMetrics & WithBadLines>;
  getErrorSummary(start?: DateInput, end?: DateInput): Promise<ErrorSummary & WithBadLines>;
}

/**
 * A few figures of those reports, each the same number its report gives, without computing
 * the rest of the report: what alert rules read from a snapshot at every evaluation.
 */
export interface RangeFigures {
  /** net_pnl and max_drawdown of getTradingMetrics. */
  getPnlFigures(start?: DateInput, end?: DateInput): Promise<PnlFigures>;
  /** total_events, avg_api_latency, p99_api_latency and rate_limit_hits of getSystemMetrics. */
  getSystemFigures(start?: DateInput, end?: DateInput): Promise<SystemFigures>;
  /** total_errors of getErrorSummary. */
  getErrorCount(start?: DateInput, end?: DateInput): Promise<Pick<ErrorSummary, 'total_errors'>>;
}

export interface LogAnalyzerOptions {
  /** Periods per year for Sharpe and Sortino: 252 (default, weekdays) or 365 (every day). */
  periodsPerYear?: number;
  /** Starting equity; default: the earliest portfolio_value in range. */
  startingEquity?: number;
  /** Keep what was read between calls, per file identity (default true). */
  cache?: boolean;
  /** Worker threads for large reads (default: the machine's cores). */
  threads?: number;
  /** Bytes to read from which worker threads are used (default 16 MiB); below it, this thread alone. */
  parallelThreshold?: number;
  /** Also read the category views (trades.log, system.log, ...) beside an audit.log; default false (audit.log holds all their lines). */
  readViews?: boolean;
  /** Keep the segments read in `<logDir>/.daybook/index/` for later processes (default true; see FileSource). */
  persist?: boolean;
  /** Read events from elsewhere than log files (the directories are then ignored). */
  source?: EventSource;
  /** Bounds on hostile input: longest line, gzip inflation (limits.ts; defaults DEFAULT_READ_LIMITS). */
  limits?: Partial<ReadLimits>;
}

/**
 * The DayBot LogAnalyzer, in TypeScript: `new LogAnalyzer('logs')` or a list of directories
 * (a fleet). Every method reads what changed since the last call (see FileSource) and returns
 * the metrics of metrics.md under their snake_case names, with the bad-line count. A damaged
 * log never throws; bad dates and missing directories do (AnalyticsError with a code).
 */
export class LogAnalyzer {
  readonly periodsPerYear: number;
  readonly startingEquity: number | undefined;
  private readonly source: EventSource;
  private readonly limits: Partial<ReadLimits> | undefined;

  constructor(logDir: string | readonly string[] = 'logs', options: LogAnalyzerOptions = {}) {
    const ppy = options.periodsPerYear ?? 252;
    if (typeof ppy !== 'number' || !Number.isFinite(ppy) || ppy <= 0) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `periodsPerYear=${String(ppy)} must be a positive number (252 or 365)`);
    const eq = options.startingEquity;
    if (eq !== undefined && (typeof eq !== 'number' || !Number.isFinite(eq))) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `startingEquity=${String(eq)} must be a finite number`);
    this.periodsPerYear = ppy;
    this.startingEquity = eq;
    this.limits = options.limits === undefined ? undefined : readLimits(options.limits);
    this.source = options.source ?? new FileSource(logDir, { cache: options.cache, threads: options.threads, parallelThreshold: options.parallelThreshold, readViews: options.readViews, persist: options.persist, limits: this.limits });
  }

  /**
   * Reads (what changed in) the logs: the de-duplicated events and the bad-line counts. With
   * `since`, files whose every event is earlier may be left out (their bad lines too), all
   * but their trading events, which linking reads: each report below asks from its range's start.
   */
  load(options?: LoadOptions): Promise<EventSet> {
    return this.source.load(options);
  }

  private loadRange(range: TimeRange): Promise<EventSet> {
    return this.load({ since: range.start });
  }

  async getTradingMetrics(start?: DateInput, end?: DateInput): Promise<TradingMetrics & WithBadLines> {
    const range = parseRange(start, end);
    return this.reports(await this.loadRange(range)).getTradingMetrics(start, end);
  }

  async getSystemMetrics(start?: DateInput, end?: DateInput): Promise<SystemMetrics & WithBadLines> {
    const range = parseRange(start, end);
    return this.reports(await this.loadRange(range)).getSystemMetrics(start, end);
  }

  async getRiskMetrics(start?: DateInput, end?: DateInput): Promise<RiskMetrics & WithBadLines> {
    const range = parseRange(start, end);
    return this.reports(await this.loadRange(range)).getRiskMetrics(start, end);
  }

  /**
   * The range reports of every range that starts at or after `since`, from one read: what a
   * caller asking many ranges at one instant needs (the alert rules' windows: one load instead
   * of one per window and report, and every figure from the same lines, where separate loads
   * would each see what a bot appended meanwhile). A range starting before `since` throws: the
   * read may have left out files it needs.
   */
  async snapshot(since: DateInput): Promise<RangeReports & RangeFigures> {
    const from = parseRange(since, undefined).start;
    const set = await this.load({ since: from });
    const reports = this.reports(set);
    const range = (start?: DateInput, end?: DateInput): TimeRange => {
      const r = parseRange(start, end);
      if (r.start < from) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `a range starting at ${String(start)} is before the snapshot's ${String(since)}: take a snapshot from the earliest start asked`);
      return r;
    };
    const sel = (start?: DateInput, end?: DateInput) => select(set, range(start, end));
    const checked = <R>(f: (start?: DateInput, end?: DateInput) => R) => (start?: DateInput, end?: DateInput): R => {
      range(start, end);
      return f(start, end);
    };
    return {
      getTradingMetrics: checked(reports.getTradingMetrics),
      getSystemMetrics: checked(reports.getSystemMetrics),
      getRiskMetrics: checked(reports.getRiskMetrics),
      getErrorSummary: checked(reports.getErrorSummary),
      getPnlFigures: async (start, end) => pnlFigures(sel(start, end)),
      getSystemFigures: async (start, end) => systemFigures(sel(start, end)),
      getErrorCount: async (start, end) => ({ total_errors: countErrors(sel(start, end)) }),
    };
  }

  /** The range reports over one loaded set (each method of the analyzer loads, then asks these). */
  private reports(set: EventSet): RangeReports {
    const bad_lines = reportBadLines(set.bad);
    const sel = (start?: DateInput, end?: DateInput) => select(set, parseRange(start, end));
    return {
      getTradingMetrics: async (start, end) => {
        const s = sel(start, end);
        const { trading } = tradeFolds(s, this.startingEquity ?? firstPortfolioValue(s));
        return { ...trading.metrics(this.periodsPerYear, openTradesAt(set, s.range).length), bad_lines };
      },
      getSystemMetrics: async (start, end) => ({ ...systemMetrics(sel(start, end)), bad_lines }),
      getRiskMetrics: async (start, end) => ({ ...riskMetrics(sel(start, end)), bad_lines }),
      getErrorSummary: async (start, end) => ({ ...errorSummaryOf(sel(start, end)), bad_lines }),
    };
  }

  /**
   * Per hour or day of a bounded range: latency percentiles, errors, warnings, risk counts,
   * closed trades and realized P&L, plus the closed trades themselves (the latest
   * `maxTrades`): a dashboard's charts from one read instead of one report per bucket.
   */
  async getTimeseries(start: DateInput, end: DateInput, bucket: BucketSize, options: TimeseriesOptions = {}): Promise<Timeseries & WithBadLines> {
    const range = parseRange(start, end);
    const set = await this.loadRange(range);
    return { ...timeseries(set, range, bucket, options), bad_lines: reportBadLines(set.bad) };
  }

  private async selection(start: DateInput, end: DateInput) {
    const range = parseRange(start, end);
    const set = await this.loadRange(range);
    return { set, sel: select(set, range), bad_lines: reportBadLines(set.bad) };
  }

  /** A list (as the REST API returns it); the bad-line count is in getReport(). */
  async getSymbolPerformance(start?: DateInput, end?: DateInput): Promise<SymbolPerformance[]> {
    const { sel } = await this.selection(start, end);
    // The folds are kept per starting equity: the report's, so that getReport's are the ones reused.
    return tradeFolds(sel, this.startingEquity ?? firstPortfolioValue(sel)).symbols.performance();
  }

  async getErrorSummary(start?: DateInput, end?: DateInput): Promise<ErrorSummary & WithBadLines> {
    const range = parseRange(start, end);
    return this.reports(await this.loadRange(range)).getErrorSummary(start, end);
  }

  /**
   * The trades of a range, linked from entry to exit (docs/metrics.md "Trades"): each trade
   * with an event in the range or open at its end, newest first, with its events in order.
   * Entries before the range are found (the load keeps what linking needs).
   */
  async getTrades(query: TradeQuery = {}): Promise<TradeList> {
    const { set, sel, bad_lines } = await this.selection(query.start, query.end);
    const trades = tradesIn(set, sel.range, query);
    return { trades, open_trades: openTradesAt(set, sel.range).length, bad_lines, read_problems: [...set.problems] };
  }

  /** All five reports of a range from one read. */
  async getReport(start?: DateInput, end?: DateInput): Promise<FullReport> {
    const range = parseRange(start, end);
    return computeReport(await this.loadRange(range), range, { periodsPerYear: this.periodsPerYear, startingEquity: this.startingEquity });
  }

  /** The report of one UTC day (YYYY-MM-DD; default today). */
  async generateDailyReport(date?: DateInput): Promise<DailyReport> {
    const { day, range } = dayRange(date);
    const r = computeReport(await this.loadRange(range), range, { periodsPerYear: this.periodsPerYear, startingEquity: this.startingEquity });
    return {
      date: day,
      trading_metrics: r.trading_metrics,
      system_metrics: r.system_metrics,
      risk_metrics: r.risk_metrics,
      symbol_performance: r.symbol_performance,
      error_summary: r.error_summary,
      generated_at: new Date().toISOString(),
      bad_lines: r.bad_lines,
      read_problems: r.read_problems,
    };
  }

  /** The seed's export_logs_to_csv: events of a range and types to a CSV file. */
  exportLogsToCsv(file: string, start?: DateInput, end?: DateInput, eventTypes?: readonly string[]): Promise<ExportResult> {
    return this.exportLogs(file, { format: 'csv', start, end, eventTypes });
  }

  /** Events to CSV, JSON Lines or Parquet, filtered by range, event types, symbols, sessions. */
  exportLogs(file: string, options: ExportOptions = {}): Promise<ExportResult> {
    if (!(this.source instanceof FileSource)) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', 'export reads log files; this analyzer was given another source');
    return exportEvents(this.source.paths, file, { limits: this.limits, ...options });
  }
}
