import { runOf, type Selection } from './event-set.js';
import { perSegment, type SegmentMemo } from './memo.js';
import { F, LEVEL, T, type Segment } from './segment.js';
import { percentilesOfSorted } from './stats.js';
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

/** What systemMetrics counts in one segment's selected rows (memo.ts). */
interface SegmentCounts {
  apiCalls: number;
  apiErrorEvents: number;
  status5xx: number;
  rateLimits: number;
  errors: number;
  warnings: number;
  health: number;
  healthFailures: number;
  restarts: number;
  /** The api_call latencies (>= 0), in row order. */
  latencies: Float64Array;
  /** The same, ascending: the percentiles select from these, not from a copy of every segment's. */
  sorted: Float64Array;
  /**
   * The latency sum entering this segment when it was last added in (`sumIn`), and leaving it
   * (`sumOut`): a report whose earlier segments are unchanged enters with the same sum and
   * takes `sumOut` without adding the rows again (exact: the same additions in the same order).
   */
  sumIn: number;
  sumOut: number;
  /** Per index of seg.sessions: the first and last time of its selected rows (±Infinity: none). */
  first: Float64Array;
  last: Float64Array;
}

const counted: SegmentMemo<SegmentCounts> = new WeakMap();

/**
 * Per counted rows of a segment in time order (event-set.ts runOf's `all`, one array per
 * segment and keep mask): the places in them of its API latencies, ascending by latency as Float64Array#sort orders them
 * (-0 before +0). A window whose start cuts a segment counts the cut again at every evaluation
 * (the start moves on), and sorting its latencies was most of that (~3 ms for 75,000); the cut's
 * sorted latencies are these places inside the cut, in this order: a pass, no sort.
 */
const latencyOrder: SegmentMemo<Uint32Array> = new WeakMap();

function latencyOrderOf(seg: Segment, all: Uint32Array): Uint32Array {
  return perSegment(latencyOrder, all, seg, () => {
    const { type, latency } = seg;
    const places: number[] = [];
    for (let j = 0; j < all.length; j++) {
      const r = all[j]!;
      if (type[r] === T.api_call && latency[r]! >= 0) places.push(j);
    }
    const at = (j: number): number => latency[all[j]!]!;
    places.sort((a, b) => {
      const x = at(a);
      const y = at(b);
      return x < y ? -1 : x > y ? 1 : Number(!Object.is(x, -0)) - Number(!Object.is(y, -0));
    });
    return Uint32Array.from(places);
  });
}

/** The latencies of a run [from, to) of a segment's counted rows, ascending, from its latency order. */
function sortedRun(seg: Segment, order: Uint32Array, all: Uint32Array, from: number, to: number, count: number): Float64Array {
  const out = new Float64Array(count);
  let m = 0;
  for (let i = 0; i < order.length; i++) {
    const j = order[i]!;
    if (j >= from && j < to) out[m++] = seg.latency[all[j]!]!;
  }
  return out;
}

