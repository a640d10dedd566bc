import type { ErrorSummary, RiskMetrics, SystemMetrics, TradingMetrics } from '@daybook/analytics';
import type { RuleKind } from './types.js';

// Each rule kind's value is a field of one of the analyzer's reports over the rule's range,
// taken from the same method a report calls (LogAnalyzer over a directory, ClickHouseAnalyzer
// over a fleet), so that a rule and `daybook report` over the same range never disagree.

/** The part of LogAnalyzer (and ClickHouseAnalyzer, which has its methods) the rules read. */
export interface Figures {
  getSystemMetrics(start: string, end: string): Promise<Pick<SystemMetrics, 'total_events' | 'avg_api_latency' | 'p99_api_latency' | 'rate_limit_hits'>>;
  getErrorSummary(start: string, end: string): Promise<Pick<ErrorSummary, 'total_errors'>>;
  getTradingMetrics(start: string, end: string): Promise<Pick<TradingMetrics, 'net_pnl' | 'max_drawdown'>>;
  getRiskMetrics(start: string, end: string): Promise<Pick<RiskMetrics, 'risk_limit_hits'>>;
  /**
   * The same figures for every range starting at or after `since`, from one read (LogAnalyzer's
   * snapshot): an evaluation asks it once, from its longest window's start. Absent where each
   * range is its own query anyway (ClickHouse).
   */
  snapshot?(since: string): Promise<Omit<Figures, 'snapshot'>>;
}

/**
 * One thing the rules are evaluated for: a log directory (no labels), or one bot on one host
 * of a fleet (labels bot and host). `damage` answers chain_damaged: for a directory, the
 * damage problems verify finds; for a bot and host of a fleet, the chain-damage problems in
 * its rows in ClickHouse (@daybook/clickhouse chain-check.ts: rows whose link does not follow
 * the row before, gaps, copies of an event with other columns). Absent: no value.
 */
export interface Target {
  labels: Record<string, string>;
  figures: Figures;
  damage?: () => Promise<number>;
}

/** Where each kind's value comes from, for the docs and `--check`. */
export const KIND_SOURCE: Readonly<Record<RuleKind, string>> = {
  error_count: 'error_summary.total_errors',
  avg_api_latency_ms: 'system_metrics.avg_api_latency',
  p99_api_latency_ms: 'system_metrics.p99_api_latency',
  no_events: 'system_metrics.total_events (fires at or below threshold, default 0)',
  daily_loss: '-trading_metrics.net_pnl (the realized loss, fees included, of the trades closed in the window)',
  max_drawdown: 'trading_metrics.max_drawdown',
  risk_limit_hits: 'risk_metrics.risk_limit_hits',
  rate_limit_hits: 'system_metrics.rate_limit_hits',
  chain_damaged: "verify's damage problems (the whole chain, window ignored); over ClickHouse, the bot's rows re-checked as a chain (breaks and conflicting copies)",
};

/** no_events fires when the count is at or below its threshold; every other kind above it. */
export function holds(kind: RuleKind, value: number | null, threshold: number): boolean {
  if (value === null) return false;
  return kind === 'no_events' ? value <= threshold : value > threshold;
}

/** The value of `kind` over [start, end] (ISO instants, both included, as a report's range); null when the figure has none. */
export async function valueOf(kind: RuleKind, target: Target, start: string, end: string): Promise<number | null> {
  const f = target.figures;
  switch (kind) {
    case 'error_count': return (await f.getErrorSummary(start, end)).total_errors;
    case 'avg_api_latency_ms': return (await f.getSystemMetrics(start, end)).avg_api_latency;
    case 'p99_api_latency_ms': return (await f.getSystemMetrics(start, end)).p99_api_latency;
    case 'no_events': return (await f.getSystemMetrics(start, end)).total_events;
    case 'rate_limit_hits': return (await f.getSystemMetrics(start, end)).rate_limit_hits;
    // A gain is a negative loss: 0 - net_pnl, so `threshold: 500` fires past a 500 loss.
    case 'daily_loss': return 0 - (await f.getTradingMetrics(start, end)).net_pnl;
    case 'max_drawdown': return (await f.getTradingMetrics(start, end)).max_drawdown;
    case 'risk_limit_hits': return (await f.getRiskMetrics(start, end)).risk_limit_hits;
    case 'chain_damaged': return target.damage === undefined ? null : target.damage();
  }
}
