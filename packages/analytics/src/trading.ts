import { dayNumber } from './dates.js';
import { isSelected, type Selection } from './event-set.js';
import { perSegment, type SegmentMemo } from './memo.js';
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
    const first = perSegment(firstValues, sel.rows[si]!, seg, () => {
      let value: number | null = null;
      let ts = Infinity;
      for (const v of seg.values) {
        if (v.portfolioValue === undefined) continue;
        const t = seg.ts[v.row]!;
        if (t < ts && isSelected(sel, si, v.row, t)) {
          value = v.portfolioValue;
          ts = t;
        }
      }
      return { value, ts };
    });
    if (first.ts < bestTs) {
      best = first.value;
      bestTs = first.ts;
    }
  });
  return best;
}

/** Per segment's selected rows (memo.ts), its earliest portfolio_value (ties: read order) and when. */
const firstValues: SegmentMemo<{ value: number | null; ts: number }> = new WeakMap();

/** Sum of pnl per UTC day, zero-filled as metrics.md says ("Daily P&L series"). */
export function dailyPnlSeries(closed: readonly ClosedTrade[], periodsPerYear: number): { day: number; pnl: number }[] {
  const days = new DailyPnl();
  for (const t of closed) days.add(t.ts, t.pnl);
  return days.series(periodsPerYear);
}

/** The daily P&L series, one closed trade at a time. */
class DailyPnl {
  private readonly byDay = new Map<number, number>();
  private first = Infinity;
  private last = -Infinity;

  add(ts: number, pnl: number): void {
    const d = dayNumber(ts);
    this.byDay.set(d, (this.byDay.get(d) ?? 0) + pnl);
    if (d < this.first) this.first = d;
    if (d > this.last) this.last = d;
  }

  series(periodsPerYear: number): { day: number; pnl: number }[] {
    const out: { day: number; pnl: number }[] = [];
    for (let d = this.first; d <= this.last; d++) {
      const weekday = (d + 4) % 7; // day 0 (1970-01-01) was a Thursday; 0 = Sunday
      const traded = this.byDay.get(d);
      if (periodsPerYear >= 365 || (weekday !== 0 && weekday !== 6) || traded !== undefined) out.push({ day: d, pnl: traded ?? 0 });
    }
    return out;
  }
}

/** A group's counts (TradeGroup) as they are added up. */
interface GroupSums {
  trades: number;
  total_pnl: number;
  wins: number;
}

/**
 * Adds a closed trade to its group. Keys are log content (a strategy or exit reason named
 * `__proto__` or `constructor`): counted in a Map and made own properties at the end
 * (Object.fromEntries), never looked up on a plain object, which would find Object.prototype's.
 */
function addToGroup(groups: Map<string, GroupSums>, key: string, pnl: number): void {
  let g = groups.get(key);
  if (g === undefined) groups.set(key, (g = { trades: 0, total_pnl: 0, wins: 0 }));
  g.trades++;
  g.total_pnl += pnl;
  if (pnl > 0) g.wins++;
}

/** Per key, in the order keys first appeared. */
const groupsOf = (groups: ReadonlyMap<string, GroupSums>): Record<string, TradeGroup> =>
  Object.fromEntries(Array.from(groups, ([k, g]) => [k, { trades: g.trades, total_pnl: g.total_pnl, win_rate: g.wins / g.trades }]));

/**
 * Trading metrics as one pass over the trading events in timestamp order, one event at a time:
 * after the events of a report, the next report of a longer range (a report up to now, after
 * appends) adds the new ones instead of passing over all of them again (trade-reports.ts).
 * Every sum is the same additions in the same order as one pass over all of them, so the
 * figures are the same doubles. Equity is fixed at the start: the drawdown percentage reads it
 * at every trade.
 */
export class TradingFold {
  private closed = 0;
  private wins = 0;
  private losses = 0;
  private total = 0;
  private grossProfit = 0;
  private grossLoss = 0;
  private largestWin = -Infinity;
  private largestLoss = Infinity;
  private cum = 0;
  private peak = 0;
  private maxDd = 0;
  private maxDdPct: number | null;
  private runW = 0;
  private runL = 0;
  private maxRunW = 0;
  private maxRunL = 0;
  private holdSum = 0;
  private holdCount = 0;
  private volume = 0;
  private fees = 0;
  /** The closed trades' pnls, in order (per-trade Sharpe), with room to grow. */
  private pnls = new Float64Array(64);
  private readonly days = new DailyPnl();
  private readonly byExitReason = new Map<string, GroupSums>();
  private readonly byStrategy = new Map<string, GroupSums>();