function countSegment(seg: Segment, rows: Uint32Array, run: ReturnType<typeof runOf>): SegmentCounts {
  const c = { apiCalls: 0, apiErrorEvents: 0, status5xx: 0, rateLimits: 0, errors: 0, warnings: 0, health: 0, healthFailures: 0, restarts: 0 };
  const { type, level, flags, latency, session, ts } = seg;
  const latencies = new Float64Array(rows.length);
  let latencyCount = 0;
  const first = new Float64Array(seg.sessions.length).fill(Infinity);
  const last = new Float64Array(seg.sessions.length).fill(-Infinity);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    const t = type[r]!;
    const lv = level[r]!;
    if (lv >= LEVEL.ERROR) c.errors++;
    else if (lv === LEVEL.WARNING) c.warnings++;
    if (t === T.api_call) {
      c.apiCalls++;
      const f = flags[r]!;
      if ((f & F.STATUS_5XX) !== 0) c.status5xx++;
      if ((f & F.STATUS_429) !== 0) c.rateLimits++;
      const l = latency[r]!;
      if (l >= 0) latencies[latencyCount++] = l; // NaN (no latency) and negatives fail the test
    } else if (t === T.api_error) c.apiErrorEvents++;
    else if (t === T.rate_limit) c.rateLimits++;
    else if (t === T.health_check) {
      c.health++;
      if ((flags[r]! & F.HEALTH_BAD) !== 0 || lv >= LEVEL.WARNING) c.healthFailures++;
    } else if (t === T.system_start) c.restarts++;
    const s = session[r]!;
    if (s >= 0) {
      const x = ts[r]!;
      if (x < first[s]!) first[s] = x;
      if (x > last[s]!) last[s] = x;
    }
  }
  const own = latencies.slice(0, latencyCount);
  const sorted = run === undefined ? own.slice().sort() : sortedRun(seg, latencyOrderOf(seg, run.all), run.all, run.from, run.to, latencyCount);
  return { ...c, latencies: own, sorted, sumIn: NaN, sumOut: NaN, first, last };
}

/** Each segment's counts over its selected rows (memoized), and the latencies' count and sum in row order. */
function tally(sel: Selection): { parts: SegmentCounts[]; latencyCount: number; latencySum: number } {
  const parts = sel.set.segments.map((seg, si) => perSegment(counted, sel.rows[si]!, seg, () => countSegment(seg, sel.rows[si]!, runOf(sel, si))));
  let latencyCount = 0;
  // The latencies summed in row order (metrics.md), segment after segment.
  let latencySum = 0;
  for (const p of parts) {
    latencyCount += p.latencies.length;
    if (!Object.is(p.sumIn, latencySum)) {
      p.sumIn = latencySum;
      const l = p.latencies;
      for (let i = 0; i < l.length; i++) latencySum += l[i]!;
      p.sumOut = latencySum;
    }
    latencySum = p.sumOut;
  }
  return { parts, latencyCount, latencySum };
}

/** The system figures an alert rule reads (alert's kinds no_events, avg_api_latency_ms, p99_api_latency_ms, rate_limit_hits). */
export type SystemFigures = Pick<SystemMetrics, 'total_events' | 'avg_api_latency' | 'p99_api_latency' | 'rate_limit_hits'>;

/**
 * Those four figures, the same numbers systemMetrics gives (the same tally), without the
 * three other percentiles (two selections each over every part) and the sessions' spans.
 */
export function systemFigures(sel: Selection): SystemFigures {
  const { parts, latencyCount, latencySum } = tally(sel);
  let total = 0;
  let rateLimits = 0;
  parts.forEach((c, si) => {
    total += sel.rows[si]!.length;
    rateLimits += c.rateLimits;
  });
  return {
    total_events: total,
    avg_api_latency: latencyCount > 0 ? latencySum / latencyCount : null,
    p99_api_latency: latencyCount > 0 ? percentilesOfSorted(parts.map((p) => p.sorted), [99])[0]! : null,
    rate_limit_hits: rateLimits,
  };
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
  const { parts, latencyCount, latencySum } = tally(sel);
  const sessions = new Map<string, [number, number]>();

  sel.set.segments.forEach((seg, si) => {
    const c = parts[si]!;
    total += sel.rows[si]!.length;
    apiCalls += c.apiCalls;
    apiErrorEvents += c.apiErrorEvents;
    status5xx += c.status5xx;
    rateLimits += c.rateLimits;
    errors += c.errors;
    warnings += c.warnings;
    health += c.health;
    healthFailures += c.healthFailures;
    restarts += c.restarts;
    const { first, last } = c;
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

  let avg: number | null = null;
  let pct: (number | null)[] = [null, null, null, null];
  if (latencyCount > 0) {
    avg = latencySum / latencyCount;
    pct = percentilesOfSorted(parts.map((p) => p.sorted), [50, 95, 99, 100]);
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
