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
