import { normal, type Random } from './random.js';

export interface SymbolSpec {
  symbol: string;
  /** Opening price of the simulation. */
  price: number;
  /** Typical daily volatility (0.02 = 2 %). */
  dailyVol: number;
  kind: 'equity' | 'perp';
}

/** The DayBot's universe (US equities) and the Drift fleet's perpetuals: a dozen symbols. */
export const SYMBOLS: readonly SymbolSpec[] = [
  { symbol: 'AAPL', price: 189.5, dailyVol: 0.014, kind: 'equity' },
  { symbol: 'MSFT', price: 412.3, dailyVol: 0.013, kind: 'equity' },
  { symbol: 'NVDA', price: 131.2, dailyVol: 0.03, kind: 'equity' },
  { symbol: 'TSLA', price: 245.5, dailyVol: 0.035, kind: 'equity' },
  { symbol: 'AMZN', price: 186.4, dailyVol: 0.018, kind: 'equity' },
  { symbol: 'META', price: 512.8, dailyVol: 0.022, kind: 'equity' },
  { symbol: 'AMD', price: 158.9, dailyVol: 0.03, kind: 'equity' },
  { symbol: 'JPM', price: 204.1, dailyVol: 0.012, kind: 'equity' },
  { symbol: 'SPY', price: 548.6, dailyVol: 0.009, kind: 'equity' },
  { symbol: 'SOL-PERP', price: 142.3, dailyVol: 0.045, kind: 'perp' },
  { symbol: 'BTC-PERP', price: 64250, dailyVol: 0.028, kind: 'perp' },
  { symbol: 'ETH-PERP', price: 3120, dailyVol: 0.035, kind: 'perp' },
];

export const EQUITIES = SYMBOLS.filter((s) => s.kind === 'equity');
export const PERPS = SYMBOLS.filter((s) => s.kind === 'perp');

/** Minutes in a regular US equity session (09:30 to 16:00 New York). */
export const SESSION_MINUTES = 390;

/** GARCH(1,1) weights: yesterday's shock and yesterday's variance. */
const ALPHA = 0.1;
const BETA = 0.88;
/** Chance per bar of a news shock that multiplies a symbol's variance. */
const SHOCK_CHANCE = 0.002;
const HISTORY = 240;

export interface Bar {
  symbol: string;
  price: number;
  /** Return of this bar. */
  ret: number;
  /** The bar's conditional volatility (per bar, a fraction). */
  vol: number;
  volume: number;
}

interface SymbolState {
  spec: SymbolSpec;
  price: number;
  variance: number;
  baseVariance: number;
  lastShock: number;
  drift: number;
  closes: number[];
}

/**
 * A seeded random walk with volatility clusters: each symbol's variance follows GARCH(1,1)
 * with occasional shocks, all symbols share a market factor, and each session has its own
 * drift (trend days and range days). One `step()` is one simulated minute.
 */
export class Market {
  private readonly states: SymbolState[];
  private readonly random: Random;
  private marketVariance: number;

  constructor(specs: readonly SymbolSpec[], random: Random) {
    this.random = random;
    this.states = specs.map((spec) => {
      const base = (spec.dailyVol / Math.sqrt(SESSION_MINUTES)) ** 2;
      return { spec, price: spec.price, variance: base, baseVariance: base, lastShock: 0, drift: 0, closes: [spec.price] };
    });
    this.marketVariance = (0.008 / Math.sqrt(SESSION_MINUTES)) ** 2;
  }

  get symbols(): string[] {
    return this.states.map((s) => s.spec.symbol);
  }

  /** A new session: each symbol draws a drift (a trend day or a range day). */
  openSession(): void {
    for (const s of this.states) {
      const trend = this.random() < 0.35;
      s.drift = trend ? normal(this.random) * Math.sqrt(s.baseVariance) * 0.15 : 0;
    }
  }

  /** Advances one minute and returns every symbol's bar. */
  step(): Bar[] {
    const m = normal(this.random) * Math.sqrt(this.marketVariance);
    return this.states.map((s) => {
      if (this.random() < SHOCK_CHANCE) s.variance *= 6 + this.random() * 10;
      const sigma = Math.sqrt(s.variance);
      const shock = normal(this.random) * sigma;
      const beta = s.spec.kind === 'equity' ? 0.8 : 0.5;
      const ret = s.drift + beta * m + shock;
      s.price = Math.max(0.01, s.price * Math.exp(ret));
      s.variance = s.baseVariance * (1 - ALPHA - BETA) + ALPHA * shock * shock + BETA * s.variance;
      s.closes.push(s.price);
      if (s.closes.length > HISTORY) s.closes.shift();
      const volume = Math.round(1000 * (1 + 4 * Math.abs(shock) / Math.sqrt(s.baseVariance)) * (0.5 + this.random()));
      return { symbol: s.spec.symbol, price: s.price, ret, vol: sigma, volume };
    });
  }

  price(symbol: string): number {
    return this.state(symbol).price;
  }

  /** The latest closes, oldest first (at most 240). */
  closes(symbol: string): readonly number[] {
    return this.state(symbol).closes;
  }

  /** The current per-minute volatility of a symbol. */
  volatility(symbol: string): number {
    return Math.sqrt(this.state(symbol).variance);
  }

  private state(symbol: string): SymbolState {
    const s = this.states.find((x) => x.spec.symbol === symbol);
    if (s === undefined) throw new Error(`unknown symbol ${symbol}`);
    return s;
  }
}
