import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, count, duration, kindOf, metric, millis, money, percent, plain, price, ratio } from './format.js';

test('money: the sign before the currency, thousands separators, cents', () => {
  assert.equal(money(-92), '-$92.00');
  assert.equal(money(1234567.891), '$1,234,567.89');
  assert.equal(money(-1234.5), '-$1,234.50');
  assert.equal(money(0), '$0.00');
  assert.equal(money(-0.001), '$0.00', 'a loss that rounds to nothing is not -$0.00');
  assert.equal(money(550, { signed: true }), '+$550.00');
  assert.equal(money(-550, { signed: true }), '-$550.00');
  assert.equal(money(null), '-');
});

test('percentages, ratios, counts, prices, latencies, bytes', () => {
  const cases: [(n: number | undefined) => string, number | undefined, string][] = [
    [percent, 0.5534, '55.34%'],
    [percent, 0.05, '5.00%'],
    [percent, 12.5, '1,250.00%'],
    [percent, undefined, '-'],
    [ratio, 1.23456, '1.23'],
    [ratio, -2541.5, '-2,541.50'],
    [ratio, 0.0012, '0.0012'],
    [count, 1234567, '1,234,567'],
    [price, 150.25, '$150.25'],
    [price, 0.00001234, '$0.00001234'],
    [millis, 125.52, '126 ms'],
    [millis, 2.54, '2.5 ms'],
    [millis, 12040, '12,040 ms'],
    [plain, 1234.5678, '1,234.57'],
    [plain, 0.123456, '0.1235'],
    [plain, 4, '4'],
    [bytes, 1536, '1.5 KiB'],
    [bytes, 100, '100 B'],
  ];
  for (const [format, value, shown] of cases) assert.equal(format(value), shown, `${format.name}(${String(value)})`);
});

test('every metric of docs/metrics.md is shown as its kind', () => {
  const money = ['total_fees', 'net_pnl', 'fees', 'fee', 'total_pnl', 'gross_profit', 'gross_loss', 'avg_win', 'avg_loss', 'largest_win', 'largest_loss', 'expectancy', 'max_drawdown', 'total_volume', 'avg_pnl', 'max_daily_loss', 'starting_equity'];
  for (const m of money) assert.equal(kindOf(m), 'money', m);
  for (const m of ['win_rate', 'max_drawdown_pct', 'api_error_rate', 'error_rate', 'max_portfolio_heat']) assert.equal(kindOf(m), 'percent', m);
  for (const m of ['sharpe_ratio', 'sortino_ratio', 'per_trade_sharpe', 'profit_factor', 'payoff_ratio']) assert.equal(kindOf(m), 'ratio', m);
  for (const m of ['avg_api_latency', 'p99_api_latency']) assert.equal(kindOf(m), 'millis', m);
  const counts = ['total_trades', 'winning_trades', 'losing_trades', 'breakeven_trades', 'max_consecutive_wins', 'max_consecutive_losses', 'wins', 'losses', 'trades',
    'risk_limit_hits', 'daily_loss_limit_hits', 'portfolio_heat_warnings', 'position_size_calculations', 'daily_loss_limit', 'portfolio_heat_warning', 'total_errors', 'restarts', 'periods_per_year', 'open_trades'];
  for (const m of counts) assert.equal(kindOf(m), 'plain', m);
  assert.equal(metric('total_pnl', -92), '-$92.00');
  assert.equal(metric('win_rate', 0.5), '50.00%');
  assert.equal(metric('uptime_hours', 6.5), '6.5 h');
  assert.equal(metric('total_trades', 12345), '12,345');
  assert.equal(metric('profit_factor', null), '-');
  assert.equal(metric('symbol', 'AAPL'), 'AAPL');
});

test('durations: a hold time or an age as a person reads it', () => {
  assert.equal(duration(45.25), '45.3 min');
  assert.equal(duration(59.97), '1 h 0 min', 'not "60.0 min"');
  assert.equal(duration(192), '3 h 12 min');
  assert.equal(duration(2 * 1440 + 4 * 60 + 10), '2 d 4 h');
  assert.equal(duration(1500 * 1440), '1,500 d 0 h');
  assert.equal(duration(-30), '-30.0 min');
  assert.equal(duration(null), '-');
});
