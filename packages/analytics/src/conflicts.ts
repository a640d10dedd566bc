import { ABSENT, CONFLICT, IdSet, KEEP } from './dedup.js';
import { perSegment, type SegmentMemo } from './memo.js';
import type { ReadProblem } from './reader.js';
import { F, type Segment } from './segment.js';

/** Conflicts named one by one; past this many, one more problem gives the count of the rest. */
export const NAMED_CONFLICTS = 20;

const hex = (w: number): string => w.toString(16).padStart(8, '0');

/** The event_id of a row as text. */
export function idOf(seg: Segment, row: number): string {
  if ((seg.flags[row]! & F.TEXT_ID) !== 0) return seg.textIds.get(row)!;
  const w = seg.id;
  const a = hex(w[row * 4]!);
  const b = hex(w[row * 4 + 1]!);
  const c = hex(w[row * 4 + 2]!);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex(w[row * 4 + 3]!)}`;
}

/** The CONFLICT rows of a segment, per keep mask (memo.ts): a load passes over new masks only. */
const conflicting: SegmentMemo<number[]> = new WeakMap();

function conflictRows(seg: Segment, k: Uint8Array): number[] {
  const rows: number[] = [];
  for (let r = 0; r < seg.n; r++) if (k[r] === CONFLICT) rows.push(r);
  return rows;
}

/**
 * The DAYBOOK_W_READ_ID_CONFLICT problems of an EventSet's rows (dedup.ts marks them): per
 * conflicting copy, its id, its file and the file of the copy that counts. Which copy counts
 * is the first in read order (audit.log before the views and app logs, oldest backup first):
 * the canonical stream's copy, the one verify vouches for, is read before any other; dropping
 * both would lose a real event to a stray copy, counting both would count one id twice.
 * Conflicts are rare: the files of the counted copies are found by one pass over the rows,
 * for the named ones only.
 */
export function conflictProblems(segments: readonly Segment[], keep: readonly Uint8Array[]): ReadProblem[] {
  const named: { seg: Segment; row: number }[] = [];
  let total = 0;
  segments.forEach((seg, i) => {
    const k = keep[i]!;
    for (const r of perSegment(conflicting, k, seg, () => conflictRows(seg, k))) {
      total++;
      if (named.length < NAMED_CONFLICTS) named.push({ seg, row: r });
    }
  });
  if (total === 0) return [];
  // The ids wanted, each with its number among the named as its "digest".
  const wanted = new IdSet(named.length);
  named.forEach(({ seg, row }, j) => {
    if ((seg.flags[row]! & F.TEXT_ID) !== 0) wanted.addText(seg.textIds.get(row)!, j);
    else wanted.addWords(seg.id, row * 4, j);
  });
  const counted = new Map<number, string>();
  segments.forEach((seg, i) => {
    const k = keep[i]!;
    for (let r = 0; r < seg.n && counted.size < named.length; r++) {
      if (k[r] !== KEEP || (seg.flags[r]! & F.NO_ID) !== 0) continue;
      const j = (seg.flags[r]! & F.TEXT_ID) !== 0 ? wanted.addText(seg.textIds.get(r)!, 0, true) : wanted.addWords(seg.id, r * 4, 0, true);
      if (j !== ABSENT && !counted.has(j)) counted.set(j, seg.source);
    }
  });
  const problems: ReadProblem[] = named.map(({ seg, row }, j) => {
    // Several conflicting copies of one id share the number of the first of them.
    const first = (seg.flags[row]! & F.TEXT_ID) !== 0 ? wanted.addText(seg.textIds.get(row)!, 0, true) : wanted.addWords(seg.id, row * 4, 0, true);
    const where = counted.get(first === ABSENT ? j : first);
    return {
      file: seg.source, code: 'DAYBOOK_W_READ_ID_CONFLICT',
      message: `event_id ${idOf(seg, row)}: the copy in ${seg.source} differs from the one counted (${where === undefined ? 'read earlier' : `in ${where}`}); it is not counted`,
    };
  });
  if (total > named.length) {
    problems.push({ file: named[0]!.seg.source, code: 'DAYBOOK_W_READ_ID_CONFLICT', message: `${total - named.length} more copies of event_ids differ from the copy counted (not counted; the first ${named.length} are named above)` });
  }
  return problems;
}
