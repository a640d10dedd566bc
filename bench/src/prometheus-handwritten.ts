import { basename } from 'node:path';
import { ALL_TIME, computeReport, listLogFiles, type EventSet, type LogAnalyzer } from '@daybook/analytics';
import { EVENT_TYPES } from '@daybook/core';
import { LATENCY_BUCKETS } from '@daybook/server';

// The baseline of `npm run bench -- prometheus`: packages/server/src/prometheus.ts as it was
// before /metrics moved onto prom-client (commit 06fbd41), the exposition text written by
// hand. Kept here only to be measured against; the server no longer has it.

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
const typeName = (code: number): string => EVENT_TYPES[code - 1] ?? 'unknown';
const levelName = (code: number): string => LEVELS[code - 1] ?? 'UNKNOWN';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (v: number | null): string => (v === null || Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

class Text {
  private lines: string[] = [];
  metric(name: string, type: 'counter' | 'gauge', help: string, samples: readonly [labels: Record<string, string>, value: number | null][]): void {
    this.header(name, type, help);
    for (const [labels, value] of samples) this.sample(name, labels, value);
  }
  sample(name: string, labels: Record<string, string>, value: number | null): void {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`);
    this.lines.push(`${name}${l.length > 0 ? `{${l.join(',')}}` : ''} ${num(value)}`);
  }
  header(name: string, type: string, help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Events per (type, level) and the API latency histogram, from the de-duplicated event set. */
function scan(set: EventSet): { counts: Map<string, number>; buckets: number[]; sum: number; count: number } {
  const counts = new Map<string, number>();
  const buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  let sum = 0;
  let count = 0;
  set.segments.forEach((s, i) => {
    const keep = set.keep[i]!;
    for (let r = 0; r < s.n; r++) {
      if (keep[r] !== 1) continue;
      const k = s.type[r]! * 8 + s.level[r]!;
      counts.set(String(k), (counts.get(String(k)) ?? 0) + 1);
      const ms = s.latency[r]!;
      if (!(ms >= 0)) continue; // NaN: not an api_call with a latency
      const sec = ms / 1000;
      sum += sec;
      count++;
      for (let b = 0; b < LATENCY_BUCKETS.length; b++) if (sec <= LATENCY_BUCKETS[b]!) buckets[b]!++;
    }
  });
  return { counts, buckets, sum, count };
}

export async function prometheusText(analyzer: LogAnalyzer, dirs: readonly string[]): Promise<string> {
  const set = await analyzer.load();
  const r = computeReport(set, ALL_TIME, { periodsPerYear: analyzer.periodsPerYear, startingEquity: analyzer.startingEquity });
  const t = r.trading_metrics;
  const s = r.system_metrics;
  const { counts, buckets, sum, count } = scan(set);
  const out = new Text();

  out.metric('daybook_events_total', 'counter', 'Events in the log directory, by event type and level (de-duplicated by event_id).',
    [...counts].sort(([a], [b]) => Number(a) - Number(b)).map(([k, n]) => [{ event_type: typeName(Math.floor(Number(k) / 8)), level: levelName(Number(k) % 8) }, n]));
  out.metric('daybook_trades_total', 'counter', 'Closed trades (trade_exit and trade_partial_exit with a pnl).', [[{}, t.total_trades]]);
  out.metric('daybook_winning_trades_total', 'counter', 'Closed trades with pnl > 0.', [[{}, t.winning_trades]]);
  out.metric('daybook_losing_trades_total', 'counter', 'Closed trades with pnl < 0.', [[{}, t.losing_trades]]);
  out.metric('daybook_realized_pnl', 'gauge', 'Realized P&L: the sum of pnl over closed trades.', [[{}, t.total_pnl]]);
  out.metric('daybook_max_drawdown', 'gauge', 'Largest fall of cumulative realized P&L from a running peak.', [[{}, t.max_drawdown]]);
  out.metric('daybook_errors_total', 'counter', 'Events at level ERROR or CRITICAL.', [[{}, s.error_count]]);
  out.metric('daybook_warnings_total', 'counter', 'Events at level WARNING.', [[{}, s.warning_count]]);
  out.metric('daybook_api_calls_total', 'counter', 'api_call events.', [[{}, s.api_calls]]);
  out.metric('daybook_api_errors_total', 'counter', 'api_error events plus api_call events with status_code >= 500.', [[{}, s.api_errors]]);
  out.metric('daybook_rate_limit_hits_total', 'counter', 'rate_limit events plus api_call events with status_code 429.', [[{}, s.rate_limit_hits]]);
  out.metric('daybook_health_check_failures_total', 'counter', 'Health checks whose status was not healthy.', [[{}, s.health_check_failures]]);

  out.header('daybook_api_latency_seconds', 'histogram', 'latency_ms of api_call events, in seconds.');
  LATENCY_BUCKETS.forEach((le, i) => out.sample('daybook_api_latency_seconds_bucket', { le: String(le) }, buckets[i]!));
  out.sample('daybook_api_latency_seconds_bucket', { le: '+Inf' }, count);
  out.sample('daybook_api_latency_seconds_sum', {}, sum);
  out.sample('daybook_api_latency_seconds_count', {}, count);

  let files: { dir: string; file: string; size: number }[] = [];
  try {
    files = dirs.flatMap((d) => listLogFiles([d]).map((f) => ({ dir: d, file: basename(f.path), size: f.size })));
  } catch {
    // the directory vanished since the load: no file sizes this time
  }
  out.metric('daybook_log_file_size_bytes', 'gauge', 'Size of each log file on disk.', files.map((f): [Record<string, string>, number] => [dirs.length > 1 ? { dir: f.dir, file: f.file } : { file: f.file }, f.size]));
  out.metric('daybook_bad_lines_total', 'counter', 'Lines skipped as not events (blank, invalid UTF-8 or JSON, no event_id or timestamp).', [[{}, r.bad_lines.total]]);
  return out.toString();
}
