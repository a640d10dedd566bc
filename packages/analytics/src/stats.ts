// Small numeric helpers shared by the metrics. Sums run in the order given (metrics.md).

export function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

export function mean(xs: ArrayLike<number>): number {
  return sum(xs) / xs.length;
}

/** True when every value is the same: its std is 0, whatever rounding the formula leaves. */
export function isConstant(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i] !== xs[0]) return false;
  return true;
}

/** Sample standard deviation (ddof 1), two-pass. */
export function sampleStd(xs: ArrayLike<number>, m = mean(xs)): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - m;
    s += d * d;
  }
  return Math.sqrt(s / (xs.length - 1));
}

/** numpy's lerp (_lerp in numpy/lib/_function_base_impl.py): exact at both ends. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Rearranges a[left..right] so that a[k] is the value a sorted array would have there (Hoare's selection). */
function select(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    const mid = (left + right) >>> 1;
    // median of three as pivot
    if (a[mid]! < a[left]!) swap(a, mid, left);
    if (a[right]! < a[left]!) swap(a, right, left);
    if (a[right]! < a[mid]!) swap(a, right, mid);
    const pivot = a[mid]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

/**
 * Percentiles (0-100, ascending) with linear interpolation between closest ranks, numpy's
 * default method. Selection instead of a full sort: O(n) per percentile. Reorders `values`.
 */
export function percentiles(values: Float64Array, ps: readonly number[]): number[] {
  const n = values.length;
  const out: number[] = [];
  let left = 0;
  for (const p of ps) {
    const pos = (p / 100) * (n - 1);
    const lo = Math.floor(pos);
    select(values, lo, left, n - 1);
    const a = values[lo]!;
    let b = a;
    if (pos > lo) {
      b = Infinity;
      for (let i = lo + 1; i < n; i++) if (values[i]! < b) b = values[i]!;
    }
    out.push(lerp(a, b, pos - lo));
    left = lo;
  }
  return out;
}

/** The first index in a[lo, hi) whose value is >= v (`orEqual`: > v). */
function bound(a: Float64Array, v: number, lo: number, hi: number, orEqual: boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v || (orEqual && a[mid]! === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The k-th smallest value (0-based) of the union of ascending arrays, without merging them:
 * a pivot from the widest remaining window, counted in every array by binary search, halves
 * that window each step (O(m² log n) for m arrays). The value a sorted copy of the union
 * would have at k, exactly.
 */
export function kthOfSorted(arrays: readonly Float64Array[], k: number): number {
  const lo = arrays.map(() => 0);
  const hi = arrays.map((a) => a.length);
  for (;;) {
    let widest = -1;
    for (let i = 0; i < arrays.length; i++) if (hi[i]! > lo[i]! && (widest < 0 || hi[i]! - lo[i]! > hi[widest]! - lo[widest]!)) widest = i;
    if (widest < 0) throw new RangeError(`no ${k}-th value`);
    const v = arrays[widest]![(lo[widest]! + hi[widest]!) >>> 1]!;
    let below = 0;
    let upTo = 0;
    const lt = arrays.map((a, i) => bound(a, v, lo[i]!, hi[i]!, false));
    const le = arrays.map((a, i) => bound(a, v, lt[i]!, hi[i]!, true));
    for (let i = 0; i < arrays.length; i++) {
      below += lt[i]!;
      upTo += le[i]!;
    }
    if (k >= below && k < upTo) return v;
    if (k < below) for (let i = 0; i < arrays.length; i++) hi[i] = lt[i]!;
    else for (let i = 0; i < arrays.length; i++) lo[i] = le[i]!;
  }
}

/** kthOfSorted's cost grows with the square of the arrays' number: past it, kthByBisection. */
const MAX_ARRAYS = 16;

// Doubles as unsigned 64-bit keys in the same order (negatives' bits flipped, positives' sign
// bit set), so that the k-th value can be found by halving an interval of keys.
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const SIGN = 1n << 63n;
const ALL = (1n << 64n) - 1n;
function keyOf(x: number): bigint {
  f64[0] = x;
  const b = u64[0]!;
  return (b & SIGN) !== 0n ? ~b & ALL : b | SIGN;
}
function numberOf(key: bigint): number {
  u64[0] = (key & SIGN) !== 0n ? key ^ SIGN : ~key & ALL;
  return f64[0]!;
}

/**
 * kthOfSorted for many arrays (a long-running reader's many small appended parts, a window of
 * a day at one part per evaluation): the smallest value v with more than k values <= v, found
 * by halving the interval of doubles between the least and the greatest value (at most 64
 * steps, each a binary search per array: O(64 m log n)), without copying or merging any array.
 * Exact: the count changes only at the arrays' values, so the answer is one of them.
 */
export function kthByBisection(arrays: readonly Float64Array[], k: number): number {
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (const a of arrays) {
    if (a.length === 0) continue;
    n += a.length;
    if (a[0]! < min) min = a[0]!;
    if (a[a.length - 1]! > max) max = a[a.length - 1]!;
  }
  if (k < 0 || k >= n) throw new RangeError(`no ${k}-th value`);
  const atMost = (v: number): number => {
    let c = 0;
    for (const a of arrays) c += bound(a, v, 0, a.length, true);
    return c;
  };
  // Invariant: atMost(numberOf(lo)) <= k < atMost(numberOf(hi)).
  let lo = keyOf(min) - 1n;
  let hi = keyOf(max);
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (atMost(numberOf(mid)) > k) hi = mid;
    else lo = mid;
  }
  const v = numberOf(hi);
  if (v !== 0) return v;
  // -0 and 0 compare equal: which one a sorted copy holds at k (-0 sorts first) is told by
  // counting the -0s at the start of each array's run of zeros.
  let below = 0;
  for (const a of arrays) {
    for (let i = bound(a, 0, 0, a.length, false); i < a.length && Object.is(a[i], -0); i++) below++;
    below += bound(a, 0, 0, a.length, false);
  }
  return k < below ? -0 : 0;
}

/**
 * percentiles() of the union of ascending arrays (none of them holding NaN), by kthOfSorted:
 * the same interpolation between the same two ranks, so the same numbers. A report after an
 * append sorts the new rows only, instead of selecting from a copy of every row.
 */
export function percentilesOfSorted(sortedArrays: readonly Float64Array[], ps: readonly number[]): number[] {
  const arrays = sortedArrays.filter((a) => a.length > 0);
  const n = arrays.reduce((a, x) => a + x.length, 0);
  const kth = arrays.length <= MAX_ARRAYS ? kthOfSorted : kthByBisection;
  return ps.map((p) => {
    const pos = (p / 100) * (n - 1);
    const lo = Math.floor(pos);
    const a = kth(arrays, lo);
    return pos > lo ? lerp(a, kth(arrays, lo + 1), pos - lo) : a;
  });
}
