import { basename } from 'node:path';
import { ALL_TIME, HOUR_US, computeReport, dayRange, listLogFiles, select, selectTrades, tradingMetrics, type EventSet, type LogAnalyzer } from '@daybook/analytics';
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { levelName, typeName } from './event-index.js';

// GET /metrics through prom-client: the figures computed from the logs are custom collectors
// (a collect() that copies the last computed figures into Gauges and Counters), beside
// prom-client's default process metrics. Each PrometheusMetrics has its own Registry, never
// the global one, so that several servers in one process (tests, an embedding app) do not
// collide. Counters are totals over everything the log directory holds (Prometheus takes
// rates itself); the figures are those of metrics.md, computed by the analyzer. Every series
// an alert rule needs (packages/alert, prometheus-rules.ts) is here.

/** Upper bounds of the API latency histogram, in seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What /metrics shows of the logs, computed once per change of the files (plain data: it goes through the JSON result cache). */
export interface LogFigures {
  /** [event_type, level, events]. */
  events: [string, string, number][];
  trades: number;
  winningTrades: number;
  losingTrades: number;
  realizedPnl: number;
  maxDrawdown: number;
  /** Realized P&L of the trades closed in the current UTC day. */
  dailyRealizedPnl: number;
  errors: number;
  warnings: number;
  apiCalls: number;
  apiErrors: number;
  rateLimitHits: number;
  riskLimitHits: number;
  healthCheckFailures: number;
  /** Cumulative counts per LATENCY_BUCKETS bound, then the sum (seconds) and count. */
  latencyBuckets: number[];
  latencySum: number;
  latencyCount: number;
  /** Epoch seconds of the newest event's timestamp; null with no event. */
  lastEventSeconds: number | null;
  files: { labels: Record<string, string>; size: number }[];
  badLines: number;
}

/** Events per (type, level), the API latency histogram and the newest timestamp, from the de-duplicated event set. */
function scan(set: EventSet): Pick<LogFigures, 'events' | 'latencyBuckets' | 'latencySum' | 'latencyCount' | 'lastEventSeconds'> {
  const counts = new Map<number, number>();
  const buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  let sum = 0;
  let count = 0;
  let last = -Infinity;
  set.segments.forEach((s, i) => {
    const keep = set.keep[i]!;
    for (let r = 0; r < s.n; r++) {
      if (keep[r] !== 1) continue;
      const k = s.type[r]! * 8 + s.level[r]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (s.ts[r]! > last) last = s.ts[r]!;
      const ms = s.latency[r]!;
      if (!(ms >= 0)) continue; // NaN: not an api_call with a latency
      const sec = ms / 1000;
      sum += sec;
      count++;
      for (let b = 0; b < LATENCY_BUCKETS.length; b++) if (sec <= LATENCY_BUCKETS[b]!) buckets[b]!++;
    }
  });
  const events = [...counts].sort(([a], [b]) => a - b).map(([k, n]): [string, string, number] => [typeName(Math.floor(k / 8)), levelName(k % 8), n]);
  // ts is in micro-seconds (analytics' dates.ts); HOUR_US / 3600 of them make a second.
  return { events, latencyBuckets: buckets, latencySum: sum, latencyCount: count, lastEventSeconds: last === -Infinity ? null : last / (HOUR_US / 3600) };
}

export async function logFigures(analyzer: LogAnalyzer, dirs: readonly string[], now = Date.now()): Promise<LogFigures> {
  const set = await analyzer.load();
  const r = computeReport(set, ALL_TIME, { periodsPerYear: analyzer.periodsPerYear, startingEquity: analyzer.startingEquity });
  const t = r.trading_metrics;
  const s = r.system_metrics;
  const today = tradingMetrics(selectTrades(select(set, dayRange(now).range)), { periodsPerYear: analyzer.periodsPerYear });
  let files: LogFigures['files'] = [];
  try {
    files = dirs.flatMap((d) => listLogFiles([d]).map((f): LogFigures['files'][number] => ({ labels: dirs.length > 1 ? { dir: d, file: basename(f.path) } : { file: basename(f.path) }, size: f.size })));
  } catch {
    // the directory vanished since the load: no file sizes this time
  }
  return {
    ...scan(set),
    trades: t.total_trades,
    winningTrades: t.winning_trades,
    losingTrades: t.losing_trades,
    realizedPnl: t.total_pnl,
    maxDrawdown: t.max_drawdown,
    dailyRealizedPnl: today.total_pnl,
    errors: s.error_count,
    warnings: s.warning_count,
    apiCalls: s.api_calls,
    apiErrors: s.api_errors,
    rateLimitHits: s.rate_limit_hits,
    riskLimitHits: r.risk_metrics.risk_limit_hits,
    healthCheckFailures: s.health_check_failures,
    files,
    badLines: r.bad_lines.total,
  };
}

