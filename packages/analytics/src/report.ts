import { badLinesReport, type BadLineCounts } from './bad-lines.js';
import { isoOf, parseTimestamp, type TimeRange } from './dates.js';
import { select, type EventSet } from './event-set.js';
import { errorSummaryOf, type ErrorSummary } from './errors.js';
import type { ReadProblem } from './reader.js';
import { riskMetrics, type RiskMetrics } from './risk.js';
import type { SymbolPerformance } from './symbols.js';
import { systemMetrics, type SystemMetrics } from './system.js';
import { tradeFolds } from './trade-reports.js';
import { firstPortfolioValue, type TradingMetrics } from './trading.js';
import { openTradesAt } from './trades.js';

export type BadLinesReport = ReturnType<typeof badLinesReport>;

/** Every report carries the bad-line count of what was read. */
export interface WithBadLines {
  bad_lines: BadLinesReport;
}

export interface ReportOptions {
  periodsPerYear?: number;
  startingEquity?: number | null;
}

/** The five reports of one range, computed from one read. */
export interface FullReport {
  start: string | null;
  end: string | null;
  trading_metrics: TradingMetrics;
  system_metrics: SystemMetrics;
  risk_metrics: RiskMetrics;
  symbol_performance: SymbolPerformance[];
  error_summary: ErrorSummary;
  bad_lines: BadLinesReport;
  read_problems: ReadProblem[];
}

export interface DailyReport {
  date: string;
  trading_metrics: TradingMetrics;
  system_metrics: SystemMetrics;
  risk_metrics: RiskMetrics;
  symbol_performance: SymbolPerformance[];
  error_summary: ErrorSummary;
  generated_at: string;
  bad_lines: BadLinesReport;
  read_problems: ReadProblem[];
}

export const reportBadLines = (b: BadLineCounts): BadLinesReport => badLinesReport(b);

/** Starting equity: the option, else the earliest portfolio_value in range, else null. */
export function startingEquityOf(set: EventSet, range: TimeRange, options: ReportOptions): number | null {
  return options.startingEquity ?? firstPortfolioValue(select(set, range));
}

/** All five reports over one range. Pure: the EventSet is already read. */
export function computeReport(set: EventSet, range: TimeRange, options: ReportOptions = {}): FullReport {
  const sel = select(set, range);
  const startingEquity = options.startingEquity ?? firstPortfolioValue(sel);
  const { trading, symbols } = tradeFolds(sel, startingEquity);
  return {
    start: Number.isFinite(range.start) ? isoOf(range.start) : null,
    end: Number.isFinite(range.end) ? isoOf(range.end) : null,
    trading_metrics: trading.metrics(options.periodsPerYear, openTradesAt(set, range).length),
    system_metrics: systemMetrics(sel),
    risk_metrics: riskMetrics(sel),
    symbol_performance: symbols.performance(),
    error_summary: errorSummaryOf(sel),
    bad_lines: badLinesReport(set.bad),
    read_problems: set.problems.filter((p) => concerns(p, range)),
  };
}

/**
 * Whether a problem concerns a report of `range`: all do, except the unvouched lines of a
 * chained log, named only when the range includes some of them (a report of last week says
 * nothing about the lines written a minute ago, and would otherwise always carry a warning
 * while a writer runs).
 */
function concerns(p: ReadProblem, range: TimeRange): boolean {
  if (p.code !== 'DAYBOOK_W_READ_UNVOUCHED' || p.first === undefined || p.last === undefined) return true;
  const first = parseTimestamp(p.first)!;
  const last = parseTimestamp(p.last)!;
  return last >= range.start && (range.endExclusive ? first < range.end : first <= range.end);
}
