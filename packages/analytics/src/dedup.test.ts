import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ABSENT, CONFLICT, dedupSegment, DROP, IdSet, KEEP } from './dedup.js';
import { F, type Segment } from './segment.js';

describe('IdSet', () => {
  it('keeps every id and its first digest through its doublings (from 1,024 slots to 131,072)', () => {
    // Ids as UUIDv7 words (time first, then random bits), plus ones that share all but a word
    // and the nil UUID: each found again with the digest it was first added with, none invented.
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) * 2) >>> 0;
    const n = 60_000;
    const words = new Uint32Array(n * 4);
    for (let i = 0; i < n; i++) {
      words.set([0x0195616d + (i >>> 12), ((i & 0xfff) << 16) | 0x7000, i % 7 === 0 ? 0x80000000 : rnd() | 0x80000000, i % 7 === 0 ? i : rnd()], i * 4);
    }
    words.set([0, 0, 0, 0], 0);
    const set = new IdSet();
    for (let i = 0; i < n; i++) assert.equal(set.addWords(words, i * 4, i + 1), ABSENT, `id ${i} is new`);
    assert.equal(set.count, n);
    for (let i = 0; i < n; i++) assert.equal(set.addWords(words, i * 4, 0), i + 1, `id ${i}: its first digest`);
    assert.equal(set.count, n, 'a second copy adds nothing');
    const other = new Uint32Array([0x0195616d, 0x7001, 1, 2]);
    assert.equal(set.addWords(other, 0, 9, true), ABSENT, 'an id never added is not found');
    assert.equal(set.count, n, 'a lookup adds nothing');
  });

  it('a lookup finds every id held, those whose first word is the least or the greatest too, and no other', () => {
    const set = new IdSet();
    const id = (a: number, d: number): Uint32Array => new Uint32Array([a, 0x7000, 0x80000000, d]);
    const held = [id(0x01956d70, 1), id(0x01956d75, 2), id(0x01956d7a, 3), id(0xfffffff0, 4)];
    held.slice(0, 3).forEach((w, i) => set.addWords(w, 0, 10 + i));
    assert.deepEqual(held.slice(0, 3).map((w) => set.addWords(w, 0, 0, true)), [10, 11, 12]);
    // Outside the first words held (older, newer), and inside them but not held.
    for (const w of [id(0x01956d6f, 1), id(0x01956d7b, 3), held[3]!, id(0x01956d72, 9), id(0, 1)]) assert.equal(set.addWords(w, 0, 0, true), ABSENT);
    set.addWords(held[3]!, 0, 13);
    assert.equal(set.addWords(held[3]!, 0, 0, true), 13, 'a greater first word widens what is looked up');
    assert.equal(set.addWords(id(0x01956d6f, 1), 0, 0, true), ABSENT);
  });
});

