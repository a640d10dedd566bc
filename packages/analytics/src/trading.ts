import { dayNumber } from './dates.js';
import { isSelected, type Selection } from './event-set.js';
import type { TradeRecord } from './segment.js';
import { linkedRange, selectLinked } from './trades.js';
import { isConstant, mean, sampleStd } from './stats.js';

/** Per exit reason or strategy. */
export interface TradeGroup {
  trades: number;
  total_pnl: number;
  win_rate: number;
}

/** metrics.md, "Trading metrics". */
export interface TradingMetrics {
  total_trades: number;
  winning_trades: number;
  losing_trades: number;
  breakeven_trades: number;
  win_rate: number;
  total_pnl: number;
  gross_profit: number;
  gross_loss: number;
  avg_win: number;
  avg_loss: number;
  largest_win: number;
  largest_loss: number;
  profit_factor: number | null;
  payoff_ratio: number | null;
  expectancy: number;
  max_drawdown: number;
  max_drawdown_pct: number | null;
  max_consecutive_wins: number;
  max_consecutive_losses: number;
  sharpe_ratio: number | null;
  sortino_ratio: number | null;
  per_trade_sharpe: number | null;
  total_volume: number;
  avg_hold_minutes: number | null;
  total_fees: number;
  net_pnl: number;
  open_trades: number;
  starting_equity: number | null;
  periods_per_year: number;
  by_exit_reason: Record<string, TradeGroup>;
  by_strategy: Record<string, TradeGroup>;
}

export interface TradingOptions {
  /** 252 (default: weekdays, for equities) or 365 (every calendar day, for crypto); see the daily series in metrics.md. */
  periodsPerYear?: number;
  /** Known starting equity; null or undefined when unknown. */
  startingEquity?: number | null;
  /** Trades open at the range's end (linking knows them, not the range's events: trades.ts openTradesAt); default 0. */
  openTrades?: number;
}

/** A closed trade: an exit or partial exit with a numeric pnl. */
export type ClosedTrade = TradeRecord & { pnl: number };

export function isClosed(t: TradeRecord): t is ClosedTrade {
  return t.pnl !== undefined && (t.type === 'trade_exit' || t.type === 'trade_partial_exit');
}

const FILLS: ReadonlySet<TradeRecord['type']> = new Set(['trade_entry', 'trade_exit', 'trade_partial_exit']);

/** |quantity × price| of a fill (entry, exit or partial exit) that has both numbers, else 0. */
export function fillVolume(t: TradeRecord): number {
  return FILLS.has(t.type) && t.quantity !== undefined && t.price !== undefined ? Math.abs(t.quantity * t.price) : 0;
}

/** The events in timestamp order (a stable sort: ties keep the order given); the array itself when it already is (selectTrades' is). */
export function inTimeOrder<R extends { ts: number }>(events: readonly R[]): readonly R[] {
  for (let i = 1; i < events.length; i++) if (events[i]!.ts < events[i - 1]!.ts) return [...events].sort((a, b) => a.ts - b.ts);
  return events;
}

/**
 * The trading events of a selection after linking (pnl, strategy and hold time derived:
 * trades.ts), ordered by timestamp, ties in read order.
 */
export function selectTrades(sel: Selection): TradeRecord[] {
  return selectLinked(sel).map((e) => e.record);
}

/** The top-level portfolio_value of the earliest selected event that has one (ties: read order); null if none. */
export function firstPortfolioValue(sel: Selection): number | null {
  let best: number | null = null;
  let bestTs = Infinity;
  sel.set.segments.forEach((seg, si) => {
    for (const v of seg.values) {
      if (v.portfolioValue === undefined) continue;
      const ts = seg.ts[v.row]!;
      if (ts < bestTs && isSelected(sel, si, v.row, ts)) {
        best = v.portfolioValue;
        bestTs = ts;
      }
    }
  });
  return best;
}

/**
 * Per key, in the order keys first appear. Keys are log content (a strategy or exit reason
 * named `__proto__` or `constructor`): counted in a Map and made own properties at the end
 * (Object.fromEntries), never looked up on a plain object, which would find Object.prototype's.
 */
function group(trades: readonly ClosedTrade[], key: (t: ClosedTrade) => string): Record<string, TradeGroup> {
  const groups = new Map<string, { trades: number; total_pnl: number; wins: number }>();
  for (const t of trades) {
    const k = key(t);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { trades: 0, total_pnl: 0, wins: 0 }));
    g.trades++;
    g.total_pnl += t.pnl;
    if (t.pnl > 0) g.wins++;
  }
  return Object.fromEntries(Array.from(groups, ([k, g]) => [k, { trades: g.trades, total_pnl: g.total_pnl, win_rate: g.wins / g.trades }]));
}

/** Sum of pnl per UTC day, zero-filled as metrics.md says ("Daily P&L series"). */
export function dailyPnlSeries(closed: readonly ClosedTrade[], periodsPerYear: number): { day: number; pnl: number }[] {
  if (closed.length === 0) return [];
  const byDay = new Map<number, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const t of closed) {
    const d = dayNumber(t.ts);
    byDay.set(d, (byDay.get(d) ?? 0) + t.pnl);
    if (d < first) first = d;
    if (d > last) last = d;
  }
  const out: { day: number; pnl: number }[] = [];
  for (let d = first; d <= last; d++) {
    const weekday = (d + 4) % 7; // day 0 (1970-01-01) was a Thursday; 0 = Sunday
    const traded = byDay.get(d);
    if (periodsPerYear >= 365 || (weekday !== 0 && weekday !== 6) || traded !== undefined) out.push({ day: d, pnl: traded ?? 0 });
  }
  return out;
}

