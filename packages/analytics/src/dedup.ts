import { F, type Segment } from './segment.js';

/** What IdSet.addWords/addText return for an id not seen before. */
export const ABSENT = -1;

/**
 * The set of event ids seen so far, each with the digest of its first copy's content (see
 * SegmentBuilder: so that a second copy can be told identical or not). Canonical UUIDs (what
 * daybook and the Python DayBot write) live as 128-bit keys in an open-addressing table of
 * 32-bit words, the digest beside them: exact (no hash collisions can merge two ids) and
 * ~20-40 bytes per id instead of ~80 for a Set of strings. Other ids go into a Map.
 *
 * A segment whose ids are UUIDs in strictly increasing order (a daybook file: core's
 * UUIDv7s increase within a process) and outside every id held so far is a run (addRun):
 * all its ids are new, so it is held where it is, its own id and digest columns, searched by
 * bisection, and never copied into the table. De-duplicating such a segment is one pass that
 * checks its order, where inserting its ids into a table of millions cost a cache miss each
 * (~0.2-0.4 µs an id on this machine: a sixth of a first report's main thread).
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
  /** The least and greatest UUIDs in the table (four words each; meaningful while size > 0). */
  private readonly low = new Uint32Array(4);
  private readonly high = new Uint32Array(4);
  /** The runs (addRun), pairwise disjoint, in order of their first ids. */
  private readonly runs: Run[] = [];
  private runRows = 0;

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.table = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
  }

  get count(): number {
    return this.size + this.runRows + this.text.size + (this.nilDigest === ABSENT ? 0 : 1);
  }

  /**
   * Holds the ids of `seg` as a run if they can be one (see the class): every row a UUID, in
   * strictly increasing order, none of them in the range of the table's UUIDs or of a run.
   * True if it did (each of its ids was new, each row is the first copy of its id).
   */
  addRun(seg: Segment): boolean {
    const n = seg.n;
    if (n < RUN_MIN) return false;
    const w = seg.id;
    const f = seg.flags;
    if ((f[0]! & NOT_UUID) !== 0 || (w[0]! | w[1]! | w[2]! | w[3]!) === 0) return false;
    for (let r = 1; r < n; r++) if ((f[r]! & NOT_UUID) !== 0 || compareIds(w, (r - 1) * 4, w, r * 4) >= 0) return false;
    const last = (n - 1) * 4;
    if (this.size > 0 && !(compareIds(w, 0, this.high, 0) > 0 || compareIds(w, last, this.low, 0) < 0)) return false;
    // The runs before and after it in order: it must fit between them.
    const at = this.runAfter(w, 0);
    const before = this.runs[at - 1];
    const after = this.runs[at];
    if (before !== undefined && compareIds(before.id, (before.n - 1) * 4, w, 0) >= 0) return false;
    if (after !== undefined && compareIds(w, last, after.id, 0) >= 0) return false;
    this.runs.splice(at, 0, { id: w, digest: seg.digest, n });
    this.runRows += n;
    return true;
  }

  /** The index of the first run whose first id is greater than the id at words[o..o+4). */
  private runAfter(words: Uint32Array, o: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.runs[mid]!.id, 0, words, o) > 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The digest of the id at words[o..o+4) if a run holds it, else ABSENT. */
  private inRuns(words: Uint32Array, o: number): number {
    const run = this.runs[this.runAfter(words, o) - 1];
    if (run === undefined) return ABSENT;
    let lo = 0;
    let hi = run.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareIds(run.id, mid * 4, words, o);
      if (c === 0) return run.digest[mid]!;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return ABSENT;
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
    if (this.runs.length > 0) {
      const held = this.inRuns(words, o);
      if (held !== ABSENT) return held;
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
    if (this.size === 0 || compareIds(words, o, this.low, 0) < 0) setId(this.low, a, b, c, d);
    if (this.size === 0 || compareIds(words, o, this.high, 0) > 0) setId(this.high, a, b, c, d);
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

/** A segment's ids held in place (IdSet.addRun): its id column (four words a row, increasing) and digest column. */
interface Run {
  readonly id: Uint32Array;
  readonly digest: Uint32Array;
  readonly n: number;
}

/** Fewer rows than this are not worth a run: the table takes them. */
const RUN_MIN = 64;

const NOT_UUID = F.NO_ID | F.TEXT_ID;

function setId(out: Uint32Array, a: number, b: number, c: number, d: number): void {
  out[0] = a;
  out[1] = b;
  out[2] = c;
  out[3] = d;
}

/** The order of two UUIDs as 128-bit unsigned numbers (words most significant first): negative, 0 or positive. */
function compareIds(x: Uint32Array, i: number, y: Uint32Array, j: number): number {
  for (let k = 0; k < 4; k++) {
    const d = x[i + k]! - y[j + k]!;
    if (d !== 0) return d;
  }
  return 0;
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
  if (ids.addRun(seg)) return keep.fill(KEEP);
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
