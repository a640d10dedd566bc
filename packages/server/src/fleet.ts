import type { BucketSize, DailyReport, DateInput, ErrorSummary, RiskMetrics, SymbolPerformance, SystemMetrics, Timeseries, TimeseriesOptions, TradingMetrics, WithBadLines } from '@daybook/analytics';

// The reports of a fleet held elsewhere than the log directories (ClickHouse: `daybook serve
// --clickhouse`). The server only knows this shape; the command line wires @daybook/clickhouse's
// ClickHouseAnalyzer into it. Its reports are LogAnalyzer's JSON, narrowed by bot and host.

export interface FleetFilter {
  bot?: string;
  host?: string;
}

/** What the report routes ask of an analyzer (LogAnalyzer's methods) plus the fleet overview. */
export interface FleetAnalyzer {
  getTradingMetrics(start?: DateInput, end?: DateInput): Promise<TradingMetrics & WithBadLines>;
  getSystemMetrics(start?: DateInput, end?: DateInput): Promise<SystemMetrics & WithBadLines>;
  getRiskMetrics(start?: DateInput, end?: DateInput): Promise<RiskMetrics & WithBadLines>;
  getSymbolPerformance(start?: DateInput, end?: DateInput): Promise<SymbolPerformance[]>;
  getErrorSummary(start?: DateInput, end?: DateInput): Promise<ErrorSummary & WithBadLines>;
  getTimeseries(start: DateInput, end: DateInput, bucket: BucketSize, options?: TimeseriesOptions): Promise<Timeseries & WithBadLines>;
  generateDailyReport(date?: DateInput): Promise<DailyReport>;
  /** Per bot: events, errors, latency, last event time, P&L. */
  getFleetOverview(start?: DateInput, end?: DateInput): Promise<unknown>;
}

export interface FleetReader {
  /** The analyzer of the fleet narrowed by `filter`. */
  analyzer(filter: FleetFilter): FleetAnalyzer;
}
