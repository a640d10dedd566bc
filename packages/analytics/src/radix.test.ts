import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { latencyOrder, sortLatencies } from './radix.js';

// Latencies are sorted by radix on their bits (radix.ts): the result must be what
// Float64Array#sort gives, to the bit (-0 before +0), below and above the sizes at which the
// radix sort takes over (1,024 for the order, 262,144 for the values), on the values latencies take (ties, zeros of both signs, subnormals,
// huge values, Infinity).

const latency = fc.oneof(
  fc.constantFrom(-0, 0, 5, 5, 7.5, Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** -1030),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.integer({ min: 0, max: 70_000 }).map((n) => n / 10),
  // values that differ in the low 32 bits only (the first two of the four digits)
  fc.integer({ min: 0, max: 2 ** 21 }).map((k) => 1 + k * 2 ** -45),
);
const values = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.array(latency, { minLength: n, maxLength: n }));

/** The values' bits, so that -0 and +0 differ. */
const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('radix sort of latencies', () => {
  it('sorts as Float64Array#sort does, and latencyOrder is the permutation that sorts', () => {
    fc.assert(
      fc.property(values, (xs) => {
        const input = Float64Array.from(xs);
        const want = input.slice().sort();
        const got = input.slice();
        sortLatencies(got);
        assert.equal(bits(got), bits(want));
        const before = bits(input);
        const order = latencyOrder(input);
        assert.equal(bits(input), before, 'latencyOrder leaves its input as it was');
        assert.deepEqual([...order].sort((a, b) => a - b), [...input.keys()], 'a permutation');
        assert.equal(bits(Float64Array.from(order, (i) => input[i]!)), bits(want));
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('sorts as Float64Array#sort does above the size at which sortLatencies takes the radix sort', () => {
    const rnd = fc.sample(latency, { numRuns: 300_000, seed: 11 });
    const input = Float64Array.from(rnd);
    const got = input.slice();
    sortLatencies(got);
    assert.equal(bits(got), bits(input.slice().sort()));
  });

  it('a view into a larger buffer sorts only its own values', () => {
    const all = Float64Array.from({ length: 302_000 }, (_, i) => (i * 7919) % 1000);
    const view = all.subarray(1000, 301_000);
    const want = view.slice().sort();
    sortLatencies(view);
    assert.equal(bits(view), bits(want));
    assert.equal(all[999], (999 * 7919) % 1000);
    assert.equal(all[301_000], (301_000 * 7919) % 1000);
  });
});
