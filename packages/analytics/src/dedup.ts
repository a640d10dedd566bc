import { F, type Segment } from './segment.js';

/**
 * The set of event ids seen so far. Canonical UUIDs (what daybook and the Python DayBot
 * write) live as 128-bit keys in an open-addressing table of 32-bit words: exact (no hash
 * collisions can merge two ids) and ~16-32 bytes per id instead of ~80 for a Set of strings.
 * Other ids go into a Set of strings.
 */
export class IdSet {
  private table: Uint32Array;
  private mask: number;
  private size = 0;
  private nilSeen = false; // the all-zero UUID is the empty-slot marker
  private readonly text = new Set<string>();

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.table = new Uint32Array(cap * 4);
    this.mask = cap - 1;
  }

  get count(): number {
    return this.size + this.text.size + (this.nilSeen ? 1 : 0);
  }

  /** Adds the id in words[o..o+4); true if it was not there yet. */
  addWords(words: Uint32Array, o: number, lookupOnly = false): boolean {
    const a = words[o]!;
    const b = words[o + 1]!;
    const c = words[o + 2]!;
    const d = words[o + 3]!;
    if ((a | b | c | d) === 0) {
      if (this.nilSeen) return false;
      if (!lookupOnly) this.nilSeen = true;
      return true;
    }
    const t = this.table;
    let i = (Math.imul(d ^ (c >>> 7), 0x9e3779b1) ^ Math.imul(b ^ a, 0x85ebca6b)) & this.mask;
    for (;;) {
      const k = i * 4;
      const ta = t[k]!;
      const tb = t[k + 1]!;
      const tc = t[k + 2]!;
      const td = t[k + 3]!;
      if ((ta | tb | tc | td) === 0) break;
      if (ta === a && tb === b && tc === c && td === d) return false;
      i = (i + 1) & this.mask;
    }
    if (lookupOnly) return true;
    const k = i * 4;
    t[k] = a;
    t[k + 1] = b;
    t[k + 2] = c;
    t[k + 3] = d;
    if (++this.size * 4 > (this.mask + 1) * 3) this.rehash();
    return true;
  }

  addText(id: string, lookupOnly = false): boolean {
    if (this.text.has(id)) return false;
    if (!lookupOnly) this.text.add(id);
    return true;
  }

  private rehash(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    this.table = new Uint32Array(cap * 4);
    this.mask = cap - 1;
    this.size = 0;
    for (let k = 0; k < old.length; k += 4) {
      if ((old[k]! | old[k + 1]! | old[k + 2]! | old[k + 3]!) !== 0) this.addWords(old, k);
    }
  }
}

/**
 * Marks the rows of `seg` whose event_id was not seen before (1 = keep), adding them to
 * `ids`. With `scratch`, `ids` is only looked at and new ids go to `scratch` instead (for a
 * file's unterminated last line, which is read again once complete).
 */
export function dedupSegment(seg: Segment, ids: IdSet, scratch?: IdSet): Uint8Array {
  const keep = new Uint8Array(seg.n);
  const flags = seg.flags;
  const words = seg.id;
  const lookupOnly = scratch !== undefined;
  const local = scratch ?? ids;
  for (let r = 0; r < seg.n; r++) {
    const f = flags[r]!;
    if ((f & F.NO_ID) !== 0) {
      keep[r] = 1;
    } else if ((f & F.TEXT_ID) !== 0) {
      const id = seg.textIds.get(r)!;
      if ((!lookupOnly || ids.addText(id, true)) && local.addText(id)) keep[r] = 1;
    } else if ((!lookupOnly || ids.addWords(words, r * 4, true)) && local.addWords(words, r * 4)) {
      keep[r] = 1;
    }
  }
  return keep;
}
