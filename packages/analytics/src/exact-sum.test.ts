import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExactSum } from './exact-sum.js';

// ExactSum must give the exact sum of what was added, rounded once to the nearest double (ties
// to even), whatever the order and grouping. The reference sums the values as integers: every
// value here is >= 2^-148 or 0, hence a whole multiple of 2^-200, and BigInt -> Number rounds to
// nearest, ties to even; scaling back by a power of two is exact.

const SCALE = 2 ** 200;
const exact = (xs: readonly number[]): number => Number(xs.reduce((s, x) => s + BigInt(x * SCALE), 0n)) / SCALE;

const value = fc.oneof(
  fc.integer({ min: 0, max: 70_000 }).map((n) => n / 10), // what latencies look like
  fc.double({ min: 2 ** -148, max: 1e15, noNaN: true }),
  fc.constantFrom(0, -0, 0.1, 0.2, 0.3, 1e15, 2 ** -148, 2 ** 53, 1),
  fc.integer({ min: 0, max: 2 ** 21 }).map((k) => 1 + k * 2 ** -52), // one ulp apart: the ties
);

const sumOf = (xs: readonly number[]): number => {
  const s = new ExactSum();
  for (const x of xs) s.add(x);
  return s.value();
};

describe('ExactSum', () => {
  it('is the exact sum rounded once, in any order and any grouping', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.nat(), (xs, cut) => {
        const want = exact(xs);
        assert.equal(sumOf(xs), want);
        assert.equal(sumOf([...xs].reverse()), want);
        // Two sums kept apart, then one added into the other through its partials.
        const at = xs.length === 0 ? 0 : cut % xs.length;
        const a = new ExactSum();
        const b = new ExactSum();
        xs.slice(0, at).forEach((x) => a.add(x));
        xs.slice(at).forEach((x) => b.add(x));
        b.addPartials(a.partials());
        assert.equal(b.value(), want);
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it('rounds half-way sums to even, and sums a naive loop gets wrong exactly', () => {
    // 1 + 2^-53 is half-way between 1 and 1 + 2^-52: to even (1); with a further 2^-100 it is above half-way.
    assert.equal(sumOf([1, 2 ** -53]), 1);
    assert.equal(sumOf([1, 2 ** -53, 2 ** -100]), 1 + 2 ** -52);
    assert.equal(sumOf([2 ** -100, 2 ** -53, 1]), 1 + 2 ** -52);
    assert.equal(0.1 + 0.2 + 0.3, 0.6000000000000001);
    assert.equal(sumOf([0.1, 0.2, 0.3]), 0.6);
    assert.equal(1e16 + 1 + 1, 1e16);
    assert.equal(sumOf([1e16, 1, 1]), 1e16 + 2);
    assert.equal(sumOf([]), 0);
    assert.ok(Object.is(sumOf([-0, -0]), 0), 'a sum of zeros is +0');
  });

  it('overflows to Infinity as the naive sum does; a non-finite value makes the result non-finite', () => {
    assert.equal(sumOf([Number.MAX_VALUE, Number.MAX_VALUE, 1]), Infinity);
    assert.equal(sumOf([1, Infinity, 2]), Infinity);
    const s = new ExactSum();
    s.add(Number.MAX_VALUE);
    s.add(Number.MAX_VALUE);
    const t = new ExactSum();
    t.add(5);
    t.addPartials(s.partials());
    assert.equal(t.value(), Infinity);
  });
});
