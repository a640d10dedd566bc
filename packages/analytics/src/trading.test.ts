import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { computeReport } from './report.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogAnalyzer } from './analyzer.js';
import { ev, exit, lines, near, tempDir } from './test/helpers.js';

const trading = (events: Record<string, unknown>[], options: { periodsPerYear?: number; startingEquity?: number } = {}, start?: string, end?: string) =>
  computeReport(eventSetFromEvents(events), parseRange(start, end), options).trading_metrics;

// 2024-01-01 was a Monday.
const MON = '2024-01-01';
const TUE = '2024-01-02';
const WED = '2024-01-03';
const THU = '2024-01-04';
const FRI = '2024-01-05';
const SAT = '2024-01-06';
const MON2 = '2024-01-08';
const at = (day: string, time = '15:00:00.000') => `${day}T${time}Z`;

describe('trading metrics', () => {
  it('no trades: zeros and nulls, never NaN', () => {
    const m = trading([ev({})]);
    assert.deepEqual(
      [m.total_trades, m.winning_trades, m.losing_trades, m.breakeven_trades, m.win_rate, m.total_pnl, m.gross_profit, m.gross_loss, m.avg_win, m.avg_loss, m.largest_win, m.largest_loss, m.expectancy, m.max_drawdown, m.max_consecutive_wins, m.max_consecutive_losses, m.total_volume],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    for (const k of ['profit_factor', 'payoff_ratio', 'max_drawdown_pct', 'sharpe_ratio', 'sortino_ratio', 'per_trade_sharpe', 'avg_hold_minutes'] as const) assert.equal(m[k], null, k);
    assert.deepEqual(m.by_exit_reason, {});
    assert.deepEqual(m.by_strategy, {});
  });

  it('one winning trade', () => {
    const m = trading([exit(at(MON), 100)]);
    assert.equal(m.total_trades, 1);
    assert.equal(m.win_rate, 1);
    assert.equal(m.largest_win, 100);
    assert.equal(m.largest_loss, 100); // literally min pnl
    assert.equal(m.profit_factor, null);
    assert.equal(m.payoff_ratio, null);
    assert.equal(m.expectancy, 100);
    assert.equal(m.sharpe_ratio, null); // one day
    assert.equal(m.sortino_ratio, null); // no downside
    assert.equal(m.per_trade_sharpe, null); // one trade
    assert.equal(m.max_drawdown, 0);
  });

  it('all wins: profit_factor and payoff_ratio are null', () => {
    const m = trading([exit(at(MON), 100), exit(at(TUE), 50)]);
    assert.equal(m.profit_factor, null);
    assert.equal(m.payoff_ratio, null);
    assert.equal(m.max_consecutive_wins, 2);
    assert.equal(m.avg_win, 75);
    assert.equal(m.avg_loss, 0);
    assert.equal(m.gross_loss, 0);
  });

  it('all losses: profit_factor 0, payoff 0, largest_win is the smallest loss', () => {
    const m = trading([exit(at(MON), -100), exit(at(TUE), -50)], { startingEquity: 1000 });
    assert.equal(m.profit_factor, 0);
    assert.equal(m.payoff_ratio, 0);
    assert.equal(m.largest_win, -50);
    assert.equal(m.largest_loss, -100);
    assert.equal(m.gross_loss, -150);
    assert.equal(m.avg_loss, -75);
    assert.equal(m.max_drawdown, 150);
    near(m.max_drawdown_pct, 150 / 1000);
    assert.equal(m.max_consecutive_losses, 2);
    assert.equal(m.win_rate, 0);
  });

  it('breakeven trades count apart and end both runs', () => {
    const m = trading([10, 0, 10, -5, -5, 0, -5].map((p, i) => exit(at(MON, `10:00:0${i}.000`), p)));
    assert.deepEqual([m.winning_trades, m.losing_trades, m.breakeven_trades], [2, 3, 2]);
    assert.deepEqual([m.max_consecutive_wins, m.max_consecutive_losses], [1, 2]);
    near(m.win_rate, 2 / 7);
    near(m.profit_factor, 20 / 15);
    near(m.payoff_ratio, 10 / 5);
  });

  it('-0 is breakeven', () => {
    const m = trading([exit(at(MON), -0)]);
    assert.equal(m.breakeven_trades, 1);
    assert.equal(m.profit_factor, null);
  });

  it('drawdown over the cumulative P&L, in currency and as a fraction of equity + peak', () => {
    const m = trading([100, -30, 50, -80, 10].map((p, i) => exit(at(MON, `10:00:0${i}.000`), p)), { startingEquity: 1000 });
    // cum 100 70 120 40 50; peaks 100 100 120 120 120
    assert.equal(m.max_drawdown, 80);
    near(m.max_drawdown_pct, 80 / 1120);
    assert.equal(m.total_pnl, 50);
    assert.equal(m.gross_profit, 160);
    assert.equal(m.gross_loss, -110);
    near(m.expectancy, 10);
  });

  it('max_drawdown_pct is null without starting equity, and uses the earliest portfolio_value in range', () => {
    const trades = [100, -50].map((p, i) => exit(at(TUE, `10:00:0${i}.000`), p));
    assert.equal(trading(trades).max_drawdown_pct, null);
    const withValue = [ev({ timestamp: at(MON), portfolio_value: 5000 }), ev({ timestamp: at(TUE, '09:00:00.000'), portfolio_value: 2000 }), ev({ timestamp: at(TUE, '09:30:00.000'), portfolio_value: 9999 }), ...trades];
    const all = trading(withValue);
    assert.equal(all.starting_equity, 5000);
    near(all.max_drawdown_pct, 50 / 5100);
    const fromTue = trading(withValue, {}, TUE, TUE);
    assert.equal(fromTue.starting_equity, 2000); // the Monday value is out of range
    near(fromTue.max_drawdown_pct, 50 / 2100);
    assert.equal(trading(withValue, { startingEquity: 100 }).starting_equity, 100); // the option wins
  });

  it('daily Sharpe and Sortino, weekdays zero-filled under 252', () => {
    const events = [exit(at(MON), 100), exit(at(TUE), -50), exit(at(THU), 30)];
    const m = trading(events);
    // days Mon..Thu = [100, -50, 0, 30]: mean 20, squared deviations 6400+4900+400+100 = 11800
    near(m.sharpe_ratio, (20 / Math.sqrt(11800 / 3)) * Math.sqrt(252));
    // downside deviation sqrt(2500 / 4) = 25
    near(m.sortino_ratio, (20 / 25) * Math.sqrt(252));
    // per trade: [100, -50, 30], mean 80/3
    const mean = 80 / 3;
    const sd = Math.sqrt(((100 - mean) ** 2 + (-50 - mean) ** 2 + (30 - mean) ** 2) / 2);
    near(m.per_trade_sharpe, mean / sd);
    // scale-free: dividing by starting equity changes nothing
    const e = trading(events, { startingEquity: 10_000 });
    near(e.sharpe_ratio, m.sharpe_ratio);
    near(e.sortino_ratio, m.sortino_ratio);
  });

  it('weekends: skipped under 252 unless traded; every day under 365', () => {
    const friMon = [exit(at(FRI), 30), exit(at(MON2), -10)];
    // 252: [30, -10], mean 10, sample std sqrt(800)
    near(trading(friMon).sharpe_ratio, (10 / Math.sqrt(800)) * Math.sqrt(252));
    // 365: [30, 0, 0, -10], mean 5, squared deviations 625+25+25+225 = 900
    near(trading(friMon, { periodsPerYear: 365 }).sharpe_ratio, (5 / Math.sqrt(300)) * Math.sqrt(365));
    near(trading(friMon, { periodsPerYear: 365 }).sortino_ratio, (5 / Math.sqrt(100 / 4)) * Math.sqrt(365));
    // a Saturday trade is in the 252 series, the Sunday is not: [30, 10, -10]
    const withSat = [...friMon, exit(at(SAT), 10)];
    const sd = Math.sqrt((20 ** 2 + 0 + 20 ** 2) / 2);
    near(trading(withSat).sharpe_ratio, (10 / sd) * Math.sqrt(252));
  });

  it('zero std: Sharpe null, and Sortino null without losing days', () => {
    const m = trading([exit(at(MON), 50), exit(at(TUE), 50)], { startingEquity: 3 });
    assert.equal(m.sharpe_ratio, null);
    assert.equal(m.sortino_ratio, null);
    assert.equal(m.per_trade_sharpe, null);
    const thirds = trading([exit(at(MON), 0.1), exit(at(TUE), 0.1), exit(at(WED), 0.1)], { startingEquity: 3 });
    assert.equal(thirds.sharpe_ratio, null); // not 1e16 from rounding
  });

  it('a trade at 23:59:59.999 and one at 00:00:00.000 fall on their own days and ranges', () => {
    const events = [exit('2024-01-01T23:59:59.999Z', 10), exit('2024-01-02T00:00:00.000Z', -4)];
    const m = trading(events);
    // two weekdays [10, -4]: mean 3, sample std sqrt(98)
    near(m.sharpe_ratio, (3 / Math.sqrt(98)) * Math.sqrt(252));
    assert.equal(trading(events, {}, MON, MON).total_trades, 1);
    assert.equal(trading(events, {}, MON, MON).total_pnl, 10);
    assert.equal(trading(events, {}, TUE, TUE).total_pnl, -4);
    assert.equal(trading(events, {}, '2024-01-01T23:59:59.999Z', '2024-01-02T00:00:00.000Z').total_trades, 2); // timestamps inclusive
    assert.equal(trading(events, {}, '2024-01-02T00:00:00.001Z').total_trades, 0);
    // Python micro-seconds and +00:00
    assert.equal(trading([exit('2024-01-01T23:59:59.999999+00:00', 1)], {}, MON, MON).total_trades, 1);
    assert.equal(trading([exit('2024-01-02T01:00:00.000+02:00', 1)], {}, MON, MON).total_trades, 1); // 23:00 UTC
  });

  it('duplicated events count once', () => {
    const e = exit(at(MON), 100);
    const m = trading([e, e, { ...e }]);
    assert.equal(m.total_trades, 1);
    assert.equal(m.total_pnl, 100);
  });

  it('what is a closed trade: exits and partial exits with a numeric pnl', () => {
    const m = trading([
      exit(at(MON), 10),
      ev({ timestamp: at(MON), event_type: 'trade_partial_exit', pnl: 5, quantity: 1, price: 1 }),
      ev({ timestamp: at(MON), event_type: 'stop_loss_hit', pnl: -99 }),
      ev({ timestamp: at(MON), event_type: 'take_profit_hit', pnl: 99 }),
      ev({ timestamp: at(MON), event_type: 'trade_exit', pnl: '100' }),
      ev({ timestamp: at(MON), event_type: 'trade_exit', pnl: true }),
      ev({ timestamp: at(MON), event_type: 'trade_exit', pnl: null }),
    ]);
    assert.equal(m.total_trades, 2);
    assert.equal(m.total_pnl, 15);
  });

  it('volume, hold time, exit reasons and strategies', () => {
    const m = trading([
      ev({ timestamp: at(MON, '09:00:00.000'), event_type: 'trade_entry', symbol: 'AAPL', quantity: 100, price: 10, strategy_name: 'momentum' }),
      exit(at(MON, '10:00:00.000'), 100, { quantity: 100, price: 11, strategy_name: 'momentum', metadata: { exit_reason: 'take_profit_hit', hold_time_minutes: 45 } }),
      exit(at(MON, '11:00:00.000'), -20, { quantity: -5, price: 10, metadata: { exit_reason: '', reason: 'stop', hold_time_minutes: 15 } }),
      exit(at(MON, '12:00:00.000'), 0, { quantity: 1, price: 'x', metadata: { hold_time_minutes: '7' } }),
      ev({ timestamp: at(MON), event_type: 'trade_exit', quantity: 10, price: 5 }), // no pnl: volume only
      ev({ timestamp: at(MON), event_type: 'stop_loss_hit', quantity: 1000, price: 1000 }), // not a fill
    ]);
    assert.equal(m.total_volume, 1000 + 1100 + 50 + 50);
    assert.equal(m.avg_hold_minutes, 30);
    assert.deepEqual(m.by_exit_reason, {
      take_profit_hit: { trades: 1, total_pnl: 100, win_rate: 1 },
      stop: { trades: 1, total_pnl: -20, win_rate: 0 },
      unknown: { trades: 1, total_pnl: 0, win_rate: 0 },
    });
    assert.deepEqual(m.by_strategy, {
      momentum: { trades: 1, total_pnl: 100, win_rate: 1 },
      unknown: { trades: 2, total_pnl: -20, win_rate: 0 },
    });
  });

  it('orders closed trades by timestamp, whatever the file order', () => {
    const m = trading([exit(at(MON, '12:00:00.000'), -80), exit(at(MON, '11:00:00.000'), 100)]);
    // in time order: +100 then -80 -> drawdown 80; in file order it would be 80 as well, so check the runs
    assert.equal(m.max_drawdown, 80);
    const n = trading([exit(at(TUE), 5), exit(at(MON), -5), exit(at(WED), -5)]);
    assert.equal(n.max_consecutive_losses, 1); // Mon -5, Tue +5, Wed -5
  });

  it('strategies, exit reasons and symbols named as Object.prototype\'s properties are keys like any other, and change no object', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines([
      exit(at(MON), 10, { strategy_name: '__proto__', symbol: '__proto__', metadata: { exit_reason: 'constructor' } }),
      exit(at(TUE), -4, { strategy_name: '__proto__', symbol: 'toString', metadata: { exit_reason: 'toString' } }),
      exit(at(WED), 1, { strategy_name: 'hasOwnProperty', symbol: '__proto__', metadata: { exit_reason: 'constructor' } }),
    ]));
    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    const m = r.trading_metrics;
    assert.deepEqual(Object.entries(m.by_strategy), [['__proto__', { trades: 2, total_pnl: 6, win_rate: 0.5 }], ['hasOwnProperty', { trades: 1, total_pnl: 1, win_rate: 1 }]]);
    assert.deepEqual(Object.entries(m.by_exit_reason), [['constructor', { trades: 2, total_pnl: 11, win_rate: 1 }], ['toString', { trades: 1, total_pnl: -4, win_rate: 0 }]]);
    assert.equal(Object.getPrototypeOf(m.by_strategy), Object.prototype);
    // What the REST API sends keeps the key.
    assert.deepEqual(JSON.parse(JSON.stringify(m.by_strategy)), Object.fromEntries(Object.entries(m.by_strategy)));
    assert.deepEqual(r.symbol_performance.map((s) => [s.symbol, s.trades, s.total_pnl]), [['__proto__', 2, 11], ['toString', 1, -4]]);
    const plain: Record<string, unknown> = {};
    assert.deepEqual([plain.trades, plain.total_pnl, plain.win_rate], [undefined, undefined, undefined]);
  });
});
