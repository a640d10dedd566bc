import { bound, runOf, type Selection } from './event-set.js';
import { perSegment, type SegmentMemo } from './memo.js';
import { F, LEVEL, T, type Segment } from './segment.js';
import { percentilesOfSorted } from './stats.js';
import { latencyOrder, sortLatencies } from './radix.js';
import { ExactSum } from './exact-sum.js';
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

/** The counters of SegmentCounts, as places in its `counts`. */
const C = { apiCalls: 0, apiErrorEvents: 1, status5xx: 2, rateLimits: 3, errors: 4, warnings: 5, health: 6, healthFailures: 7, restarts: 8 } as const;
const COUNTERS = 9;

/** What systemMetrics counts in one segment's selected rows (memo.ts). */
interface SegmentCounts {
  /** Per counter (C). */
  counts: Int32Array;
  /** The api_call latencies (>= 0), ascending: the percentiles select from these, not from a copy of every segment's. */
  sorted: Float64Array;
  /** Their exact sum (ExactSum's partials): a window's is its parts', whatever the order (exact-sum.ts). */
  sum: Float64Array;
  /** Per index of seg.sessions: the first and last time of its selected rows (±Infinity: none). */
  first: Float64Array;
  last: Float64Array;
}

const counted: SegmentMemo<SegmentCounts> = new WeakMap();

/** Adds a row of type t, level lv and flags f to the counters `c` (C). */
function countRow(t: number, lv: number, f: number, c: Int32Array): void {
  if (lv >= LEVEL.ERROR) c[C.errors]!++;
  else if (lv === LEVEL.WARNING) c[C.warnings]!++;
  if (t === T.api_call) {
    c[C.apiCalls]!++;
    if ((f & F.STATUS_5XX) !== 0) c[C.status5xx]!++;
    if ((f & F.STATUS_429) !== 0) c[C.rateLimits]!++;
  } else if (t === T.api_error) c[C.apiErrorEvents]!++;
  else if (t === T.rate_limit) c[C.rateLimits]!++;
  else if (t === T.health_check) {
    c[C.health]!++;
    if ((f & F.HEALTH_BAD) !== 0 || lv >= LEVEL.WARNING) c[C.healthFailures]!++;
  } else if (t === T.system_start) c[C.restarts]!++;
}

/** Whether a row of type t with latency l holds an API latency (NaN, no latency, and negatives fail the test). */
const hasLatency = (t: number, l: number): boolean => t === T.api_call && l >= 0;

function countSegment(seg: Segment, rows: Uint32Array): SegmentCounts {
  const counts = new Int32Array(COUNTERS);
  const { type, level, flags, latency, session, ts } = seg;
  const latencies = new Float64Array(rows.length);
  let latencyCount = 0;
  const first = new Float64Array(seg.sessions.length).fill(Infinity);
  const last = new Float64Array(seg.sessions.length).fill(-Infinity);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    const t = type[r]!;
    countRow(t, level[r]!, flags[r]!, counts);
    if (hasLatency(t, latency[r]!)) latencies[latencyCount++] = latency[r]!;
    const s = session[r]!;
    if (s >= 0) {
      const x = ts[r]!;
      if (x < first[s]!) first[s] = x;
      if (x > last[s]!) last[s] = x;
    }
  }
  const sorted = latencies.slice(0, latencyCount);
  const sum = new ExactSum();
  for (let i = 0; i < latencyCount; i++) sum.add(sorted[i]!);
  sortLatencies(sorted);
  return { counts, sorted, sum: sum.partials(), first, last };
}

/**
 * A window whose start cuts a segment counts the cut again at every evaluation (the start
 * moves on), and a pass over its rows, with a sort of their latencies, was most of what an
 * evaluation after appends cost beyond reading. For a segment in time order a cut is a run
 * [from, to) of its counted rows (event-set.ts runOf); this index of those rows, made once,
 * counts any run without passing over it: counters before every BLOCK-th row, the API
 * latencies with their places (a run's are a stretch of them), the exact sums of every BLOCK
 * of those latencies (a stretch's sum is the few whole blocks' and the rest's), their order by
 * value (a run's sorted latencies are those of the order inside the stretch), and each
 * session's places (its first and last row in the run by binary search: in time order, the
 * first and last by place are the earliest and latest).
 */
