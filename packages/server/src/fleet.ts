import type { BucketSize, ExportFormat, TimeRange, TradeList, TradeQuery, DailyReport, DateInput, ErrorSummary, RiskMetrics, SymbolPerformance, SystemMetrics, Timeseries, TimeseriesOptions, TradingMetrics, WithBadLines } from '@daybook/analytics';

// The reports of a fleet held elsewhere than the log directories (ClickHouse: `daybook serve
// --clickhouse`). The server only knows this shape; the command line wires @daybook/clickhouse's
// ClickHouseAnalyzer into it. Its reports are LogAnalyzer's JSON, narrowed by bot and host.

import { ServerError } from './errors.js';

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
  getTrades(query?: TradeQuery): Promise<TradeList>;
  /** Per bot: events, errors, latency, last event time, P&L. */
  getFleetOverview(start?: DateInput, end?: DateInput): Promise<unknown>;
}

/** What /audit/events, the stream and the export select from a fleet (the event index's filter, by name). */
export interface FleetEventQuery extends FleetFilter {
  range: TimeRange;
  types?: readonly string[];
  /** Minimum level, any case. */
  minLevel?: string;
  symbols?: readonly string[];
  sessions?: readonly string[];
}

/** A live stream's source: each call gives what is new since the last (oldest first), with the SSE id to resume after it. */
export interface FleetFollower {
  next(limit?: number): Promise<{ id: string; event: Record<string, unknown> }[]>;
}

/** The events of a fleet: /audit/events, /audit/stream and /audit/export_logs read them instead of the directories. */
export interface FleetEvents {
  /** Whether `cursor` (an events cursor or a stream id) is one this reader issued. */
  isCursor(cursor: string): boolean;
  page(q: FleetEventQuery, limit: number, order: 'asc' | 'desc', cursor?: string): Promise<{ events: Record<string, unknown>[]; next_cursor: string | null }>;
  /** A follower from now, or after the stream id `lastEventId`. */
  follow(q: FleetEventQuery, lastEventId?: string): Promise<FleetFollower>;
  /** Writes the events of `q` to `file` (csv or jsonl). */
  export(file: string, format: ExportFormat, q: FleetEventQuery): Promise<{ rows: number }>;
}

export interface FleetReader {
  /** The analyzer of the fleet narrowed by `filter`. */
  analyzer(filter: FleetFilter): FleetAnalyzer;
  /** Its events; without them the event routes read the log directories. */
  events?: FleetEvents;
  /** How often a live stream asks `events` for new rows (ms, default 1000). */
  pollMs?: number;
}

/** A 400 for `bot` or `host` asked of a server that reads log directories, not a fleet. */
export function refuseFleetFilter(q: FleetFilter): void {
  const field = q.bot !== undefined ? 'bot' : q.host !== undefined ? 'host' : undefined;
  if (field !== undefined) throw new ServerError('DAYBOOK_E_SERVER_BAD_REQUEST', `query parameter ${field}: this server reads log directories, not a fleet (start it with daybook serve --clickhouse URL)`, { field });
}
