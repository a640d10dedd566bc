import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ABSENT, IdSet } from './dedup.js';

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
