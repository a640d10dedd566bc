import { addBadLines, emptyBadLines, type BadLineCounts } from './bad-lines.js';
import { conflictProblems } from './conflicts.js';
import { dedupSegment, IdSet } from './dedup.js';
import type { ReadProblem } from './reader.js';
import { SegmentBuilder, type Segment } from './segment.js';
import { readLine } from './lines.js';
import { ALL_TIME, inRange, parseTimestamp, type TimeRange } from './dates.js';
import { perSegment, type SegmentMemo } from './memo.js';

/**
 * What the metrics read: segments of events with, per segment, which rows are the first copy
 * of their event_id (`keep`), plus the bad-line counts and read problems of the source. No
 * range applied: each metric takes its range.
 */
export interface EventSet {
  readonly segments: readonly Segment[];
  /** Per row: 1 counted (the first copy of its id), 0 an identical copy, 2 a copy that differs from the first (dedup.ts; not counted). */
  readonly keep: readonly Uint8Array[];
  readonly bad: BadLineCounts;
  readonly problems: readonly ReadProblem[];
  /**
   * Per segment, what names its counted trading rows (default: its keep mask): segments with
   * the same key, in this set or another of the same lineage, hold the same counted trading
   * records in the same order (their `row` aside). A source that gives a file's trading rows
   * alone where a range does not reach it (FileSource) gives them the whole segment's key.
   */
  readonly tradeKeys?: readonly object[];
  /**
   * The same object on every set of one source: the sets follow one another, so linking may
   * resume from the last one's (trades.ts). Absent: each set is linked on its own.
   */
  readonly lineage?: object;
}

/**
 * De-duplicates segments (in order, the first copy wins) into an EventSet; a later copy that
 * differs from the first is a problem (conflicts.ts).
 */
export function eventSetOf(segments: readonly Segment[], problems: readonly ReadProblem[] = []): EventSet {
  const ids = new IdSet(segments.reduce((n, s) => n + s.n, 0));
  const bad = emptyBadLines();
  for (const s of segments) addBadLines(bad, s.bad);
  const keep = segments.map((s) => dedupSegment(s, ids));
  return { segments, keep, bad, problems: [...problems, ...conflictProblems(segments, keep)] };
}

/**
 * An EventSet from parsed events (plain objects as on disk) or raw lines, e.g. from another
 * store or a test. Objects go through the same checks as file lines (string event_id,
 * parseable timestamp); strings are read as lines.
 */
export function eventSetFromEvents(events: Iterable<Record<string, unknown> | string>, source = 'memory'): EventSet {
  const b = new SegmentBuilder(source);
  for (const e of events) {
    if (typeof e === 'string') {
      readLine(e, b);
      continue;
    }
    const ts = typeof e.timestamp === 'string' ? parseTimestamp(e.timestamp) : undefined;
    if (typeof e.event_id !== 'string') b.bad.missing_event_id++;
    else if (ts === undefined) b.bad.invalid_timestamp++;
    else b.add(e, ts);
  }
  return eventSetOf([b.finish()]);
}

/** The rows of an EventSet that count for one range: first copies whose timestamp is in it. */
export interface Selection {
  readonly set: EventSet;
  readonly range: TimeRange;
  /** Per segment, the selected row numbers in file order. */
  readonly rows: readonly Uint32Array[];
}

/**
 * Per keep mask, the rows of the ranges that cut the segment, the last few asked (memo.ts). A
 * cut is named by the rows it selects: their first and last place in time order. The windows
 * of an evaluation that start at different instants but select the same rows, and the same
 * window one evaluation later (its start moved on by a second, past none of the segment's
 * rows), then get the same rows array, and the metrics' per-segment results serve them all.
 * Named by the range's ends, a segment of 108,476 rows that every window of the alert bench
 * cut alike was selected and counted again five times an evaluation.
 */
const cuts: SegmentMemo<Map<string, Uint32Array>> = new WeakMap();
/** Cuts remembered per segment, the first made going first: an evaluation's windows cut a segment at one or two places. */
export const MAX_CUTS = 4;

interface Span {
  first: number;
  last: number;
  /** The counted rows (keep 1), in row order. */
  all: Uint32Array;
  none: Uint32Array;
  /** Whether the counted rows' times never go down in row order (then a cut is a run of `all`). */
  ordered: boolean;
}

/** Per keep mask of a segment out of time order, its counted rows' times, ascending (a cut's place in them names it). */
const sortedTimes: SegmentMemo<Float64Array> = new WeakMap();

