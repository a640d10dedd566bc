// The mean API latency of a window, an alert evaluated every few seconds, reads the sum of
// every latency in it. Summed left to right, a sum depends on where it starts: when a window's
// start moved on, every latency after it had to be added again, so each evaluation cost what
// the window holds (a day at 10,000 events/s: 864 million additions), not what is new. An
// exact sum does not depend on order or grouping: each segment's sum is kept (memo.ts), a run
// of a segment is summed from blocks of its rows (system.ts), and the window's sum is theirs,
// rounded once. That is Python's math.fsum: the mean is statistics.fmean of the same values,
// to the bit.
//
// The running sum is a list of non-overlapping partials in increasing magnitude whose exact
// sum is the sum of everything added (Shewchuk, "Adaptive Precision Floating-Point Arithmetic
// and Fast Robust Geometric Predicates", 1997; CPython's math_fsum). Latencies carry a digit or
// three after the point, so a sum keeps two or three partials.

/** A sum of finite doubles, exact until read (then rounded once, to nearest, ties to even). */
export class ExactSum {
  private p = new Float64Array(4);
  private n = 0;
  /** The naive sum of what could not be summed exactly (a partial overflowed, or a non-finite value came): then the result. */
  private special = 0;
  private overflowed = false;

  add(x: number): void {
    if (!Number.isFinite(x)) {
      this.overflowed = true;
      this.special += x;
      return;
    }
    const p = this.p;
    let i = 0;
    for (let j = 0; j < this.n; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (!Number.isFinite(x)) {
      // The exact sum left the doubles: as the naive sum does, the result is that infinity.
      this.overflowed = true;
      this.special += x;
      this.n = 0;
      return;
    }
    if (x !== 0) {
      if (i === p.length) this.grow();
      this.p[i++] = x;
    }
    this.n = i;
  }

  /** Adds everything `partials` (another sum's) add up to. */
  addPartials(partials: Float64Array): void {
    for (let i = 0; i < partials.length; i++) this.add(partials[i]!);
  }

  /** The partials (a copy), to be kept and added to another sum. */
  partials(): Float64Array {
    if (this.overflowed) return Float64Array.of(this.special);
    return this.p.slice(0, this.n);
  }

  /** The exact sum rounded to the nearest double (ties to even); +0 when nothing but zeros came. */
  value(): number {
    if (this.overflowed) return this.special;
    const p = this.p;
    let n = this.n;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Half-way between two doubles with the rest on one side: round toward that side (fsum's correction).
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi === 0 ? 0 : hi;
  }

  private grow(): void {
    const more = new Float64Array(this.p.length * 2);
    more.set(this.p);
    this.p = more;
  }
}
