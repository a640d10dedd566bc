// A small log directory with known events on three fixed past UTC days, for the tests of
// what a trader reads first: a night between two trades, a day with one latency bucket,
// five-digit figures and a latency over a second, long exit reasons, a symbol that never
// lost, and errors logged before the page was opened.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogger, EventType } from '@daybook/core';

export const DAYS = ['2025-01-06', '2025-01-07', '2025-01-08'] as const;
/** A reason longer than the bar charts' old 18-character cut. */
export const LONG_REASON = 'trailing_stop_after_breakeven';
/** Closed trades: [day index, UTC time, symbol, pnl, exit reason, strategy]. */
export const TRADES = [
  [0, '10:00', 'WINONLY', 54_321.09, 'take_profit_hit', 'momentum'],
  [0, '20:00', 'LOSER', -12_345.67, LONG_REASON, 'trend_following'],
  [1, '11:00', 'WINONLY', 83.37, 'momentum_faded', 'momentum'],
  [1, '15:00', 'LOSER', 10, 'scale_out', 'mean_reversion'],
  [2, '09:00', 'LOSER', -5, 'stop_loss_hit', 'mean_reversion'],
] as const;
/** The last day's errors; its API calls all fall in the 10:00 hour. */
export const ERRORS = 3;

export async function createFixedDays(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-fixed-days-'));
  let now = 0;
  const audit = new AuditLogger({ logDir: dir, environment: 'test', sessionId: 'fixed_days', consoleLevel: false, durability: { trading: 'none' }, clock: () => now });
  const at = (day: number, time: string): number => Date.parse(`${DAYS[day]}T${time}:00.000Z`);
  const events: [number, () => unknown][] = [];
  TRADES.forEach(([d, time, symbol, pnl, reason, strategy], i) => {
    events.push([at(d, time) - 3_600_000, () => audit.logTradeEntry({ symbol, side: 'buy', quantity: 10, price: 100, orderId: `e${i}`, strategyName: strategy, riskPercent: 0.01, portfolioValue: 100_000 })]);
    events.push([at(d, time), () => audit.logTradeExit({ symbol, quantity: 10, price: 100 + pnl / 10, pnl, orderId: `x${i}`, strategyName: strategy, reason })]);
  });
  for (const time of ['10:15', '10:20', '10:40']) events.push([at(2, time), () => audit.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: 200, latencyMs: 1046.9 })]);
  for (let i = 0; i < ERRORS; i++) events.push([at(2, `12:0${i}`), () => audit.logError(`Order ${i} rejected by broker`, 'broker')]);
  for (const time of ['08:00', '13:00', '16:00']) events.push([at(2, time), () => audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed')]);
  events.push([at(2, '14:00'), () => audit.logSystemEvent(EventType.MARKET_STATUS, 'Slow fill', { level: 'WARNING' })]);
  for (const [t, log] of events.sort((a, b) => a[0] - b[0])) {
    now = t;
    void log();
  }
  await audit.flush();
  await audit.close();
  return dir;
}
