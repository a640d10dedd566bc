import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { computeReport } from './report.js';
import { ev, near } from './test/helpers.js';

const system = (events: Record<string, unknown>[], start?: string, end?: string) => computeReport(eventSetFromEvents(events), parseRange(start, end)).system_metrics;
const api = (latency_ms: unknown, status_code?: unknown, extra: Record<string, unknown> = {}) =>
  ev({ event_type: 'api_call', level: 'DEBUG', latency_ms, metadata: status_code === undefined ? {} : { status_code }, ...extra });

describe('system metrics', () => {
  it('nothing: zeros, nulls for latency', () => {
    const m = system([]);
    assert.equal(m.total_events, 0);
    assert.equal(m.api_error_rate, 0);
    assert.equal(m.error_rate, 0);
    assert.equal(m.uptime_hours, 0);
    for (const k of ['avg_api_latency', 'p50_api_latency', 'p95_api_latency', 'p99_api_latency', 'max_api_latency'] as const) assert.equal(m[k], null);
  });

  it('latency: mean and numpy-linear percentiles; 0 counts, negatives and non-numbers do not', () => {
    const m = system([api(10), api(20), api(30), api(40)]);
    assert.equal(m.avg_api_latency, 25);
    near(m.p50_api_latency, 25);
    near(m.p95_api_latency, 38.5); // position 0.95*3 = 2.85
    near(m.p99_api_latency, 39.7);
    assert.equal(m.max_api_latency, 40);
    const z = system([api(40), api(0), api(30), api(-5), api('7'), api(null), api(undefined), api(20), api(10), ev({ event_type: 'api_error', latency_ms: 1000 })]);
    assert.equal(z.avg_api_latency, 20);
    near(z.p50_api_latency, 20);
    near(z.p95_api_latency, 38); // position 0.95*4 = 3.8
    near(z.p99_api_latency, 39.6);
    assert.equal(z.api_calls, 9);
    const one = system([api(7)]);
    assert.deepEqual([one.p50_api_latency, one.p99_api_latency, one.max_api_latency], [7, 7, 7]);
  });

  it('percentiles of many values match a sort', () => {
    const xs = Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 1001) / 3);
    const m = system(xs.map((x) => api(x)));
    const s = [...xs].sort((a, b) => a - b);
    const pct = (p: number) => {
      const pos = (p / 100) * (s.length - 1);
      const lo = Math.floor(pos);
      return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
    };
    near(m.p50_api_latency, pct(50));
    near(m.p95_api_latency, pct(95));
    near(m.p99_api_latency, pct(99));
  });

  it('API errors and rate limits', () => {
    const m = system([
      api(1, 200), api(1, 503), api(1, 500), api(1, 499), api(1, '503'), api(1, 429),
      ev({ event_type: 'api_error' }), ev({ event_type: 'api_error' }), ev({ event_type: 'rate_limit' }),
    ]);
    assert.equal(m.api_calls, 6);
    assert.equal(m.api_errors, 4); // 2 api_error + 503 + 500
    near(m.api_error_rate, 4 / 8);
    assert.equal(m.rate_limit_hits, 2);
  });

  it('levels (case-insensitive), health checks, restarts', () => {
    const hc = (metadata: Record<string, unknown>, level = 'INFO') => ev({ event_type: 'health_check', metadata, level });
    const m = system([
      ev({ level: 'error' }), ev({ level: 'CRITICAL' }), ev({ level: 'Warning' }), ev({ level: 'WARN' }), ev({ level: 'INFO' }),
      hc({ status: 'healthy' }), hc({ status: 'degraded' }), hc({ status: null }), hc({}), hc({}, 'WARNING'), hc({ status: 'healthy' }, 'ERROR'), hc({ status: 'Healthy' }),
      ev({ event_type: 'system_start' }),
    ]);
    assert.equal(m.total_events, 13);
    assert.equal(m.error_count, 3); // error, CRITICAL, the ERROR health check
    assert.equal(m.warning_count, 2); // Warning and the WARNING health check; WARN is not a level
    near(m.error_rate, 3 / 13);
    assert.equal(m.health_checks, 7);
    assert.equal(m.health_check_failures, 5); // degraded, null, WARNING, ERROR, Healthy
    assert.equal(m.restarts, 6); // ev() defaults to system_start: 5 + 1
  });

  it('uptime: per session, last minus first in range, summed; no session ignored', () => {
    const m = system([
      ev({ session_id: 's1', timestamp: '2024-01-01T10:00:00Z' }),
      ev({ session_id: 's1', timestamp: '2024-01-01T12:30:00Z' }),
      ev({ session_id: 's2', timestamp: '2024-01-01T11:00:00Z' }),
      ev({ session_id: 's3', timestamp: '2024-01-01T09:00:00.000001+00:00' }),
      ev({ session_id: 's3', timestamp: '2024-01-01T09:00:00.000003+00:00' }),
      ev({ session_id: undefined, timestamp: '2023-01-01T00:00:00Z' }),
      ev({ session_id: 7, timestamp: '2025-01-01T00:00:00Z' }),
    ]);
    near(m.uptime_hours, 2.5 + 2 / 3.6e9);
    near(system([ev({ session_id: 's1', timestamp: '2024-01-01T10:00:00Z' }), ev({ session_id: 's1', timestamp: '2024-01-02T10:00:00Z' })], '2024-01-01', '2024-01-01').uptime_hours, 0);
  });
});