/**
 * Per keep mask, the segment's earliest and latest counted time and its counted rows: a range
 * that holds them all selects `all`, one that holds none `none`, the same arrays whatever the
 * range, so the metrics' per-segment results (memo.ts) serve every range that holds the
 * segment whole (an alert's windows, a report after the range moved on) and only the segments
 * the range's ends cut are passed over again.
 */
const spans: SegmentMemo<Span> = new WeakMap();

function spanOf(s: Segment, keep: Uint8Array): Span {
  return perSegment(spans, keep, s, () => {
    let first = Infinity;
    let last = -Infinity;
    let ordered = true;
    const ts = s.ts;
    for (let r = 0; r < s.n; r++) {
      if (keep[r] !== 1) continue;
      const t = ts[r]!;
      if (t < last) ordered = false;
      if (t < first) first = t;
      if (t > last) last = t;
    }
    return { first, last, all: selectRows(s, keep, ALL_TIME), none: new Uint32Array(0), ordered };
  });
}

/** The first place in `n` ascending times (`at(i)`) at or after `t` (`after`: strictly after). */
export function bound(n: number, at: (i: number) => number, t: number, after: boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = at(mid);
    if (x < t || (after && x === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function select(set: EventSet, range: TimeRange = ALL_TIME): Selection {
  const rows = set.segments.map((s, i) => {
    const keep = set.keep[i]!;
    const span = spanOf(s, keep);
    if (span.all.length === 0 || span.last < range.start || (range.endExclusive ? span.first >= range.end : span.first > range.end)) return span.none;
    const holdsFirst = inRange(range, span.first);
    const holdsLast = inRange(range, span.last);
    if (holdsFirst && holdsLast) return span.all;
    // The selected rows' places in time order: [from, to). A few rows out of order (a clock
    // set back, generated history) make the times sorted apart, once per segment cut.
    const { all, ordered } = span;
    const sorted = ordered ? undefined : perSegment(sortedTimes, keep, s, () => Float64Array.from(all, (r) => s.ts[r]!).sort());
    const at = sorted === undefined ? (j: number): number => s.ts[all[j]!]! : (j: number): number => sorted[j]!;
    const from = holdsFirst ? 0 : bound(all.length, at, range.start, false);
    const to = holdsLast ? all.length : bound(all.length, at, range.end, !range.endExclusive);
    if (from >= to) return span.none;
    const mine = perSegment(cuts, keep, s, () => new Map<string, Uint32Array>());
    const key = `${from}:${to}`;
    let got = mine.get(key);
    if (got === undefined) {
      // In time order, the cut is a run of `all` (a view: no copy); else the rows are found.
      got = ordered ? all.subarray(from, to) : selectRows(s, keep, range);
      if (mine.size >= MAX_CUTS) mine.delete(mine.keys().next().value!);
      mine.set(key, got);
    }
    return got;
  });
  return { set, range, rows };
}

/**
 * Where a selection's rows of segment `si` are a run of the segment's counted rows in time
 * order (a cut that `select` made as a view of them): those counted rows and the run's ends.
 * Undefined for any other rows (all of them, none, a segment out of time order).
 */
export function runOf(sel: Selection, si: number): { all: Uint32Array; from: number; to: number } | undefined {
  const span = spanOf(sel.set.segments[si]!, sel.set.keep[si]!);
  const rows = sel.rows[si]!;
  if (!span.ordered || rows === span.all || rows.length === 0 || rows.buffer !== span.all.buffer) return undefined;
  const from = (rows.byteOffset - span.all.byteOffset) / Uint32Array.BYTES_PER_ELEMENT;
  return { all: span.all, from, to: from + rows.length };
}

function selectRows(s: Segment, keep: Uint8Array, range: TimeRange): Uint32Array {
  const ts = s.ts;
  const out = new Uint32Array(s.n);
  let m = 0;
  const { start, end } = range;
  if (range.endExclusive) {
    for (let r = 0; r < s.n; r++) if (keep[r] === 1 && ts[r]! >= start && ts[r]! < end) out[m++] = r;
  } else {
    for (let r = 0; r < s.n; r++) if (keep[r] === 1 && ts[r]! >= start && ts[r]! <= end) out[m++] = r;
  }
  return m === s.n ? out : out.slice(0, m);
}

/** Whether row `row` of segment `seg` is selected (for the sparse records, which carry their row). */
export function isSelected(sel: Selection, seg: number, row: number, ts: number): boolean {
  return sel.set.keep[seg]![row] === 1 && inRange(sel.range, ts);
}
