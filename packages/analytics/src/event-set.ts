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

/** The rows a range selects in a segment, per keep mask (memo.ts): the last range asked. */
const selected: SegmentMemo<{ start: number; end: number; endExclusive: boolean; rows: Uint32Array }> = new WeakMap();

/**
 * Per keep mask, the segment's earliest and latest counted time and its counted rows: a range
 * that holds them all selects `all`, one that holds none `none`, the same arrays whatever the
 * range, so the metrics' per-segment results (memo.ts) serve every range that holds the
 * segment whole (an alert's windows, a report after the range moved on) and only the segments
 * the range's ends cut are passed over again.
 */
const spans: SegmentMemo<{ first: number; last: number; all: Uint32Array; none: Uint32Array }> = new WeakMap();

function spanOf(s: Segment, keep: Uint8Array): { first: number; last: number; all: Uint32Array; none: Uint32Array } {
  return perSegment(spans, keep, s, () => {
    let first = Infinity;
    let last = -Infinity;
    const ts = s.ts;
    for (let r = 0; r < s.n; r++) {
      if (keep[r] !== 1) continue;
      if (ts[r]! < first) first = ts[r]!;
      if (ts[r]! > last) last = ts[r]!;
    }
    return { first, last, all: selectRows(s, keep, ALL_TIME), none: new Uint32Array(0) };
  });
}

export function select(set: EventSet, range: TimeRange = ALL_TIME): Selection {
  const rows = set.segments.map((s, i) => {
    const keep = set.keep[i]!;
    const span = spanOf(s, keep);
    if (span.all.length === 0 || span.last < range.start || (range.endExclusive ? span.first >= range.end : span.first > range.end)) return span.none;
    const holdsFirst = inRange(range, span.first);
    const holdsLast = inRange(range, span.last);
    if (holdsFirst && holdsLast) return span.all;
    // The cut as this segment sees it: an end beyond its rows is no end. Ranges that cut it
    // alike (every window of an evaluation ends at its instant, and most start before the
    // newest segment) then get the same rows array, and its per-segment results (memo.ts).
    const cut: TimeRange = { start: holdsFirst ? -Infinity : range.start, end: holdsLast ? Infinity : range.end, endExclusive: range.endExclusive };
    const was = selected.get(keep);
    if (was !== undefined && was.seg === s && was.value.start === cut.start && was.value.end === cut.end && was.value.endExclusive === cut.endExclusive) return was.value.rows;
    const got = selectRows(s, keep, range);
    selected.set(keep, { seg: s, value: { start: cut.start, end: cut.end, endExclusive: cut.endExclusive, rows: got } });
    return got;
  });
  return { set, range, rows };
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
