// `daybook trades` as a user runs it (the real bin) over a directory whose trades link by
// position_id and, without one, first in first out; with fees, partial exits, an open position.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { TradeList } from '@daybook/analytics';

const BIN = fileURLToPath(new URL('../../bin/daybook.js', import.meta.url));
const daybook = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const json = (...args: string[]): TradeList => {
  const r = daybook(...args, '--json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as TradeList;
};

const root = mkdtempSync(join(tmpdir(), 'daybook-cli-trades-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const ev = (f: Record<string, unknown>) => JSON.stringify({ timestamp: '2024-01-02T10:00:00Z', level: 'INFO', event_id: `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`, event_type: 'api_call', session_id: 's1', metadata: {}, ...f });

const dir = join(root, 'logs');
mkdirSync(dir);
writeFileSync(join(dir, 'audit.log'), [
  // P-1: entry, an add, a partial exit and the exit, none with a pnl (derived from the entry), a fee on each.
  ev({ event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', quantity: 10, price: 100, strategy_name: 'momentum', position_id: 'P-1', fee: 1 }),
  ev({ timestamp: '2024-01-02T10:30:00Z', event_type: 'position_adjusted', symbol: 'AAPL', quantity: 5, price: 102, position_id: 'P-1', fee: 0.5 }),
  ev({ timestamp: '2024-01-02T10:45:00Z', event_type: 'trade_partial_exit', symbol: 'AAPL', quantity: 5, price: 108, position_id: 'P-1', fee: 0.5, metadata: { exit_reason: 'scale_out' } }),
  ev({ timestamp: '2024-01-02T11:00:00Z', event_type: 'trade_exit', symbol: 'AAPL', quantity: 5, price: 110, position_id: 'P-1', fee: 0.5, metadata: { exit_reason: 'take_profit_hit' } }),
  // No position_id (the Python DayBot's logs): linked first in first out; a short, so its pnl is (250.125 − 260) × 2.
  ev({ timestamp: '2024-01-03T09:00:00Z', event_type: 'trade_entry', symbol: 'TSLA', side: 'sell', quantity: 2, price: 250.125, strategy_name: 'mean_reversion' }),
  ev({ timestamp: '2024-01-03T11:30:00Z', event_type: 'trade_exit', symbol: 'TSLA', quantity: 2, price: 260, metadata: { exit_reason: 'stop_loss_hit' } }),
  // Still open, a crypto price, a rebate.
  ev({ timestamp: '2024-01-03T12:00:00Z', event_type: 'trade_entry', symbol: 'BTC-USD', side: 'buy', quantity: 0.5, price: 0.00001234, strategy_name: 'momentum', position_id: 'P-2', fee: -0.2 }),
  // Not a trading event: the file ends after every range asked below (a load leaves out a file
  // whose every event is before the range's start, and an entry in it would not link).
  ev({ timestamp: '2024-01-05T09:00:00Z', event_type: 'health_check', metadata: { status: 'healthy' } }),
  'not json',
].join('\n') + '\n');

describe('daybook trades', () => {
  it('--json prints the TradeList: trades newest first, each with derived pnl, fees, net and its events', () => {
    const list = json('trades', '--dir', dir);
    assert.deepEqual(list.trades.map((t) => [t.position_id ?? t.symbol, t.status]), [['P-2', 'open'], ['TSLA', 'closed'], ['P-1', 'closed']]);
    assert.equal(list.open_trades, 1);
    assert.equal(list.bad_lines.invalid_json, 1);
    const p1 = list.trades[2]!;
    assert.equal(p1.pnl, 40 + 50);
    assert.equal(p1.fees, 2.5);
    assert.equal(p1.net_pnl, 87.5);
    assert.equal(p1.hold_minutes, 60);
    assert.equal(p1.exit_reason, 'take_profit_hit');
    assert.deepEqual(p1.events.map((e) => e.event_type), ['trade_entry', 'position_adjusted', 'trade_partial_exit', 'trade_exit']);
    const tsla = list.trades[1]!;
    assert.equal(tsla.position_id, null);
    assert.ok(Math.abs(tsla.pnl! - -19.75) < 1e-9);
    assert.equal(tsla.strategy, 'mean_reversion');
  });

  it('--open, --symbol, --strategy and the range select trades; open_trades counts every open one', () => {
    assert.deepEqual(json('trades', '--dir', dir, '--open').trades.map((t) => t.position_id), ['P-2']);
    assert.deepEqual(json('trades', '--dir', dir, '--symbol', 'AAPL').trades.map((t) => t.position_id), ['P-1']);
    const mr = json('trades', '--dir', dir, '--strategy', 'mean_reversion');
    assert.deepEqual(mr.trades.map((t) => t.symbol), ['TSLA']);
    assert.equal(mr.open_trades, 1, 'whatever the filters');
    assert.deepEqual(json('trades', '--dir', dir, '--strategy', 'momentum', '--symbol', 'TSLA').trades, []);
    assert.deepEqual(json('trades', '--dir', dir, '--date', '2024-01-02').trades.map((t) => t.position_id), ['P-1']);
    // As of the end of 2024-01-02, P-1 is closed and P-2 not entered yet; an open position is listed whatever the range.
    assert.equal(json('trades', '--dir', dir, '--to', '2024-01-02').open_trades, 0);
    const later = json('trades', '--dir', dir, '--from', '2024-01-03T13:00:00Z', '--to', '2024-01-03T18:00:00Z');
    assert.deepEqual(later.trades.map((t) => t.position_id), ['P-2'], 'open at the end, though no event of it is in the range');
    assert.ok(Math.abs(later.trades[0]!.age_minutes! - 6 * 60) < 1e-6, 'age at the end of the range');
  });

  it('tables: open positions with their age, then closed trades; money, prices and durations through format.ts', () => {
    const r = daybook('trades', '--dir', dir, '--to', '2024-01-05');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^range: beginning \.\. 2024-01-05\n3 trades listed; open at the range's end: 1\n/);
    // Narrowed to a symbol, the list is; the open count is every symbol's, and says so.
    const aapl = daybook('trades', '--dir', dir, '--to', '2024-01-05', '--symbol', 'AAPL');
    assert.match(aapl.stdout, /^range: beginning \.\. 2024-01-05\n1 trade listed; open at the range's end \(any symbol or strategy\): 1\n/);
    assert.match(r.stdout, /\nOpen positions\ntrade +symbol +side +strategy +opened_at +age +entry_price +quantity +realized_pnl +fees\n/);
    assert.match(r.stdout, /^P-2 +BTC-USD +buy +momentum +2024-01-03T12:00:00\.000Z +2 d 12 h +\$0\.00001234 +0\.5 +- +-\$0\.20$/m);
    assert.match(r.stdout, /\nClosed trades\n/);
    assert.match(r.stdout, /^P-1 +AAPL +buy +momentum +closed .* 1 h 0 min +\$100\.00 +\$110\.00 +10 +\$90\.00 +\$2\.50 +\$87\.50 +take_profit_hit$/m);
    assert.match(r.stdout, /^0{8}-0{4}-4000-8000-0{11}5 +TSLA +sell +mean_reversion +closed .* 2 h 30 min +\$250\.125 +\$260\.00 +2 +-\$19\.75 +\$0\.00 +-\$19\.75 +stop_loss_hit$/m);
    assert.ok(r.stdout.indexOf('Open positions') < r.stdout.indexOf('Closed trades'));
    assert.match(r.stdout, /\nbad lines skipped: 1 \(invalid_json 1\)\n$/);
    assert.doesNotMatch(r.stdout, /\$-/);
  });

  it('--id lists one trade\'s events in order, by position_id or trade_id; an unknown id is exit 1', () => {
    const r = daybook('trades', '--dir', dir, '--id', 'P-1');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\n== P-1: AAPL buy momentum, closed ==\n/);
    assert.match(r.stdout, /^hold +1 h 0 min$/m);
    assert.match(r.stdout, /^fees +\$2\.50$/m);
    assert.match(r.stdout, /^net_pnl +\$87\.50$/m);
    const events = r.stdout.slice(r.stdout.indexOf('Events (4)')).split('\n').slice(3, 7);
    assert.deepEqual(events.map((l) => l.split(/ +/)[1]), ['trade_entry', 'position_adjusted', 'trade_partial_exit', 'trade_exit']);
    assert.match(events[2]!, /\$108\.00 +5 +\$40\.00 +\$0\.50 +scale_out$/);
    const byId = json('trades', '--dir', dir, '--id', '00000000-0000-4000-8000-000000000005');
    assert.deepEqual(byId.trades.map((t) => t.symbol), ['TSLA']);
    const all = daybook('trades', '--dir', dir, '--events');
    assert.equal(all.stdout.match(/^== /gm)?.length, 3);
    const missing = daybook('trades', '--dir', dir, '--id', 'P-9');
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^daybook trades: no trade P-9 in beginning \.\. end\. .*\[DAYBOOK_E_TRADE_NOT_FOUND\]\n$/);
  });

  it('bad usage exits 2 with a message; a directory without logs exits 1 as report does', () => {
    for (const args of [['--from', '2024-02-30'], ['--from', '2024-02-02', '--to', '2024-02-01'], ['--date', '2024-01-02', '--from', '2024-01-01'], ['--opne'], ['extra'], ['--symbol', '']]) {
      const r = daybook('trades', '--dir', dir, ...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /daybook trades: /, args.join(' '));
    }
    assert.equal(daybook('trades', '--dir', join(root, 'missing')).status, 2, 'a missing directory is bad usage');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const args of [[], ['--json']]) {
      const r = daybook('trades', '--dir', empty, ...args);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^daybook trades: no log files in .*empty.*\[DAYBOOK_E_REPORT_NO_LOGS\]\n$/);
    }
  });

  it('a reader that goes away: exit 0, nothing on stderr', () => {
    // More than a pipe's buffer of output, so that writes go on after the reader has left.
    const big = join(root, 'big');
    mkdirSync(big);
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const t = (m: number) => new Date(Date.UTC(2024, 0, 2) + i * 60_000 + m * 1000).toISOString();
      lines.push(ev({ timestamp: t(0), event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', quantity: 1, price: 100, position_id: `B-${i}` }));
      lines.push(ev({ timestamp: t(30), event_type: 'trade_exit', symbol: 'AAPL', quantity: 1, price: 101, position_id: `B-${i}` }));
    }
    writeFileSync(join(big, 'audit.log'), lines.join('\n') + '\n');
    for (const args of [['trades', '--dir', big], ['trades', '--dir', big, '--events'], ['trades', '--dir', big, '--json']]) {
      const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
      const r = spawnSync('bash', ['-o', 'pipefail', '-c', `${quoted} | true`], { encoding: 'utf8' });
      assert.equal(r.stderr, '', args.join(' '));
      assert.equal(r.status, 0, args.join(' '));
    }
  });
});

describe('daybook report: fees, net P&L and open trades', () => {
  it('the trading table shows total_fees, net_pnl and open_trades with the other figures', () => {
    const r = daybook('report', 'trading', '--dir', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^total_pnl +\$70\.25$/m); // the exits' pnl derived from their entries
    assert.match(r.stdout, /^total_fees +\$2\.30$/m); // a rebate is negative
    assert.match(r.stdout, /^net_pnl +\$67\.95$/m);
    assert.match(r.stdout, /^open_trades +1$/m);
    const day = JSON.parse(daybook('report', 'trading', '--dir', dir, '--date', '2024-01-02', '--json').stdout) as { total_fees: number; net_pnl: number; open_trades: number };
    assert.deepEqual([day.total_fees, day.net_pnl, day.open_trades], [2.5, 87.5, 0]);
    const daily = daybook('report', 'daily', '--dir', dir, '--date', '2024-01-03');
    assert.match(daily.stdout, /^total_fees +-\$0\.20$/m);
    assert.match(daily.stdout, /^open_trades +1$/m);
  });
});

describe('docs/metrics.md', () => {
  it('defines every field the trade list and the trading report print', () => {
    const doc = readFileSync(new URL('../../../../docs/metrics.md', import.meta.url), 'utf8');
    const list = json('trades', '--dir', dir);
    const trading = JSON.parse(daybook('report', 'trading', '--dir', dir, '--json').stdout) as Record<string, unknown>;
    const names = [...Object.keys(list), ...Object.keys(list.trades[0]!), ...Object.keys(list.trades[0]!.events[0]!), ...Object.keys(trading)]
      .filter((k) => k !== 'bad_lines' && k !== 'read_problems'); // defined under "Which events are read"
    const undefinedNames = names.filter((k) => !doc.includes(`\`${k}\``) && !new RegExp(`[{,] ${k}[,} ]`).test(doc));
    assert.deepEqual(undefinedNames, []);
  });
});
