import type { LogAnalyzer } from '@daybook/analytics';
import type { ResultCache } from './cache.js';
import type { EventIndex } from './event-index.js';
import type { DirMonitor } from './monitor.js';

/** What the routes share: one analyzer, one event index, one change monitor, the caches. */
export interface ServerContext {
  readonly dirs: readonly string[];
  readonly analyzer: LogAnalyzer;
  readonly index: EventIndex;
  readonly monitor: DirMonitor;
  /** Reports, events pages and /metrics. */
  readonly cache: ResultCache;
  /** /audit/verify (hashes every line: recomputed at most every few seconds). */
  readonly verifyCache: ResultCache;
  readonly exportDir: string | undefined;
  readonly maxStreams: number;
  readonly heartbeatMs: number;
  readonly publicKey: string | Buffer | undefined;
  readonly startedAt: number;
  /** Open live streams, ended when the server closes. */
  readonly streams: Set<() => void>;
}
