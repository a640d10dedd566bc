import type { Segment } from './segment.js';

// A repeated report after lines were appended reads one new segment; the segments read before
// are unchanged, and so are their keep masks (a de-duplication that starts over makes new
// ones) and the rows a range selects in them (event-set.ts select keeps them per mask). The
// metrics' passes over every row keep their result per segment here, keyed by the array they
// read (a mask or a rows array), so such a report passes over the new rows only. Results are
// exact: each is what the pass computes over that segment alone, and the callers combine them
// in segment order, as the pass over all rows did.

/** Results per key array; the segment is checked too (a key is only ever read with its own). */
export type SegmentMemo<T> = WeakMap<object, { readonly seg: Segment; readonly value: T }>;

/** `compute()` for (key, seg), or what it returned for them before. */
export function perSegment<T>(memo: SegmentMemo<T>, key: object, seg: Segment, compute: () => T): T {
  const hit = memo.get(key);
  if (hit !== undefined && hit.seg === seg) return hit.value;
  const value = compute();
  memo.set(key, { seg, value });
  return value;
}
