import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kthOfSorted, percentiles, percentilesOfSorted } from './stats.js';

const PS = [0, 1, 50, 95, 99, 99.9, 100];
const sorted = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

describe('percentiles of sorted parts', () => {
  it('equal percentiles() of their concatenation, exactly, for any split (duplicates, empty parts, more parts than merged at once)', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 40 }), { minLength: 1, maxLength: 40 }), (parts) => {
        const all = parts.flat();
        fc.pre(all.length > 0);
        const expected = percentiles(Float64Array.from(all), PS);
        assert.deepEqual(percentilesOfSorted(parts.map(sorted), PS), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('the k-th value of the union is the sorted union at k', () => {
    const parts = [[5, 1, 3], [], [2, 2, 9], [4], [2, 8, 0.5]].map(sorted);
    const union = [...parts.flatMap((p) => [...p])].sort((a, b) => a - b);
    union.forEach((v, k) => assert.equal(kthOfSorted(parts, k), v, `k=${k}`));
    assert.throws(() => kthOfSorted(parts, union.length), RangeError);
  });
});
