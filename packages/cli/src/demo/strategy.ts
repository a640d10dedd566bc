/** Entry and exit signals: pure functions of a symbol's recent closes (oldest first). */
import { round } from './random.js';

export type Side = 'buy' | 'sell';

export interface Signal {
  side: Side;
  /** 0..1: how strong the setup is. */
  score: number;
  reason: string;
  indicators: Record<string, number>;
}

export interface Strategy {
  readonly name: string;
  /** A new position's direction, or undefined. */
  entry(closes: readonly number[]): Signal | undefined;
  /** Why an open position should be closed now, or undefined. */
  exit(closes: readonly number[], side: Side): string | undefined;
  /** Stop and target distances in units of the symbol's volatility range. */
  readonly stopRanges: number;
  readonly targetRanges: number;
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length === 0 ? 0 : s / xs.length;
}

export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Exponential moving average of the whole series. */
export function ema(xs: readonly number[], period: number): number {
  const k = 2 / (period + 1);
  let e = xs[0] ?? 0;
  for (let i = 1; i < xs.length; i++) e = xs[i]! * k + e * (1 - k);
  return e;
}

/** How many standard deviations the last close is from the mean of the last `n`. */
export function zscore(xs: readonly number[], n: number): number {
  const window = xs.slice(-n);
  return (xs[xs.length - 1]! - mean(window)) / (stdev(window) || 1);
}

/** Relative strength index (simple averages) over the last `period` changes. */
export function rsi(xs: readonly number[], period = 14): number {
  let up = 0;
  let down = 0;
  for (let i = Math.max(1, xs.length - period); i < xs.length; i++) {
    const d = xs[i]! - xs[i - 1]!;
    if (d > 0) up += d;
    else down -= d;
  }
  if (up + down === 0) return 50;
  return (100 * up) / (up + down);
}

/** True when a reading (positive: upward) has turned against a position on `side`. */
const against = (side: Side, reading: number): boolean => (side === 'buy' ? reading < 0 : reading > 0);

/** Breakout of the last 30 minutes' range, confirmed by a rising short average. */
export const momentum: Strategy = {
  name: 'momentum',
  stopRanges: 0.5,
  targetRanges: 1.4,
  entry(closes) {
    if (closes.length < 32) return undefined;
    const last = closes[closes.length - 1]!;
    const window = closes.slice(-31, -1);
    const hi = Math.max(...window);
    const lo = Math.min(...window);
    const fast = ema(closes.slice(-30), 5);
    const slow = ema(closes.slice(-30), 20);
    const range = (hi - lo) / last;
    const indicators = { rsi: round(rsi(closes)), ema_fast: round(fast), ema_slow: round(slow), range_pct: round(range * 100) };
    if (last > hi && fast > slow) return { side: 'buy', score: Math.min(1, (last - hi) / (hi - lo + 1e-9) * 4 + 0.5), reason: 'breakout_above_resistance', indicators };
    if (last < lo && fast < slow) return { side: 'sell', score: Math.min(1, (lo - last) / (hi - lo + 1e-9) * 4 + 0.5), reason: 'breakdown_below_support', indicators };
    return undefined;
  },
  exit(closes, side) {
    const recent = closes.slice(-60);
    return against(side, ema(recent, 10) - ema(recent, 40)) ? 'momentum_faded' : undefined;
  },
};

/** Fades a stretch of more than 2.2 standard deviations from the 30-minute mean. */
export const meanReversion: Strategy = {
  name: 'mean_reversion',
  stopRanges: 0.6,
  targetRanges: 1.2,
  entry(closes) {
    if (closes.length < 31) return undefined;
    const z = zscore(closes, 30);
    const indicators = { zscore: round(z), rsi: round(rsi(closes)) };
    if (z < -2.2) return { side: 'buy', score: Math.min(1, (-z - 2.2) / 2 + 0.5), reason: 'oversold_stretch', indicators };
    if (z > 2.2) return { side: 'sell', score: Math.min(1, (z - 2.2) / 2 + 0.5), reason: 'overbought_stretch', indicators };
    return undefined;
  },
  exit(closes, side) {
    const z = zscore(closes, 30);
    // Past the mean: the stretch the trade faded is gone.
    return against(side, -z) ? 'mean_reached' : undefined;
  },
};

/** A fresh cross of the 9- and 30-minute averages with an RSI filter. */
export const trendFollowing: Strategy = {
  name: 'trend_following',
  stopRanges: 0.8,
  targetRanges: 2,
  entry(closes) {
    if (closes.length < 62) return undefined;
    const now = closes.slice(-60);
    const before = closes.slice(-61, -1);
    const fast = ema(now, 9);
    const slow = ema(now, 30);
    const wasAbove = ema(before, 9) > ema(before, 30);
    const r = rsi(closes);
    const indicators = { ema_fast: round(fast), ema_slow: round(slow), rsi: round(r) };
    if (fast > slow && !wasAbove && r > 55) return { side: 'buy', score: Math.min(1, (r - 50) / 40 + 0.4), reason: 'ema_cross_up', indicators };
    if (fast < slow && wasAbove && r < 45) return { side: 'sell', score: Math.min(1, (50 - r) / 40 + 0.4), reason: 'ema_cross_down', indicators };
    return undefined;
  },
  exit(closes, side) {
    const now = closes.slice(-60);
    return against(side, ema(now, 9) - ema(now, 30)) ? 'trend_reversal' : undefined;
  },
};

/** In the order the DayBot asks them: the first signal on a symbol wins. */
export const STRATEGIES: readonly Strategy[] = [meanReversion, momentum, trendFollowing];
