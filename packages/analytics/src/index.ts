// The public API of @daybook/analytics: named re-exports only.
export { LogAnalyzer, type LogAnalyzerOptions } from './analyzer.js';
export { ANALYTICS_ERROR_CODES, READ_PROBLEM_CODES, AnalyticsError, type AnalyticsErrorCode, type ReadProblemCode } from './codes.js';
export { parseTimestamp, parseRange, dayRange, inRange, utcDay, isoOf, ALL_TIME, type TimeRange, type DateInput } from './dates.js';
export { BAD_LINE_KINDS, badLinesReport, type BadLineCounts, type BadLineKind } from './bad-lines.js';
export { readLine, LineSplitter, type LineSink } from './lines.js';
export { SegmentBuilder, type Segment, type TradeRecord, type ErrorRecord, type ValueRecord } from './segment.js';
export { eventFiles, listLogFiles, readFileSegments, type LogFileInfo, type ReadProblem, type FileSegments } from './reader.js';
export { eventSetOf, eventSetFromEvents, select, type EventSet, type Selection } from './event-set.js';
export { FileSource, type EventSource, type FileSourceOptions } from './source.js';
export { tradingMetrics, selectTrades, firstPortfolioValue, dailyPnlSeries, sharpe, sortino, type TradingMetrics, type TradingOptions, type TradeGroup } from './trading.js';
export { systemMetrics, type SystemMetrics } from './system.js';
export { riskMetrics, type RiskMetrics, type RiskDay } from './risk.js';
export { symbolPerformance, type SymbolPerformance } from './symbols.js';
export { errorSummary, selectErrors, countWarnings, type ErrorSummary, type TopMessage, type RecentError } from './errors.js';
export { computeReport, type FullReport, type DailyReport, type ReportOptions, type WithBadLines, type BadLinesReport } from './report.js';
export { EXPORT_COLUMNS, csvField, csvRow } from './export-csv.js';
export { exportEvents, formatOf, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export.js';
export { queryEvents, type QueryResult } from './query.js';
