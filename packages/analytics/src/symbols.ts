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

/** Over the trade events of a range; sorted by total_pnl descending, ties by symbol. Pure. */
export function symbolPerformance(events: readonly TradeRecord[]): SymbolPerformance[] {
  const trades = inTimeOrder(events);
  const out = new Map<string, SymbolPerformance & { grossProfit: number; grossLoss: number }>();
  for (const t of trades) {
    if (!isClosed(t)) continue;
    let s = out.get(t.symbol);
    if (s === undefined) {
      s = { symbol: t.symbol, trades: 0, wins: 0, losses: 0, win_rate: 0, total_pnl: 0, avg_pnl: 0, largest_win: -Infinity, largest_loss: Infinity, profit_factor: null, total_volume: 0, grossProfit: 0, grossLoss: 0 };
      out.set(t.symbol, s);
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
  for (const t of trades) {
    const s = out.get(t.symbol);
    if (s !== undefined) s.total_volume += fillVolume(t);
  }
  const list = [...out.values()].map(({ grossProfit, grossLoss, ...s }) => ({
    ...s,
    win_rate: s.wins / s.trades,
    avg_pnl: s.total_pnl / s.trades,
    profit_factor: s.losses > 0 ? grossProfit / Math.abs(grossLoss) : null,
  }));
  return list.sort((a, b) => b.total_pnl - a.total_pnl || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}
