import type { LogAnalyzer } from '@daybook/analytics';
import type { ResultCache } from './cache.js';
import type { SharedSource } from './shared-source.js';
import type { EventIndex } from './event-index.js';
import type { DirMonitor } from './monitor.js';
import type { VerifyResults } from './verify-results.js';
import type { FleetReader } from './fleet.js';
import type { AlertsView } from './routes-alerts.js';

/** What the routes share: one analyzer, one event index, one change monitor, the caches. */
export interface ServerContext {
  readonly dirs: readonly string[];
  readonly analyzer: LogAnalyzer;
  /** The reports of a fleet held elsewhere (ClickHouse), when the server reads one: the report routes and /audit/fleet use it. */
  readonly fleet: FleetReader | undefined;
  /** The alert rules evaluated beside the server (`daybook serve --rules`): /audit/alerts. */
  readonly alerts: AlertsView | undefined;
  /** The analyzer's files (shared-source.ts): loads shared between requests, filled in the background. */
  readonly source: SharedSource;
  /** Every event: /audit/events, and a stream resumed from before the tail index began. */
  readonly index: EventIndex;
  /** What was written since the server started: new live streams, without reading the history. */
  readonly tail: EventIndex;
  readonly monitor: DirMonitor;
  /** Reports, events pages and /metrics. */
  readonly cache: ResultCache;
  /** /audit/verify (hashes every line: kept while the files are the same). */
  readonly verifyResults: VerifyResults;
  readonly exportDir: string | undefined;
  readonly maxStreams: number;
  readonly heartbeatMs: number;
  readonly publicKey: string | Buffer | undefined;
  readonly startedAt: number;
  /** When the last request arrived (background work waits for a quiet moment). */
  readonly activity: { lastRequestAt: number };
  /** Open live streams, ended when the server closes. */
  readonly streams: Set<() => void>;
  /**
   * Streams admitted, counted the moment a request is let in (before any await), released
   * when it ends or fails to start: `streams` only fills after the index's refresh, so a
   * burst right after start would all pass a check of its size.
   */
  readonly streamSlots: { taken: number };
}
