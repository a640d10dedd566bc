import { F, type Segment } from './segment.js';

/** What IdSet.addWords/addText return for an id not seen before. */
export const ABSENT = -1;

/**
 * The set of event ids seen so far, each with the digest of its first copy's content (see
 * SegmentBuilder: so that a second copy can be told identical or not). Canonical UUIDs (what
 * daybook and the Python DayBot write) live as 128-bit keys in an open-addressing table of
 * 32-bit words, the digest beside them: exact (no hash collisions can merge two ids) and
 * ~20-40 bytes per id instead of ~80 for a Set of strings. Other ids go into a Map.
 */
export class IdSet {
  private table: Uint32Array;
  private mask: number;
  private size = 0;
  /** The all-zero UUID is the empty-slot marker: its digest is kept apart (ABSENT: not seen). */
  private nilDigest = ABSENT;
  private readonly text = new Map<string, number>();
  /**
   * The least and greatest first word of the UUIDs held (unsigned). A time-ordered UUID (v7,
   * daybook's) begins with its time: a lookup of a newer event's id in a set of older ones
   * (source.ts asks the left-out trading rows' set about every new row) is answered without
   * touching the table.
   */
  private lowWord = 0xffffffff;
  private highWord = 0;

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.table = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
  }

  get count(): number {
    return this.size + this.text.size + (this.nilDigest === ABSENT ? 0 : 1);
  }

  /**
   * Adds the id in words[o..o+4) with `digest` (unless `lookupOnly`). Returns ABSENT if it was
   * not there yet, else the digest it was first added with.
   */
  addWords(words: Uint32Array, o: number, digest: number, lookupOnly = false): number {
    const a = words[o]!;
    const b = words[o + 1]!;
    const c = words[o + 2]!;
    const d = words[o + 3]!;
    if ((a | b | c | d) === 0) {
      const had = this.nilDigest;
      if (had === ABSENT && !lookupOnly) this.nilDigest = digest;
      return had;
    }
    if (lookupOnly && (a < this.lowWord || a > this.highWord)) return ABSENT;
    const t = this.table;
    let i = slotOf(a, b, c, d) & this.mask;
    for (;;) {
      const k = i * STRIDE;
      const ta = t[k]!;
      const tb = t[k + 1]!;
      const tc = t[k + 2]!;
      const td = t[k + 3]!;
      if ((ta | tb | tc | td) === 0) break;
      if (ta === a && tb === b && tc === c && td === d) return t[k + 4]!;
      i = (i + 1) & this.mask;
    }
    if (lookupOnly) return ABSENT;
    const k = i * STRIDE;
    t[k] = a;
    t[k + 1] = b;
    t[k + 2] = c;
    t[k + 3] = d;
    t[k + 4] = digest;
    if (a < this.lowWord) this.lowWord = a;
    if (a > this.highWord) this.highWord = a;
    if (++this.size * 4 > (this.mask + 1) * 3) this.rehash();
    return ABSENT;
  }

  addText(id: string, digest: number, lookupOnly = false): number {
    const had = this.text.get(id);
    if (had !== undefined) return had;
    if (!lookupOnly) this.text.set(id, digest);
    return ABSENT;
  }

  /**
   * Twice the slots. The ids moved are distinct and none is the nil UUID, so each goes to the
   * first free slot from its hash without being compared (through addWords, which compares,
   * a rehash of 2 M ids took ~0.3 s: an evaluator reading 10,000 events/s stalled that long).
   */
  private rehash(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    const t = new Uint32Array(cap * STRIDE);
    const mask = cap - 1;
    for (let k = 0; k < old.length; k += STRIDE) {
      const a = old[k]!;
      const b = old[k + 1]!;
      const c = old[k + 2]!;
      const d = old[k + 3]!;
      if ((a | b | c | d) === 0) continue;
      let j = (slotOf(a, b, c, d) & mask) * STRIDE;
      while ((t[j]! | t[j + 1]! | t[j + 2]! | t[j + 3]!) !== 0) j = j + STRIDE === t.length ? 0 : j + STRIDE;
      t[j] = a;
      t[j + 1] = b;
      t[j + 2] = c;
      t[j + 3] = d;
      t[j + 4] = old[k + 4]!;
    }
    this.table = t;
    this.mask = mask;
  }
}

/** An id's home slot before masking. */
function slotOf(a: number, b: number, c: number, d: number): number {
  return Math.imul(d ^ (c >>> 7), 0x9e3779b1) ^ Math.imul(b ^ a, 0x85ebca6b);
}

/** Words per slot: the id's four, then its digest. */
const STRIDE = 5;

/**
 * Marks the rows of `seg` against the ids seen before, adding the new ones to `ids`:
 * KEEP for the first copy of an id (and for app text lines, which have none), DROP for a copy
 * identical to the first, CONFLICT for a copy whose content differs (not counted either,
 * but a problem: see conflictProblems).
 */
export function dedupSegment(seg: Segment, ids: IdSet): Uint8Array {
  const keep = new Uint8Array(seg.n);
  const flags = seg.flags;
  const words = seg.id;
  const digests = seg.digest;
  for (let r = 0; r < seg.n; r++) {
    const f = flags[r]!;
    if ((f & F.NO_ID) !== 0) {
      keep[r] = KEEP;
      continue;
    }
    const digest = digests[r]!;
    const had = (f & F.TEXT_ID) !== 0 ? ids.addText(seg.textIds.get(r)!, digest) : ids.addWords(words, r * 4, digest);
    keep[r] = had === ABSENT ? KEEP : had === digest ? DROP : CONFLICT;
  }
  return keep;
}

/** Values of a keep mask (EventSet.keep): only KEEP rows count. */
export const DROP = 0;
export const KEEP = 1;
export const CONFLICT = 2;
