import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogAnalyzer } from './analyzer.js';
import { parseRange } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { computeReport } from './report.js';
import { linkTrades, tradesIn } from './trades.js';
import { ev, lines, near, tempDir } from './test/helpers.js';

// Each rule of docs/metrics.md "Trades", on trades built by hand; figures to 1e-9.

const at = (min: number): string => new Date(Date.UTC(2024, 0, 2, 14, 0) + min * 60_000).toISOString();
const trade = (type: string, min: number, fields: Record<string, unknown> = {}) =>
  ev({ timestamp: at(min), event_type: type, component: 'trading', symbol: 'AAPL', ...fields });
const entry = (min: number, fields: Record<string, unknown> = {}) => trade('trade_entry', min, { side: 'buy', quantity: 10, price: 100, ...fields });
const exitAt = (min: number, fields: Record<string, unknown> = {}) => trade('trade_exit', min, { quantity: 10, price: 110, ...fields });
const partial = (min: number, fields: Record<string, unknown> = {}) => trade('trade_partial_exit', min, { quantity: 4, price: 105, ...fields });

const report = (events: Record<string, unknown>[], start?: string, end?: string) => computeReport(eventSetFromEvents(events), parseRange(start, end)).trading_metrics;
const views = (events: Record<string, unknown>[], start?: string, end?: string) => tradesIn(eventSetFromEvents(events), parseRange(start, end), {}, Date.parse(at(1000)) * 1000);