/** The hash chain's state as /metrics knows it: the last check's, refreshed in the background. */
export interface ChainState {
  damaged: boolean;
  /** Epoch milliseconds of the check. */
  checkedAt: number;
}

/**
 * The chain's state for /metrics without making a scrape wait for a verification (6-8 s of
 * CPU on a 1 GB directory the first time): a scrape returns the last known state and starts a
 * new check when that one is older than `everyMs`. The check is /audit/verify's (kept while
 * the files are unchanged), so a scrape of a quiet directory costs a stat of its files; while
 * a bot writes, at most one verification per `everyMs` comes from Prometheus.
 */
export class ChainWatch {
  private last: ChainState | undefined;
  private running: Promise<void> | undefined;
  private startedAt = -Infinity;

  constructor(
    private readonly check: () => Promise<Buffer>,
    private readonly everyMs = 60_000,
  ) {}

  /** The last known state (undefined until a first check ends); starts a check when due. */
  current(): ChainState | undefined {
    if (this.running === undefined && Date.now() - this.startedAt >= this.everyMs) {
      this.startedAt = Date.now();
      this.running = this.check()
        .then((body) => {
          this.last = { damaged: (JSON.parse(body.toString('utf8')) as { ok?: unknown }).ok !== true, checkedAt: Date.now() };
        })
        .catch(() => {
          // an unreadable directory: /health and /audit/verify say so; the state stays the last known
        })
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.last;
  }

  /** Resolves when the check under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.running;
  }
}

type Sample = { metricName: string; labels: Record<string, string | number>; value: number };

/**
 * The API latency histogram as prom-client's registry expects a metric: prom-client's own
 * Histogram only counts values one observe() at a time, and these counts are computed from
 * the logs (millions of api_call events on a large directory) at each change of the files.
 */
class LatencyHistogram {
  readonly name = 'daybook_api_latency_seconds';
  readonly help = 'latency_ms of api_call events, in seconds.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(private readonly figures: () => LogFigures | undefined) {}

  // Not async: the registry calls every metric's get() in one synchronous pass, so that each
  // scrape reads one set of figures (see PrometheusMetrics.metrics).
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const f = this.figures();
    const values: Sample[] = [];
    if (f !== undefined) {
      const name = this.name;
      LATENCY_BUCKETS.forEach((le, i) => values.push({ metricName: `${name}_bucket`, labels: { le }, value: f.latencyBuckets[i]! }));
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: f.latencyCount });
      values.push({ metricName: `${name}_sum`, labels: {}, value: f.latencySum });
      values.push({ metricName: `${name}_count`, labels: {}, value: f.latencyCount });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {}
}

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes,
 * nodejs_eventloop_lag_seconds, nodejs_gc_duration_seconds, ...) in a registry of this module,
 * never prom-client's global one. One per process, shared by every server's registry: they
 * describe the process, and collectDefaultMetrics starts a GC observer and an event-loop
 * monitor that nothing can stop, which one per server would pile up in a process that builds
 * many (the tests).
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One server's /metrics: its own registry of the log figures and chain state, plus the process metrics. */
export class PrometheusMetrics {
  private readonly own = new Registry();
  /** The server's series and the process's, merged (the same metric objects; nothing is copied). */
  readonly registry: Registry;
  private figures: LogFigures | undefined;
  private chain: ChainState | undefined;

