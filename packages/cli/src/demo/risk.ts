/** Position sizing and the limits a trade must pass: pure functions of the book. */

export interface RiskLimits {
  /** Equity risked between entry and stop, per trade (0.002 = 0.2 %). */
  riskPerTrade: number;
  /** Largest position value as a fraction of equity. */
  maxPositionPct: number;
  maxOpenPositions: number;
  /** Portfolio heat (open risk / equity) above which a warning is logged. */
  heatWarning: number;
  /** Heat above which no new position is opened. */
  maxHeat: number;
  /** Realized loss of the day, as a fraction of the day's opening equity, that halts trading. */
  dailyLossLimit: number;
}

export const DEFAULT_LIMITS: RiskLimits = {
  riskPerTrade: 0.002,
  maxPositionPct: 0.3,
  maxOpenPositions: 8,
  heatWarning: 0.009,
  maxHeat: 0.013,
  dailyLossLimit: 0.01,
};

export interface SizeRequest {
  equity: number;
  entry: number;
  stop: number;
  limits: RiskLimits;
}

export interface Size {
  quantity: number;
  /** Money lost if the stop is hit. */
  riskAmount: number;
  /** The quantity the risk budget alone allows. */
  uncappedQuantity: number;
  /** True when the position value limit cut the quantity. */
  capped: boolean;
  maxPositionValue: number;
}

/** Fixed-fractional sizing: risk budget / stop distance, cut to the position value limit. */
export function positionSize(r: SizeRequest): Size {
  const perShare = Math.abs(r.entry - r.stop);
  const budget = r.equity * r.limits.riskPerTrade;
  const uncappedQuantity = perShare > 0 ? Math.floor(budget / perShare) : 0;
  const maxPositionValue = r.equity * r.limits.maxPositionPct;
  const maxQuantity = Math.floor(maxPositionValue / r.entry);
  const quantity = Math.min(uncappedQuantity, maxQuantity);
  return { quantity, riskAmount: quantity * perShare, uncappedQuantity, capped: quantity < uncappedQuantity, maxPositionValue };
}

export interface OpenRisk {
  quantity: number;
  entry: number;
  stop: number;
}

/** Money at risk if every open position hits its stop, as a fraction of equity. */
export function portfolioHeat(positions: Iterable<OpenRisk>, equity: number): number {
  let risk = 0;
  for (const p of positions) risk += p.quantity * Math.abs(p.entry - p.stop);
  return equity > 0 ? risk / equity : 0;
}

export type EntryVerdict =
  | { ok: true; heatAfter: number; warn: boolean }
  | { ok: false; limit: 'daily_loss' | 'max_positions' | 'max_heat' | 'zero_size'; heatAfter: number };

export interface EntryCheck {
  equity: number;
  dayStartEquity: number;
  dailyPnl: number;
  openPositions: number;
  heat: number;
  candidate: Size;
  limits: RiskLimits;
}

/** Whether a sized trade may be opened, and whether it brings the heat over the warning line. */
export function checkEntry(c: EntryCheck): EntryVerdict {
  const heatAfter = c.heat + (c.equity > 0 ? c.candidate.riskAmount / c.equity : 0);
  if (dailyLossHit(c.dailyPnl, c.dayStartEquity, c.limits)) return { ok: false, limit: 'daily_loss', heatAfter };
  if (c.candidate.quantity <= 0) return { ok: false, limit: 'zero_size', heatAfter };
  if (c.openPositions >= c.limits.maxOpenPositions) return { ok: false, limit: 'max_positions', heatAfter };
  if (heatAfter > c.limits.maxHeat) return { ok: false, limit: 'max_heat', heatAfter };
  return { ok: true, heatAfter, warn: heatAfter > c.limits.heatWarning };
}

export function dailyLossHit(dailyPnl: number, dayStartEquity: number, limits: RiskLimits): boolean {
  return dailyPnl <= -limits.dailyLossLimit * dayStartEquity;
}