describe('de-duplication of segments, runs included', () => {
  /** A segment of these ids (hex words; undefined: a row without an id) and digests, as dedupSegment reads it. */
  const segment = (ids: (readonly number[] | undefined)[], digests: readonly number[]): Segment => {
    const id = new Uint32Array(ids.length * 4);
    const flags = new Uint8Array(ids.length);
    ids.forEach((w, r) => {
      if (w !== undefined) id.set(w, r * 4);
      else {
        // A row without an id: its words mean nothing (here, in order between its neighbours').
        flags[r] = F.NO_ID;
        if (r > 0) id.set([...id.subarray((r - 1) * 4, r * 4 - 1), id[r * 4 - 1]! + 1], r * 4);
      }
    });
    return { n: ids.length, id, digest: Uint32Array.from(digests), flags, textIds: new Map() } as unknown as Segment;
  };
  const runsOf = (ids: IdSet): number => (ids as unknown as { runs: unknown[] }).runs.length;
  let seed = 11;
  /** mulberry32: an integer in [0, n). */
  const rnd = (n: number): number => {
    let t = (seed = (seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
  /** A UUIDv7-like id: the time in the first word, then a counter and random bits. */
  const v7 = (t: number, i: number): number[] => [0x01956d70 + t, 0x7000 | (i & 0xfff), 0x80000000 + rnd(1 << 30), rnd(1 << 30)];
  const key = (w: readonly number[]): string => w.join(':');

  it('marks every row as a Map of ids would, whether a segment is held as a run or in the table', () => {
    let runs = 0;
    for (let trial = 0; trial < 40; trial++) {
      const ids = new IdSet();
      const first = new Map<string, number>();
      const seen: number[][] = [];
      for (let s = 0; s < 12; s++) {
        const n = 40 + rnd(300);
        const base = rnd(50) * 10; // time ranges that overlap sometimes, come in any order
        let rows: (number[] | undefined)[] = Array.from({ length: n }, (_, i) => v7(base + Math.floor(i / 40), i));
        const kind = rnd(6);
        if (kind === 1 && seen.length > 0) rows[rnd(n)] = seen[rnd(seen.length)]!; // a copy of an earlier id
        if (kind === 2) rows[n - 1] = rows[0]!; // a copy within the segment
        if (kind === 3) rows = rows.reverse(); // decreasing
        if (kind === 4) rows[rnd(n)] = undefined; // a row without an id
        if (kind === 5) rows[1] = rows[0]!; // a copy beside the first, in order after sorting
        if (kind !== 3 && kind !== 2) rows.sort((x, y) => (x === undefined || y === undefined ? 0 : x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]! || x[3]! - y[3]!));
        const digests = rows.map(() => rnd(3)); // a copy's digest: the same or not
        const got = dedupSegment(segment(rows, digests), ids);
        const want = rows.map((w, r) => {
          if (w === undefined) return KEEP;
          const had = first.get(key(w));
          if (had === undefined) {
            first.set(key(w), digests[r]!);
            seen.push(w);
            return KEEP;
          }
          return had === digests[r] ? DROP : CONFLICT;
        });
        assert.deepEqual([...got], want, `trial ${trial}, segment ${s} (kind ${kind})`);
      }
      assert.equal(ids.count, first.size);
      runs += runsOf(ids);
    }
    assert.ok(runs > 40, `some segments were runs (${runs})`);
  });

  it('holds an increasing segment outside every id held as a run, and finds its ids there', () => {
    const ids = new IdSet();
    const later = Array.from({ length: 100 }, (_, i) => v7(100, i));
    const earlier = Array.from({ length: 100 }, (_, i) => v7(10, i));
    assert.deepEqual([...dedupSegment(segment(later, later.map(() => 1)), ids)], later.map(() => KEEP));
    assert.deepEqual([...dedupSegment(segment(earlier, earlier.map(() => 2)), ids)], earlier.map(() => KEEP), 'an older file read after');
    assert.equal(runsOf(ids), 2);
    // Copies of both, out of order and with one changed line: found in the runs.
    const copies = [later[50]!, earlier[99]!, earlier[0]!, later[99]!];
    assert.deepEqual([...dedupSegment(segment(copies, [1, 2, 5, 1]), ids)], [DROP, DROP, CONFLICT, DROP]);
    // Starting at a run's last id (a copy), then newer: not a run, the copy found.
    const after = [later[99]!, ...Array.from({ length: 99 }, (_, i) => v7(120, i))];
    assert.deepEqual([...dedupSegment(segment(after, after.map(() => 1)), ids)].slice(0, 2), [DROP, KEEP]);
    assert.equal(runsOf(ids), 2);
    // Increasing, but its range holds a run's id: not a run; its new ids go to the table.
    const between = [v7(9, 0), earlier[40]!, v7(200, 0)];
    const more = Array.from({ length: 100 }, (_, i) => (i === 0 ? between[0]! : i === 50 ? between[1]! : i === 99 ? between[2]! : v7(150, i))).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!);
    dedupSegment(segment(more, more.map(() => 2)), ids);
    assert.equal(runsOf(ids), 2);
    assert.equal(ids.count, 400 - 2);
    // Increasing and past every run, but holding a copy of an id the table holds (its range covers it).
    const tableCopy = [v7(149, 0), more[60]!, v7(151, 0), ...Array.from({ length: 97 }, (_, i) => v7(160, i))];
    assert.deepEqual([...dedupSegment(segment(tableCopy, tableCopy.map(() => 2)), ids)].slice(0, 3), [KEEP, DROP, KEEP]);
    // Newer than everything, but the table now holds ids up to time 200: only past it is a run.
    const newest = Array.from({ length: 100 }, (_, i) => v7(300, i));
    dedupSegment(segment(newest, newest.map(() => 3)), ids);
    assert.equal(runsOf(ids), 3);
    // In order but for a row without an id: not a run (a run's rows are all UUIDs).
    const gap = Array.from({ length: 100 }, (_, i) => (i === 5 ? undefined : v7(400, i)));
    dedupSegment(segment(gap, gap.map(() => 4)), ids);
    assert.equal(runsOf(ids), 3);
    assert.equal(ids.addWords(Uint32Array.from(newest[7]!), 0, 0, true), 3, 'a lookup finds an id of a run');
  });
});