  constructor() {
    const registers = [this.own];
    const f = (): LogFigures | undefined => this.figures;
    const counter = (name: string, help: string, value: (f: LogFigures) => number): void => {
      new Counter({
        name, help, registers,
        collect() {
          this.reset();
          const v = f();
          if (v !== undefined) this.inc(value(v));
        },
      });
    };
    const gauge = (name: string, help: string, value: () => number | null): void => {
      new Gauge({
        name, help, registers,
        collect() {
          this.reset();
          const x = value();
          if (x === null) this.remove(); // no such figure (yet): no sample, which absent() sees in PromQL
          else this.set(x);
        },
      });
    };
    const fig = (value: (f: LogFigures) => number | null) => (): number | null => {
      const v = f();
      return v === undefined ? null : value(v);
    };

    new Counter({
      name: 'daybook_events_total',
      help: 'Events in the log directory, by event type and level (de-duplicated by event_id).',
      labelNames: ['event_type', 'level'],
      registers,
      collect() {
        this.reset();
        for (const [event_type, level, n] of f()?.events ?? []) this.inc({ event_type, level }, n);
      },
    });
    counter('daybook_trades_total', 'Closed trades (trade_exit and trade_partial_exit with a pnl).', (x) => x.trades);
    counter('daybook_winning_trades_total', 'Closed trades with pnl > 0.', (x) => x.winningTrades);
    counter('daybook_losing_trades_total', 'Closed trades with pnl < 0.', (x) => x.losingTrades);
    gauge('daybook_realized_pnl', 'Realized P&L: the sum of pnl over closed trades.', fig((x) => x.realizedPnl));
    gauge('daybook_daily_realized_pnl', 'Realized P&L of the trades closed in the current UTC day (negative: the day\'s loss).', fig((x) => x.dailyRealizedPnl));
    gauge('daybook_max_drawdown', 'Largest fall of cumulative realized P&L from a running peak.', fig((x) => x.maxDrawdown));
    counter('daybook_errors_total', 'Events at level ERROR or CRITICAL.', (x) => x.errors);
    counter('daybook_warnings_total', 'Events at level WARNING.', (x) => x.warnings);
    counter('daybook_api_calls_total', 'api_call events.', (x) => x.apiCalls);
    counter('daybook_api_errors_total', 'api_error events plus api_call events with status_code >= 500.', (x) => x.apiErrors);
    counter('daybook_rate_limit_hits_total', 'rate_limit events plus api_call events with status_code 429.', (x) => x.rateLimitHits);
    counter('daybook_risk_limit_hits_total', 'risk_limit_hit events.', (x) => x.riskLimitHits);
    counter('daybook_health_check_failures_total', 'Health checks whose status was not healthy.', (x) => x.healthCheckFailures);
    this.own.registerMetric(new LatencyHistogram(f) as unknown as Metric);
    gauge('daybook_last_event_timestamp_seconds', 'Timestamp of the newest event (its timestamp field), in seconds since the epoch; absent with no event.', fig((x) => x.lastEventSeconds));
    new Gauge({
      name: 'daybook_log_file_size_bytes',
      help: 'Size of each log file on disk.',
      labelNames: ['dir', 'file'],
      registers,
      collect() {
        this.reset();
        for (const { labels, size } of f()?.files ?? []) this.set(labels, size);
      },
    });
    counter('daybook_bad_lines_total', 'Lines skipped as not events (blank, invalid UTF-8 or JSON, no event_id or timestamp).', (x) => x.badLines);
    gauge('daybook_chain_damaged', '1 when the last check of the hash chain found a problem (GET /audit/verify tells which), 0 when it was whole; absent until a first check ends.', () => (this.chain === undefined ? null : this.chain.damaged ? 1 : 0));
    gauge('daybook_chain_checked_timestamp_seconds', 'When the hash chain was last checked, in seconds since the epoch.', () => (this.chain === undefined ? null : this.chain.checkedAt / 1000));
    this.registry = Registry.merge([this.own, processMetrics()]);
  }

  /** The exposition text of these figures and chain state, with the process metrics of now. */
  metrics(figures: LogFigures, chain?: ChainState): Promise<string> {
    // Every collect() above is synchronous and the registry calls them all before its first
    // await, so a concurrent scrape with other figures cannot mix into this one.
    this.figures = figures;
    this.chain = chain;
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
