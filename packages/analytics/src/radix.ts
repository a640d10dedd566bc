// API latencies are sorted for their percentiles: each segment's once, and, for a window whose
// start cuts a segment, the order of the segment's latencies once (system.ts). Latencies are
// >= 0 (NaN and negatives are not latencies), and the bits of a non-negative double, read as
// an unsigned integer, ascend as its value does: a radix sort on them takes four linear passes
// (one to count every digit, then one per 16-bit digit).
//
// The order (a permutation) is sorted so: a comparator sort of places took ~300 ns a value.
// The values alone are not, below RADIX_VALUES: run again and again on warm caches the radix
// sort was ~2.5x faster than Float64Array#sort from ~8,000 values, but each segment is sorted
// once, on caches that other work (a bot, the parse) has left cold, and there its 1 MB of
// counters and its scatter over 65,536 places a pass cost more (a fresh process, 64 MB touched
// before: 4,500 values 5.6-6.8 ms against 0.3-0.4; 60,000 7.2-11.7 against 4.1-4.8; 150,000
// 14.8-17.6 against 10.8-11.0). A repeated report after appends sorted its new segment's
// ~4,500 latencies in ~4 ms of its ~40.

const DIGITS = 4;
const RADIX = 1 << 16;
/** Below this many values the built-in sort costs less than the passes' counters (latencyOrder). */
const SMALL = 1024;
/** Below this many, sortLatencies uses the built-in sort (see the top of the file). */
const RADIX_VALUES = 1 << 18;
/** The words are read low first: on a big-endian machine the built-in sort does it all. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Orders `a` as Float64Array#sort does: ascending, -0 before +0. */
function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : Number(!Object.is(a, -0)) - Number(!Object.is(b, -0));
}

/**
 * Sorts `values` (each >= 0 or -0: no NaN, no negative) in place, exactly as
 * Float64Array#sort orders them.
 */
export function sortLatencies(values: Float64Array): void {
  if (values.length < RADIX_VALUES || !LITTLE_ENDIAN) values.sort();
  else radix(values, undefined);
}

/**
 * The permutation that sorts `values` (each >= 0 or -0), which are left as they are:
 * order[k] is the index of the k-th smallest, -0 before +0; ties in any order.
 */
export function latencyOrder(values: Float64Array): Uint32Array {
  const n = values.length;
  if (n < SMALL || !LITTLE_ENDIAN) {
    const places = Array.from({ length: n }, (_, i) => i);
    places.sort((a, b) => compare(values[a]!, values[b]!));
    return Uint32Array.from(places);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return radix(values.slice(), order);
}

/**
 * LSD radix sort of `values` in place on their 64 bits as four 16-bit digits, carrying
 * `order` along when given (then returned, the -0s moved first like the values).
 */
function radix(values: Float64Array, order: Uint32Array | undefined): Uint32Array {
  const n = values.length;
  // The doubles as (low, high) 32-bit words, moved pass after pass between two buffers.
  let keys: Uint32Array = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + n * 8));
  let spare: Uint32Array = new Uint32Array(2 * n);
  let places: Uint32Array = order ?? new Uint32Array(0);
  let placesSpare: Uint32Array = new Uint32Array(places.length);
  const counts = Array.from({ length: DIGITS }, () => new Uint32Array(RADIX));
  const [c0, c1, c2, c3] = counts as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  for (let i = 0; i < 2 * n; i += 2) {
    const lo = keys[i]!;
    const hi = keys[i + 1]!;
    c0[lo & 0xffff]!++;
    c1[lo >>> 16]!++;
    c2[hi & 0xffff]!++;
    c3[hi >>> 16]!++;
  }
  for (let p = 0; p < DIGITS; p++) {
    const count = counts[p]!;
    const word = p >> 1;
    const shift = (p & 1) * 16;
    // A digit all values share moves nothing (the high word's top digit often is one).
    if (count[(keys[word]! >>> shift) & 0xffff] === n) continue;
    let at = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = count[d]!;
      count[d] = at;
      at += c;
    }
    if (order !== undefined) scatterWithPlaces(keys, spare, places, placesSpare, count, word, shift);
    else scatter(keys, spare, count, word, shift);
    [keys, spare] = [spare, keys];
    [places, placesSpare] = [placesSpare, places];
  }
  // -0 (the sign bit alone) came last, above every non-negative value: it goes first.
  let negZeros = 0;
  while (negZeros < n && keys[2 * (n - 1 - negZeros) + 1] === 0x80000000 && keys[2 * (n - 1 - negZeros)] === 0) negZeros++;
  values.fill(-0, 0, negZeros);
  values.set(new Float64Array(keys.buffer, keys.byteOffset, n - negZeros), negZeros);
  if (order === undefined || negZeros === 0) return places;
  const out = new Uint32Array(n);
  out.set(places.subarray(n - negZeros), 0);
  out.set(places.subarray(0, n - negZeros), negZeros);
  return out;
}

/** One pass: each (low, high) pair to its digit's next place. */
function scatter(keys: Uint32Array, out: Uint32Array, count: Uint32Array, word: number, shift: number): void {
  for (let i = 0; i < keys.length; i += 2) {
    const to = 2 * count[(keys[i + word]! >>> shift) & 0xffff]!++;
    out[to] = keys[i]!;
    out[to + 1] = keys[i + 1]!;
  }
}

/** scatter, moving each value's place in `order` along with it. */
function scatterWithPlaces(keys: Uint32Array, out: Uint32Array, places: Uint32Array, placesOut: Uint32Array, count: Uint32Array, word: number, shift: number): void {
  for (let i = 0; i < keys.length; i += 2) {
    const k = count[(keys[i + word]! >>> shift) & 0xffff]!++;
    out[2 * k] = keys[i]!;
    out[2 * k + 1] = keys[i + 1]!;
    placesOut[k] = places[i >> 1]!;
  }
}
