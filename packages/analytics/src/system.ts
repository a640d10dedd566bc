import type { Selection } from './event-set.js';
import { F, LEVEL, T } from './segment.js';
import { percentiles, sum } from './stats.js';
import { HOUR_US } from './dates.js';

/** metrics.md, "System metrics". */
export interface SystemMetrics {
  total_events: number;
  api_calls: number;
  api_errors: number;
  api_error_rate: number;
  rate_limit_hits: number;
  avg_api_latency: number | null;
  p50_api_latency: number | null;
  p95_api_latency: number | null;
  p99_api_latency: number | null;
  max_api_latency: number | null;
  error_count: number;
  warning_count: number;
  error_rate: number;
  health_checks: number;
  health_check_failures: number;
  restarts: number;
  uptime_hours: number;
}

export function systemMetrics(sel: Selection): SystemMetrics {
  let total = 0;
  let apiCalls = 0;
  let apiErrorEvents = 0;
  let status5xx = 0;
  let rateLimits = 0;
  let errors = 0;
  let warnings = 0;
  let health = 0;
  let healthFailures = 0;
  let restarts = 0;
  let latencyCount = 0;
  for (let i = 0; i < sel.rows.length; i++) latencyCount += sel.rows[i]!.length;
  const latencies = new Float64Array(latencyCount);
  latencyCount = 0;
  const sessions = new Map<string, [number, number]>();

  sel.set.segments.forEach((seg, si) => {
    const rows = sel.rows[si]!;
    const { type, level, flags, latency, session, ts } = seg;
    const first = new Float64Array(seg.sessions.length).fill(Infinity);
    const last = new Float64Array(seg.sessions.length).fill(-Infinity);
    total += rows.length;
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j]!;
      const t = type[r]!;
      const lv = level[r]!;
      if (lv >= LEVEL.ERROR) errors++;
      else if (lv === LEVEL.WARNING) warnings++;
      if (t === T.api_call) {
        apiCalls++;
        const f = flags[r]!;
        if ((f & F.STATUS_5XX) !== 0) status5xx++;
        if ((f & F.STATUS_429) !== 0) rateLimits++;
        const l = latency[r]!;
        if (l >= 0) latencies[latencyCount++] = l; // NaN (no latency) and negatives fail the test
      } else if (t === T.api_error) apiErrorEvents++;
      else if (t === T.rate_limit) rateLimits++;
      else if (t === T.health_check) {
        health++;
        if ((flags[r]! & F.HEALTH_BAD) !== 0 || lv >= LEVEL.WARNING) healthFailures++;
      } else if (t === T.system_start) restarts++;
      const s = session[r]!;
      if (s >= 0) {
        const x = ts[r]!;
        if (x < first[s]!) first[s] = x;
        if (x > last[s]!) last[s] = x;
      }
    }
    seg.sessions.forEach((name, s) => {
      if (first[s] === Infinity) return;
      const span = sessions.get(name);
      if (span === undefined) sessions.set(name, [first[s]!, last[s]!]);
      else {
        if (first[s]! < span[0]) span[0] = first[s]!;
        if (last[s]! > span[1]) span[1] = last[s]!;
      }
    });
  });

  const lat = latencies.subarray(0, latencyCount);
  let avg: number | null = null;
  let pct: (number | null)[] = [null, null, null, null];
  if (latencyCount > 0) {
    avg = sum(lat) / latencyCount;
    pct = percentiles(lat, [50, 95, 99, 100]);
  }
  let uptimeUs = 0;
  for (const [a, b] of sessions.values()) uptimeUs += b - a;
  const apiErrors = apiErrorEvents + status5xx;
  return {
    total_events: total,
    api_calls: apiCalls,
    api_errors: apiErrors,
    api_error_rate: apiCalls + apiErrorEvents > 0 ? apiErrors / (apiCalls + apiErrorEvents) : 0,
    rate_limit_hits: rateLimits,
    avg_api_latency: avg,
    p50_api_latency: pct[0]!,
    p95_api_latency: pct[1]!,
    p99_api_latency: pct[2]!,
    max_api_latency: pct[3]!,
    error_count: errors,
    warning_count: warnings,
    error_rate: total > 0 ? errors / total : 0,
    health_checks: health,
    health_check_failures: healthFailures,
    restarts,
    uptime_hours: uptimeUs / HOUR_US,
  };
}