interface RunIndex {
  /** Per block of BLOCK counted rows, the counters (C) of the rows before it. */
  before: Int32Array;
  /** The places in the counted rows of the rows with an API latency, ascending, and their latencies. */
  apiPlace: Uint32Array;
  apiLatency: Float64Array;
  /** Indexes into apiLatency, ascending by latency as Float64Array#sort orders them (-0 before +0). */
  order: Uint32Array;
  /** The partials of each BLOCK of apiLatency's sum (ExactSum), one after another: block k's from blockAt[k] to blockAt[k + 1]. */
  blockSums: Float64Array;
  blockAt: Int32Array;
  /** Per index of seg.sessions, the places of its rows, ascending. */
  sessionPlaces: Uint32Array[];
}

const BLOCK_BITS = 6;
const BLOCK = 1 << BLOCK_BITS;

/** Per counted rows of a segment in time order (runOf's `all`: one array per segment and keep mask). */
const runIndexes: SegmentMemo<RunIndex> = new WeakMap();

function runIndexOf(seg: Segment, all: Uint32Array): RunIndex {
  return perSegment(runIndexes, all, seg, () => buildRunIndex(seg, all));
}

function buildRunIndex(seg: Segment, all: Uint32Array): RunIndex {
  const { type, level, flags, latency, session } = seg;
  const n = all.length;
  const before = new Int32Array(((n >> BLOCK_BITS) + 1) * COUNTERS);
  const c = new Int32Array(COUNTERS);
  const places = new Uint32Array(n);
  let apiCount = 0;
  const perSession = new Int32Array(seg.sessions.length);
  for (let j = 0; j < n; j++) {
    if ((j & (BLOCK - 1)) === 0) before.set(c, (j >> BLOCK_BITS) * COUNTERS);
    const r = all[j]!;
    const t = type[r]!;
    countRow(t, level[r]!, flags[r]!, c);
    if (hasLatency(t, latency[r]!)) places[apiCount++] = j;
    const s = session[r]!;
    if (s >= 0) perSession[s]!++;
  }
  if ((n & (BLOCK - 1)) === 0) before.set(c, (n >> BLOCK_BITS) * COUNTERS);
  const sessionPlaces = Array.from(perSession, (k) => new Uint32Array(k));
  perSession.fill(0);
  for (let j = 0; j < n; j++) {
    const s = session[all[j]!]!;
    if (s >= 0) sessionPlaces[s]![perSession[s]!++] = j;
  }
  const apiPlace = places.slice(0, apiCount);
  const apiLatency = new Float64Array(apiCount);
  for (let k = 0; k < apiCount; k++) apiLatency[k] = latency[all[apiPlace[k]!]!]!;
  return { before, apiPlace, apiLatency, order: latencyOrder(apiLatency), ...blockSumsOf(apiLatency), sessionPlaces };
}

/** The exact sums of every BLOCK of `values` (RunIndex). */
function blockSumsOf(values: Float64Array): Pick<RunIndex, 'blockSums' | 'blockAt'> {
  const blocks = Math.ceil(values.length / BLOCK);
  const blockAt = new Int32Array(blocks + 1);
  const parts: number[] = [];
  for (let k = 0; k < blocks; k++) {
    const sum = new ExactSum();
    for (let i = k * BLOCK; i < Math.min(values.length, (k + 1) * BLOCK); i++) sum.add(values[i]!);
    parts.push(...sum.partials());
    blockAt[k + 1] = parts.length;
  }
  return { blockSums: Float64Array.from(parts), blockAt };
}