/**
 * Trading metrics over the trading events of the range after linking (selectTrades), taken in
 * timestamp order (a stable sort: ties keep the order given). Pure: no I/O, no clock.
 */
export function tradingMetrics(events: readonly TradeRecord[], options: TradingOptions = {}): TradingMetrics {
  const ppy = options.periodsPerYear ?? 252;
  const equity = options.startingEquity ?? null;
  const trades = inTimeOrder(events);
  const closed = trades.filter(isClosed);
  const n = closed.length;
  let wins = 0;
  let losses = 0;
  let total = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let largestWin = n > 0 ? -Infinity : 0;
  let largestLoss = n > 0 ? Infinity : 0;
  let cum = 0;
  let peak = 0;
  let maxDd = 0;
  let maxDdPct: number | null = equity === null ? null : 0;
  let runW = 0;
  let runL = 0;
  let maxRunW = 0;
  let maxRunL = 0;
  let holdSum = 0;
  let holdCount = 0;
  for (const t of closed) {
    const p = t.pnl;
    total += p;
    if (p > 0) {
      wins++;
      grossProfit += p;
      runW++;
      runL = 0;
    } else if (p < 0) {
      losses++;
      grossLoss += p;
      runL++;
      runW = 0;
    } else {
      runW = 0;
      runL = 0;
    }
    if (runW > maxRunW) maxRunW = runW;
    if (runL > maxRunL) maxRunL = runL;
    if (p > largestWin) largestWin = p;
    if (p < largestLoss) largestLoss = p;
    cum += p;
    if (cum > peak) peak = cum;
    if (peak - cum > maxDd) maxDd = peak - cum;
    if (equity !== null) {
      const pct = (peak - cum) / (equity + peak);
      if (Number.isFinite(pct) && pct > maxDdPct!) maxDdPct = pct;
    }
    if (t.holdMinutes !== undefined) {
      holdSum += t.holdMinutes;
      holdCount++;
    }
  }
  let volume = 0;
  let fees = 0;
  for (const t of trades) {
    volume += fillVolume(t);
    if (t.fee !== undefined) fees += t.fee;
  }

  const avgWin = wins > 0 ? grossProfit / wins : 0;
  const avgLoss = losses > 0 ? grossLoss / losses : 0;
  const scale = equity !== null && equity !== 0 && Number.isFinite(equity) ? equity : 1;
  const daily = dailyPnlSeries(closed, ppy).map((d) => d.pnl / scale);
  const pnls = closed.map((t) => t.pnl);
  return {
    total_trades: n,
    winning_trades: wins,
    losing_trades: losses,
    breakeven_trades: n - wins - losses,
    win_rate: n > 0 ? wins / n : 0,
    total_pnl: total,
    gross_profit: grossProfit,
    gross_loss: grossLoss,
    avg_win: avgWin,
    avg_loss: avgLoss,
    largest_win: largestWin,
    largest_loss: largestLoss,
    profit_factor: losses > 0 ? grossProfit / Math.abs(grossLoss) : null,
    payoff_ratio: losses > 0 ? avgWin / Math.abs(avgLoss) : null,
    expectancy: n > 0 ? total / n : 0,
    max_drawdown: maxDd,
    max_drawdown_pct: maxDdPct,
    max_consecutive_wins: maxRunW,
    max_consecutive_losses: maxRunL,
    sharpe_ratio: sharpe(daily, ppy),
    sortino_ratio: sortino(daily, ppy),
    per_trade_sharpe: sharpe(pnls, 1),
    total_volume: volume,
    avg_hold_minutes: holdCount > 0 ? holdSum / holdCount : null,
    total_fees: fees,
    net_pnl: total - fees,
    open_trades: options.openTrades ?? 0,
    starting_equity: equity,
    periods_per_year: ppy,
    by_exit_reason: group(closed, (t) => t.exitReason),
    by_strategy: group(closed, (t) => t.strategy),
  };
}

/** The two trading figures an alert rule reads (alert's kinds daily_loss and max_drawdown). */
export type PnlFigures = Pick<TradingMetrics, 'net_pnl' | 'max_drawdown'>;

/**
 * net_pnl and max_drawdown of a selection, the same doubles as tradingMetrics(selectTrades(sel))
 * gives (the same additions in the same order: the linked events are in time order, which
 * tradingMetrics keeps, and the curve's zeros change no sum: trades.ts PnlCurve), from the
 * linking's columns instead of its records and without the report's other passes, copies and
 * groups: what an alert evaluating its windows every second reads.
 */
export function pnlFigures(sel: Selection): PnlFigures {
  const { linked, lo, end } = linkedRange(sel);
  const { pnl, fee } = linked.curve;
  let total = 0;
  let fees = 0;
  let peak = 0;
  let maxDd = 0;
  for (let i = lo; i < end; i++) {
    fees += fee[i]!;
    total += pnl[i]!;
    if (total > peak) peak = total;
    if (peak - total > maxDd) maxDd = peak - total;
  }
  return { net_pnl: total - fees, max_drawdown: maxDd };
}

/** mean / sample std × √periods; null with fewer than 2 values or a std of 0. */
export function sharpe(xs: readonly number[], periodsPerYear: number): number | null {
  if (xs.length < 2 || isConstant(xs)) return null;
  const m = mean(xs);
  const sd = sampleStd(xs, m);
  return sd === 0 ? null : (m / sd) * Math.sqrt(periodsPerYear);
}

/** mean / downside deviation × √periods, downside deviation = √(Σ min(r,0)² / N); null without values or when it is 0. */
export function sortino(xs: readonly number[], periodsPerYear: number): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) if (x < 0) s += x * x;
  const dd = Math.sqrt(s / xs.length);
  return dd === 0 ? null : (mean(xs) / dd) * Math.sqrt(periodsPerYear);
}
