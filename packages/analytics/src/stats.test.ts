import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { kthByBisection, kthOfSorted, percentiles, percentilesOfSorted } from './stats.js';

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

  it('with many parts (one per evaluation over a day), the same percentiles, found by bisection without merging', () => {
    const value = fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), fc.constantFrom(0, -0, 1e-320, -1e-320, Number.MAX_VALUE, -Number.MAX_VALUE));
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 12 }), { minLength: 17, maxLength: 120 }), (parts) => {
        const all = parts.flat();
        fc.pre(all.length > 0);
        // -0 and 0 are equal; which of the two percentiles()' selection lands on is its own.
        const zero = (xs: number[]) => xs.map((x) => (x === 0 ? 0 : x));
        assert.deepEqual(zero(percentilesOfSorted(parts.map(sorted), PS)), zero(percentiles(Float64Array.from(all), PS)));
        const union = Float64Array.from(all).sort();
        const arrays = parts.map(sorted);
        for (const k of [0, union.length >> 1, union.length - 1]) assert.ok(Object.is(kthByBisection(arrays, k), union[k]), `k=${k}`);
      }),
      { numRuns: 300 },
    );
    assert.throws(() => kthByBisection([sorted([1, 2])], 2), RangeError);
  });
});
