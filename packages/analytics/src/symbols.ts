import { fillVolume, inTimeOrder, isClosed } from './trading.js';
import type { TradeRecord } from './segment.js';

/** metrics.md, "Symbol performance": one per symbol with a closed trade in range. */
export interface SymbolPerformance {
  symbol: string;
  trades: number;
  wins: number;
  losses: number;
  win_rate: number;
  total_pnl: number;
  avg_pnl: number;
  largest_win: number;
  largest_loss: number;
  profit_factor: number | null;
  total_volume: number;
}

/** A symbol's figures as they are added up. */
interface SymbolSums {
  symbol: string;
  trades: number;
  wins: number;
  losses: number;
  total_pnl: number;
  largest_win: number;
  largest_loss: number;
  grossProfit: number;
  grossLoss: number;
}

/**
 * Symbol performance as one pass over the trading events in timestamp order, one event at a
 * time (TradingFold says why): the same additions in the same order as a pass over them all.
 */
export class SymbolFold {
  /** Per symbol with a closed trade, in the order of their first closed trade. */
  private readonly closed = new Map<string, SymbolSums>();
  /** Per symbol, the volume of all its fills (a symbol counts its fills from before its first close too). */
  private readonly volume = new Map<string, number>();

  add(t: TradeRecord): void {
    this.volume.set(t.symbol, (this.volume.get(t.symbol) ?? 0) + fillVolume(t));
    if (!isClosed(t)) return;
    let s = this.closed.get(t.symbol);
    if (s === undefined) {
      s = { symbol: t.symbol, trades: 0, wins: 0, losses: 0, total_pnl: 0, largest_win: -Infinity, largest_loss: Infinity, grossProfit: 0, grossLoss: 0 };
      this.closed.set(t.symbol, s);
    }
    s.trades++;
    s.total_pnl += t.pnl;
    if (t.pnl > 0) {
      s.wins++;
      s.grossProfit += t.pnl;
    } else if (t.pnl < 0) {
      s.losses++;
      s.grossLoss += t.pnl;
    }
    if (t.pnl > s.largest_win) s.largest_win = t.pnl;
    if (t.pnl < s.largest_loss) s.largest_loss = t.pnl;
  }

  /** Sorted by total_pnl descending, ties by symbol. */
  performance(): SymbolPerformance[] {
    const list = Array.from(this.closed.values(), (s): SymbolPerformance => ({
      symbol: s.symbol,
      trades: s.trades,
      wins: s.wins,
      losses: s.losses,
      win_rate: s.wins / s.trades,
      total_pnl: s.total_pnl,
      avg_pnl: s.total_pnl / s.trades,
      largest_win: s.largest_win,
      largest_loss: s.largest_loss,
      profit_factor: s.losses > 0 ? s.grossProfit / Math.abs(s.grossLoss) : null,
      total_volume: this.volume.get(s.symbol)!,
    }));
    return list.sort((a, b) => b.total_pnl - a.total_pnl || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }
}

/** Over the trade events of a range; sorted by total_pnl descending, ties by symbol. Pure. */
export function symbolPerformance(events: readonly TradeRecord[]): SymbolPerformance[] {
  const fold = new SymbolFold();
  for (const t of inTimeOrder(events)) fold.add(t);
  return fold.performance();
}
