// Trades on three fixed past UTC days, for the trade table's browser tests: one trade with
// every kind of event (adjustment, partial exit and exit without pnl, a stop), two linked
// first in first out (no position_id), an open position, 60 small ones (more than a page),
// written by core's logger; and a second directory (a fleet) with a trade that paid fees,
// written by hand (lines as another writer would send them).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogger } from '@daybook/core';

export const TRADE_DAYS = ['2025-02-03', '2025-02-05'] as const;
/** Small grid trades on the middle day: with the four others and the fee trade, 65 trades. */
export const GRID = 60;

export async function createTradeDays(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-trade-days-'));
  let now = 0;
  const audit = new AuditLogger({ logDir: dir, environment: 'test', sessionId: 'trade_days', consoleLevel: false, durability: { trading: 'none' }, clock: () => now });
  const at = (iso: string, log: () => unknown): void => {
    now = Date.parse(iso);
    void log();
  };
  at('2025-02-03T10:00:00.000Z', () => audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100, positionId: 'p1', strategyName: 'momentum' }));
  at('2025-02-03T10:30:00.000Z', () => audit.logPositionAdjusted({ symbol: 'AAPL', quantity: 20, previousQuantity: 10, positionId: 'p1' }));
  at('2025-02-03T11:00:00.000Z', () => audit.logTradePartialExit({ symbol: 'AAPL', quantity: 5, price: 110, positionId: 'p1', reason: 'scale_out' }));
  at('2025-02-03T11:30:00.000Z', () => audit.logStopLossHit({ symbol: 'AAPL', price: 104, positionId: 'p1' }));
  at('2025-02-03T12:00:00.000Z', () => audit.logTradeExit({ symbol: 'AAPL', quantity: 15, price: 105, positionId: 'p1', reason: 'stop_loss_hit' }));
  for (let i = 0; i < GRID; i++) {
    const t = Date.parse('2025-02-04T00:00:00.000Z') + i * 10 * 60_000;
    at(new Date(t).toISOString(), () => audit.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 50, positionId: `g${i}`, strategyName: 'grid' }));
    at(new Date(t + 5 * 60_000).toISOString(), () => audit.logTradeExit({ symbol: 'MSFT', quantity: 1, price: 51, positionId: `g${i}`, reason: 'grid_step' }));
  }
  at('2025-02-04T12:00:00.000Z', () => audit.logTradeEntry({ symbol: 'TSLA', side: 'buy', quantity: 5, price: 200, strategyName: 'breakout' }));
  at('2025-02-04T12:30:00.000Z', () => audit.logTradeEntry({ symbol: 'TSLA', side: 'buy', quantity: 5, price: 210, strategyName: 'breakout' }));
  at('2025-02-04T13:00:00.000Z', () => audit.logTradeExit({ symbol: 'TSLA', quantity: 5, price: 220, reason: 'take_profit_hit' }));
  at('2025-02-04T13:30:00.000Z', () => audit.logTradeExit({ symbol: 'TSLA', quantity: 5, price: 200, reason: 'time_stop' }));
  at('2025-02-05T08:00:00.000Z', () => audit.logTradeEntry({ symbol: 'NVDA', side: 'sell', quantity: 3, price: 500, positionId: 'p3', strategyName: 'mean_reversion' }));
  await audit.close();

  const fees = mkdtempSync(join(tmpdir(), 'daybook-trade-fees-'));
  const line = (o: Record<string, unknown>): string => JSON.stringify({ level: 'INFO', logger: 'daybook_audit', message: String(o.event_type), component: 'trading', session_id: 'py', ...o });
  writeFileSync(join(fees, 'audit.log'), [
    line({ timestamp: '2025-02-05T09:00:00.000Z', event_id: 'fee-1', event_type: 'trade_entry', symbol: 'ETH', side: 'buy', quantity: 2, price: 1000, position_id: 'e1', strategy_name: 'swing', fee: 1.5 }),
    line({ timestamp: '2025-02-05T10:00:00.000Z', event_id: 'fee-2', event_type: 'trade_partial_exit', symbol: 'ETH', quantity: 1, price: 1100, position_id: 'e1', fee: 0.5 }),
    line({ timestamp: '2025-02-05T11:00:00.000Z', event_id: 'fee-3', event_type: 'trade_exit', symbol: 'ETH', quantity: 1, price: 1050, position_id: 'e1', fee: 1, metadata: { exit_reason: 'target' } }),
  ].join('\n') + '\n');
  return [dir, fees];
}