/** The exact sum of apiLatency[a, b) (ExactSum's partials): its whole blocks' sums, and the latencies around them. */
function sumOfStretch(index: RunIndex, a: number, b: number): Float64Array {
  const { apiLatency, blockSums, blockAt } = index;
  const sum = new ExactSum();
  const firstWhole = Math.ceil(a / BLOCK);
  const lastWhole = Math.floor(b / BLOCK); // blocks [firstWhole, lastWhole) lie inside
  if (firstWhole >= lastWhole) {
    for (let i = a; i < b; i++) sum.add(apiLatency[i]!);
    return sum.partials();
  }
  for (let i = a; i < firstWhole * BLOCK; i++) sum.add(apiLatency[i]!);
  sum.addPartials(blockSums.subarray(blockAt[firstWhole]!, blockAt[lastWhole]!));
  for (let i = lastWhole * BLOCK; i < b; i++) sum.add(apiLatency[i]!);
  return sum.partials();
}

/** The counters of the counted rows before place x, into c. */
function countBefore(seg: Segment, all: Uint32Array, index: RunIndex, x: number, c: Int32Array): void {
  const b = x >> BLOCK_BITS;
  c.set(index.before.subarray(b * COUNTERS, (b + 1) * COUNTERS));
  const { type, level, flags } = seg;
  for (let j = b << BLOCK_BITS; j < x; j++) {
    const r = all[j]!;
    countRow(type[r]!, level[r]!, flags[r]!, c);
  }
}

/** The first index in ascending `a` whose value is >= x. */
const lowerBound = (a: Uint32Array, x: number): number => bound(a.length, (i) => a[i]!, x, false);

/** countSegment of the run [from, to) of a time-ordered segment's counted rows `all`, from its RunIndex. */
function countRun(seg: Segment, all: Uint32Array, from: number, to: number): SegmentCounts {
  const index = runIndexOf(seg, all);
  const counts = new Int32Array(COUNTERS);
  const below = new Int32Array(COUNTERS);
  countBefore(seg, all, index, to, counts);
  countBefore(seg, all, index, from, below);
  for (let k = 0; k < COUNTERS; k++) counts[k]! -= below[k]!;
  const { apiPlace, apiLatency, order } = index;
  const a = lowerBound(apiPlace, from);
  const b = lowerBound(apiPlace, to);
  const sorted = new Float64Array(b - a);
  let m = 0;
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    if (k >= a && k < b) sorted[m++] = apiLatency[k]!;
  }
  const first = new Float64Array(seg.sessions.length).fill(Infinity);
  const last = new Float64Array(seg.sessions.length).fill(-Infinity);
  index.sessionPlaces.forEach((places, s) => {
    const i = lowerBound(places, from);
    if (i === places.length || places[i]! >= to) return;
    first[s] = seg.ts[all[places[i]!]!]!;
    last[s] = seg.ts[all[places[lowerBound(places, to) - 1]!]!]!;
  });
  return { counts, sorted, sum: sumOfStretch(index, a, b), first, last };
}

/** Each segment's counts over its selected rows (memoized), and the latencies' count and exact sum. */
function tally(sel: Selection): { parts: SegmentCounts[]; latencyCount: number; latencySum: number } {
  const parts = sel.set.segments.map((seg, si) =>
    perSegment(counted, sel.rows[si]!, seg, () => {
      const run = runOf(sel, si);
      return run === undefined ? countSegment(seg, sel.rows[si]!) : countRun(seg, run.all, run.from, run.to);
    }),
  );
  let latencyCount = 0;
  const sum = new ExactSum();
  for (const p of parts) {
    latencyCount += p.sorted.length;
    sum.addPartials(p.sum);
  }
  return { parts, latencyCount, latencySum: sum.value() };
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
    rateLimits += c.counts[C.rateLimits]!;
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
    const { counts, first, last } = parts[si]!;
    total += sel.rows[si]!.length;
    apiCalls += counts[C.apiCalls]!;
    apiErrorEvents += counts[C.apiErrorEvents]!;
    status5xx += counts[C.status5xx]!;
    rateLimits += counts[C.rateLimits]!;
    errors += counts[C.errors]!;
    warnings += counts[C.warnings]!;
    health += counts[C.health]!;
    healthFailures += counts[C.healthFailures]!;
    restarts += counts[C.restarts]!;
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