describe('trade linking (metrics.md "Trades")', () => {
  it('an exit without pnl takes it from its entry: (exit − entry) × exit quantity; a short is negated', () => {
    const m = report([
      entry(0), exitAt(30), // long: (110 − 100) × 10 = 100
      entry(40, { symbol: 'TSLA', side: 'SHORT', price: 200, quantity: 3 }), exitAt(50, { symbol: 'TSLA', price: 190, quantity: 3 }), // short: (190 − 200) × 3 × −1 = 30
      entry(60, { symbol: 'NVDA', side: 'sell', price: 50, quantity: 2 }), exitAt(70, { symbol: 'NVDA', price: 55.5, quantity: 2 }), // short loss: −11
    ]);
    assert.equal(m.total_trades, 3);
    near(m.total_pnl, 100 + 30 - 11, 'total_pnl');
    near(m.largest_loss, -11, 'largest_loss');
    near(m.avg_hold_minutes, 50 / 3, 'avg_hold_minutes: 30, 10, 10');
  });

  it('an exit with its own pnl, strategy or hold time keeps them', () => {
    const m = report([entry(0, { strategy_name: 'momentum' }), exitAt(30, { pnl: 7.25, strategy_name: 'scalp', metadata: { hold_time_minutes: 12.5 } })]);
    near(m.total_pnl, 7.25);
    assert.deepEqual(Object.keys(m.by_strategy), ['scalp']);
    near(m.avg_hold_minutes, 12.5);
  });

  it("an exit without strategy takes its entry's (the Python DayBot's log_trade_exit has none)", () => {
    const m = report([entry(0, { strategy_name: 'momentum' }), exitAt(30, { pnl: 5 }), exitAt(31, { pnl: -2 })]);
    // The second exit finds no open trade: it stands alone, strategy unknown, no hold time.
    assert.deepEqual(m.by_strategy, { momentum: { trades: 1, total_pnl: 5, win_rate: 1 }, unknown: { trades: 1, total_pnl: -2, win_rate: 0 } });
    near(m.avg_hold_minutes, 30, 'only the linked exit has a hold time');
  });

  it('without position_id: first in, first out per session and symbol; partial exits link without closing', () => {
    const events = [
      entry(0, { price: 100, strategy_name: 'a' }),
      entry(10, { price: 120, strategy_name: 'b' }),
      partial(20), // to the oldest (a): (105 − 100) × 4 = 20
      partial(25, { pnl: -1 }), // own pnl, still a
      exitAt(30, { price: 110 }), // closes a: (110 − 100) × 10 = 100
      exitAt(40, { price: 130 }), // closes b: (130 − 120) × 10 = 100
    ];
    const m = report(events);
    assert.equal(m.total_trades, 4);
    near(m.total_pnl, 20 - 1 + 100 + 100);
    assert.deepEqual(m.by_strategy, { a: { trades: 3, total_pnl: 119, win_rate: 2 / 3 }, b: { trades: 1, total_pnl: 100, win_rate: 1 } });
    near(m.avg_hold_minutes, (20 + 25 + 30 + 30) / 4);
    const t = views(events);
    assert.deepEqual(t.map((x) => [x.strategy, x.status, x.events.map((e) => e.event_type)]), [
      ['b', 'closed', ['trade_entry', 'trade_exit']],
      ['a', 'closed', ['trade_entry', 'trade_partial_exit', 'trade_partial_exit', 'trade_exit']],
    ]);
    near(t[1]!.pnl, 119);
    near(t[1]!.hold_minutes, 30);
  });

  it('the same symbol in two sessions does not link across them', () => {
    const m = report([entry(0, { session_id: 's1', price: 100 }), entry(5, { session_id: 's2', price: 200 }), exitAt(10, { session_id: 's2', price: 210 }), exitAt(20, { session_id: 's1', price: 90 })]);
    near(m.total_pnl, 100 - 100, 's2: +100, s1: −100');
    near(m.largest_win, 100);
    near(m.largest_loss, -100);
    near(m.avg_hold_minutes, (5 + 20) / 2);
  });

  it('position_id links first; overlapping positions on one symbol with different ids stay apart', () => {
    const events = [
      entry(0, { position_id: 'p1', price: 100 }),
      entry(1, { position_id: 'p2', price: 150 }),
      exitAt(2, { position_id: 'p2', price: 160 }), // FIFO would pick p1; the id says p2: +100
      exitAt(3, { position_id: 'p1', price: 95 }), // −50
    ];
    const m = report(events);
    near(m.total_pnl, 50);
    near(m.largest_win, 100);
    near(m.largest_loss, -50);
    near(m.avg_hold_minutes, (1 + 3) / 2);
  });

  it('a position_id reused after its exit starts a new trade', () => {
    const events = [entry(0, { position_id: 'p', price: 100 }), exitAt(10, { position_id: 'p', price: 101 }), entry(20, { position_id: 'p', price: 200 }), exitAt(30, { position_id: 'p', price: 190 })];
    const t = views(events);
    assert.equal(t.length, 2);
    near(t[0]!.pnl, -100);
    near(t[1]!.pnl, 10);
    assert.notEqual(t[0]!.trade_id, t[1]!.trade_id);
  });

  it('adds, adjustments, stops and fees (rebates negative) belong to the trade; stops are not closed trades', () => {
    const events = [
      entry(0, { position_id: 'p', fee: 1.5 }),
      trade('position_adjusted', 5, { position_id: 'p', quantity: 5, price: 102, fee: 0.75 }),
      trade('stop_loss_hit', 8, { position_id: 'p', pnl: -3, metadata: { exit_reason: 'stop' } }),
      exitAt(10, { position_id: 'p', fee: -0.25 }),
    ];
    const m = report(events);
    assert.equal(m.total_trades, 1, 'stop_loss_hit is a signal, not a trade');
    near(m.total_fees, 2);
    near(m.net_pnl, 100 - 2);
    near(m.total_volume, 1000 + 1100, 'entries and exits only');
    const [t] = views(events);
    assert.deepEqual(t!.events.map((e) => e.event_type), ['trade_entry', 'position_adjusted', 'stop_loss_hit', 'trade_exit']);
    near(t!.fees, 2);
    near(t!.net_pnl, 98);
  });

  it('a cancel closes a trade with an id; an exit with no entry stands alone', () => {
    const events = [entry(0, { position_id: 'c' }), trade('trade_cancelled', 1, { position_id: 'c' }), exitAt(5, { symbol: 'MSFT', pnl: 4 }), exitAt(6, { symbol: 'MSFT' })];
    const m = report(events);
    assert.equal(m.total_trades, 1, 'the MSFT exit without pnl and entry is no closed trade');
    assert.equal(m.open_trades, 0);
    const t = views(events);
    assert.deepEqual(t.map((x) => [x.symbol, x.status, x.opened_at === null]), [['MSFT', 'closed', true], ['MSFT', 'closed', true], ['AAPL', 'cancelled', false]]);
  });

  it('an entry before the range links to an exit in it; open_trades counts what is open at the range end', () => {
    const events = [entry(-2 * 24 * 60, { price: 100, strategy_name: 'swing' }), entry(0, { symbol: 'TSLA' }), exitAt(60, { price: 104 })];
    const m = report(events, '2024-01-02', '2024-01-02');
    assert.equal(m.total_trades, 1);
    near(m.total_pnl, 40);
    assert.deepEqual(Object.keys(m.by_strategy), ['swing']);
    near(m.avg_hold_minutes, 2 * 24 * 60 + 60);
    assert.equal(m.open_trades, 1, 'TSLA');
    assert.equal(report(events, '2023-12-31', '2023-12-31').open_trades, 1, 'the AAPL entry, open on Dec 31');
    assert.equal(report(events, '2024-01-01', '2024-01-01').open_trades, 1);
    const open = tradesIn(eventSetFromEvents(events), parseRange('2024-01-02', '2024-01-02'), { open: true }, Date.parse(at(90)) * 1000);
    assert.deepEqual(open.map((x) => [x.symbol, x.age_minutes]), [['TSLA', 90]]);
  });

  it('events are linked in timestamp order, not file order', () => {
    const m = report([exitAt(10), entry(0)]);
    near(m.total_pnl, 100);
  });

  it('linking over a directory: a ranged report finds an entry logged days earlier', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines([entry(-3 * 24 * 60, { price: 50 }), exitAt(0, { price: 60 })]));
    const a = new LogAnalyzer(dir, { persist: false });
    const m = await a.getTradingMetrics('2024-01-02', '2024-01-02');
    near(m.total_pnl, 100);
    const list = await a.getTrades({ start: '2024-01-02', end: '2024-01-02' });
    assert.equal(list.trades.length, 1);
    assert.equal(list.trades[0]!.opened_at, at(-3 * 24 * 60));
  });

  it("the Python DayBot's logs (five files, no position_id, exits without strategy) link by session and symbol", async () => {
    const dir = tempDir();
    // As seed-notes.md shows them: json.dumps separators, micro-seconds with +00:00, floats.
    const py = (ts: string, id: string, type: string, extra: string) =>
      `{"timestamp": "${ts}", "level": "INFO", "logger": "daybot_audit", "message": "m", "module": "audit_logger", "function": "f", "line": 1, "event_id": "${id}", "event_type": "${type}", "component": "trading", "session_id": "s1", "symbol": "AAPL", ${extra}"metadata": {}, "environment": "test"}\n`;
    const text =
      py('2026-11-22T18:47:00.543641+00:00', '230ad084-e8cb-481e-9f46-560582462b1e', 'trade_entry', '"side": "buy", "quantity": 100.0, "price": 150.25, "order_id": "o1", "strategy_name": "momentum", ') +
      py('2026-11-22T19:32:00.543641+00:00', '230ad084-e8cb-481e-9f46-560582462b1f', 'trade_exit', '"quantity": 100.0, "price": 155.75, "pnl": 550.0, ');
    for (const f of ['audit.log', 'trades.log', 'system.log', 'performance.log']) writeFileSync(join(dir, f), text);
    const m = await new LogAnalyzer(dir, { persist: false }).getTradingMetrics();
    assert.equal(m.total_trades, 1);
    assert.deepEqual(Object.keys(m.by_strategy), ['momentum']);
    near(m.avg_hold_minutes, 45);
  });

  it('linkTrades keeps read order for events at the same instant', () => {
    const linked = linkTrades(eventSetFromEvents([entry(0, { price: 1 }), entry(0, { price: 2 }), exitAt(0, { price: 3 })]));
    assert.equal(linked.events[2]!.record.pnl, 20, 'the first entry read is the oldest');
  });
});
