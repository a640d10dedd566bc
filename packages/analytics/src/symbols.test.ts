import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { computeReport } from './report.js';
import { ev, exit } from './test/helpers.js';

const symbols = (events: Record<string, unknown>[]) => computeReport(eventSetFromEvents(events), parseRange()).symbol_performance;

describe('symbol performance', () => {
  it('no closed trade: empty list (an entry alone is not enough)', () => {
    assert.deepEqual(symbols([ev({ event_type: 'trade_entry', symbol: 'AAPL', quantity: 1, price: 1 })]), []);
  });

  it('per symbol, sorted by total_pnl descending then symbol', () => {
    const t = '2024-01-01T10:00:00Z';
    const list = symbols([
      ev({ timestamp: t, event_type: 'trade_entry', symbol: 'MSFT', quantity: 10, price: 100 }),
      exit(t, 50, { symbol: 'MSFT', quantity: 10, price: 105 }),
      exit(t, -20, { symbol: 'MSFT', quantity: 5, price: 96 }),
      exit(t, 30, { symbol: 'AAPL', quantity: 1, price: 10 }),
      exit(t, 30, { symbol: 'TSLA', quantity: 2, price: 10 }),
      exit(t, -5, { symbol: 'NVDA', quantity: 1, price: 1 }),
      exit(t, -7, { symbol: 'NVDA', quantity: 1, price: 1 }),
    ]);
    assert.deepEqual(list.map((s) => s.symbol), ['AAPL', 'MSFT', 'TSLA', 'NVDA'].sort((a, b) => ({ AAPL: 30, MSFT: 30, TSLA: 30, NVDA: -12 })[b]! - ({ AAPL: 30, MSFT: 30, TSLA: 30, NVDA: -12 })[a]! || (a < b ? -1 : 1)));
    assert.deepEqual(list[1], {
      symbol: 'MSFT', trades: 2, wins: 1, losses: 1, win_rate: 0.5, total_pnl: 30, avg_pnl: 15,
      largest_win: 50, largest_loss: -20, profit_factor: 2.5, total_volume: 1000 + 1050 + 480,
    });
    assert.equal(list[0]!.profit_factor, null);
    assert.equal(list[0]!.largest_loss, 30); // literal min
    assert.deepEqual([list[3]!.largest_win, list[3]!.largest_loss, list[3]!.profit_factor], [-5, -7, 0]);
  });
});