  constructor(readonly equity: number | null) {
    this.maxDdPct = equity === null ? null : 0;
  }

  add(t: TradeRecord): void {
    this.volume += fillVolume(t);
    if (t.fee !== undefined) this.fees += t.fee;
    if (!isClosed(t)) return;
    const p = t.pnl;
    this.total += p;
    if (p > 0) {
      this.wins++;
      this.grossProfit += p;
      this.runW++;
      this.runL = 0;
    } else if (p < 0) {
      this.losses++;
      this.grossLoss += p;
      this.runL++;
      this.runW = 0;
    } else {
      this.runW = 0;
      this.runL = 0;
    }
    if (this.runW > this.maxRunW) this.maxRunW = this.runW;
    if (this.runL > this.maxRunL) this.maxRunL = this.runL;
    if (p > this.largestWin) this.largestWin = p;
    if (p < this.largestLoss) this.largestLoss = p;
    this.cum += p;
    if (this.cum > this.peak) this.peak = this.cum;
    if (this.peak - this.cum > this.maxDd) this.maxDd = this.peak - this.cum;
    if (this.equity !== null) {
      const pct = (this.peak - this.cum) / (this.equity + this.peak);
      if (Number.isFinite(pct) && pct > this.maxDdPct!) this.maxDdPct = pct;
    }
    if (t.holdMinutes !== undefined) {
      this.holdSum += t.holdMinutes;
      this.holdCount++;
    }
    if (this.closed === this.pnls.length) {
      const more = new Float64Array(this.closed * 2);
      more.set(this.pnls);
      this.pnls = more;
    }
    this.pnls[this.closed++] = p;
    this.days.add(t.ts, p);
    addToGroup(this.byExitReason, t.exitReason, p);
    addToGroup(this.byStrategy, t.strategy, p);
  }

  /** The metrics of the events added so far. */
  metrics(periodsPerYear = 252, openTrades = 0): TradingMetrics {
    const n = this.closed;
    const { wins, losses, total, grossProfit, grossLoss, equity } = this;
    const avgWin = wins > 0 ? grossProfit / wins : 0;
    const avgLoss = losses > 0 ? grossLoss / losses : 0;
    const scale = equity !== null && equity !== 0 && Number.isFinite(equity) ? equity : 1;
    const daily = this.days.series(periodsPerYear).map((d) => d.pnl / scale);
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
      largest_win: n > 0 ? this.largestWin : 0,
      largest_loss: n > 0 ? this.largestLoss : 0,
      profit_factor: losses > 0 ? grossProfit / Math.abs(grossLoss) : null,
      payoff_ratio: losses > 0 ? avgWin / Math.abs(avgLoss) : null,
      expectancy: n > 0 ? total / n : 0,
      max_drawdown: this.maxDd,
      max_drawdown_pct: this.maxDdPct,
      max_consecutive_wins: this.maxRunW,
      max_consecutive_losses: this.maxRunL,
      sharpe_ratio: sharpe(daily, periodsPerYear),
      sortino_ratio: sortino(daily, periodsPerYear),
      per_trade_sharpe: sharpe(this.pnls.subarray(0, n), 1),
      total_volume: this.volume,
      avg_hold_minutes: this.holdCount > 0 ? this.holdSum / this.holdCount : null,
      total_fees: this.fees,
      net_pnl: total - this.fees,
      open_trades: openTrades,
      starting_equity: equity,
      periods_per_year: periodsPerYear,
      by_exit_reason: groupsOf(this.byExitReason),
      by_strategy: groupsOf(this.byStrategy),
    };
  }
}

/**
 * Trading metrics over the trading events of the range after linking (selectTrades), taken in
 * timestamp order (a stable sort: ties keep the order given). Pure: no I/O, no clock.
 */
export function tradingMetrics(events: readonly TradeRecord[], options: TradingOptions = {}): TradingMetrics {
  const fold = new TradingFold(options.startingEquity ?? null);
  for (const t of inTimeOrder(events)) fold.add(t);
  return fold.metrics(options.periodsPerYear ?? 252, options.openTrades ?? 0);
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
export function sharpe(xs: ArrayLike<number>, periodsPerYear: number): number | null {
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
