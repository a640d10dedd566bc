import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { daybook } from '../test/run.js';

// The real bin, as a user runs it.

const dir = mkdtempSync(join(tmpdir(), 'daybook-cli-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const ev = (f: Record<string, unknown>) => JSON.stringify({ timestamp: '2024-01-02T10:00:00Z', level: 'INFO', event_id: `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`, event_type: 'api_call', session_id: 's1', metadata: {}, ...f });
const logs = [
  ev({ event_type: 'trade_entry', symbol: 'AAPL', quantity: 10, price: 100, strategy_name: 'momentum' }),
  ev({ timestamp: '2024-01-02T11:00:00Z', event_type: 'trade_exit', symbol: 'AAPL', quantity: 10, price: 110, pnl: 100, metadata: { exit_reason: 'take_profit_hit' } }),
  ev({ timestamp: '2024-01-03T11:00:00Z', event_type: 'trade_exit', symbol: 'TSLA', quantity: 1, price: 50, pnl: -40 }),
  ev({ latency_ms: 120, metadata: { status_code: 200 } }),
  ev({ timestamp: '2024-01-03T09:00:00Z', level: 'ERROR', event_type: 'system_error', component: 'broker', message: 'Order 7 rejected' }),
  ev({ event_type: 'risk_limit_hit', level: 'WARNING', portfolio_heat: 0.2 }),
  'not json',
].join('\n') + '\n';
writeFileSync(join(dir, 'audit.log'), logs);
writeFileSync(join(dir, 'trades.log'), logs.split('\n').slice(0, 3).join('\n') + '\n');

describe('daybook report', () => {
  it('--help on each command, exit 0', () => {
    for (const cmd of ['report', 'export', 'query']) {
      const r = daybook(cmd, '--help');
      assert.equal(r.status, 0, cmd);
      assert.match(r.stdout, new RegExp(`Usage: daybook ${cmd}`));
    }
    assert.match(daybook('--help').stdout, /report .*\n.*export/s);
  });

  it('--json prints the metrics.md fields with the bad-line count', () => {
    const r = daybook('report', 'trading', '--dir', dir, '--json');
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    assert.equal(m.total_trades, 2);
    assert.equal(m.total_pnl, 60);
    assert.equal(m.profit_factor, 2.5);
    assert.equal(m.bad_lines.invalid_json, 1);
    const day = JSON.parse(daybook('report', 'trading', '--dir', dir, '--json', '--date', '2024-01-02').stdout);
    assert.equal(day.total_pnl, 100);
    const range = JSON.parse(daybook('report', 'system', '--dir', dir, '--json', '--from', '2024-01-03', '--to', '2024-01-03').stdout);
    assert.equal(range.total_events, 2);
    const sym = JSON.parse(daybook('report', 'symbols', '--dir', dir, '--json').stdout);
    assert.deepEqual(sym.symbol_performance.map((s: { symbol: string }) => s.symbol), ['AAPL', 'TSLA']);
    const risk = JSON.parse(daybook('report', 'risk', '--dir', dir, '--json').stdout);
    assert.equal(risk.max_portfolio_heat, 0.2);
    const errors = JSON.parse(daybook('report', 'errors', '--dir', dir, '--json').stdout);
    assert.equal(errors.top_messages[0].message, 'Order # rejected');
    const daily = JSON.parse(daybook('report', 'daily', '--dir', dir, '--json', '--date', '2024-01-03').stdout);
    assert.equal(daily.date, '2024-01-03');
    assert.equal(daily.trading_metrics.total_pnl, -40);
  });

  it('readable tables without --json', () => {
    const r = daybook('report', '--dir', dir, '--date', '2024-01-02');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Daily report 2024-01-02/);
    assert.match(r.stdout, /total_pnl\s+\$100\.00/);
    assert.match(r.stdout, /bad lines skipped: 1 \(invalid_json 1\)/);
    assert.match(daybook('report', 'symbols', '--dir', dir).stdout, /AAPL\s+1\s+1\s+0/);
  });

  it('bad usage exits 2 with a message', () => {
    for (const args of [['report', 'weekly', '--dir', dir], ['report', 'trading', '--dir', dir, '--from', '2024-02-30'], ['report', 'trading', '--dir', join(dir, 'missing')], ['report', '--nope'], ['report', 'trading', '--dir', dir, '--from', '2024-02-02', '--to', '2024-02-01'], ['export', '--dir', dir]]) {
      const r = daybook(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /daybook (report|export): /);
    }
  });
});

describe('daybook report and the segment index', () => {
  const own = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'daybook-cli-index-'));
    after(() => rmSync(d, { recursive: true, force: true }));
    writeFileSync(join(d, 'audit.log'), logs);
    return d;
  };

  it('keeps the parsed logs in .daybook/index/ for the next run; --no-index neither reads nor writes it', () => {
    const d = own();
    const off = daybook('report', 'daily', '--dir', d, '--date', '2024-01-02', '--json', '--no-index');
    assert.equal(off.status, 0, off.stderr);
    assert.equal(existsSync(join(d, '.daybook')), false);
    const first = daybook('report', 'daily', '--dir', d, '--date', '2024-01-02', '--json');
    assert.equal(readdirSync(join(d, '.daybook', 'index')).length, 1);
    const second = daybook('report', 'daily', '--dir', d, '--date', '2024-01-02', '--json');
    const figures = (r: { stdout: string }) => ({ ...JSON.parse(r.stdout), generated_at: undefined });
    assert.deepEqual(figures(first), figures(off));
    assert.deepEqual(figures(second), figures(off));
  });

  it('an index that cannot be written: the report, and one problem line', () => {
    const d = own();
    writeFileSync(join(d, '.daybook'), 'not a directory');
    const r = daybook('report', 'trading', '--dir', d);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /total_trades|Trades/i);
    assert.equal(r.stdout.match(/\[DAYBOOK_W_INDEX_WRITE\]/g)?.length, 1, r.stdout); // one problem line (and its hint)
  });
});

describe('daybook report: warnings', () => {
  it('files not read and lines no checkpoint vouches for are listed after the tables, with what to do', () => {
    const d = mkdtempSync(join(tmpdir(), 'daybook-cli-warnings-'));
    after(() => rmSync(d, { recursive: true, force: true }));
    writeFileSync(join(d, 'audit.log'), logs);
    writeFileSync(join(d, 'audit.log.0'), logs);
    mkdirSync(join(d, '.daybook'));
    // a checkpoint of 2 lines: the other lines of audit.log come after it
    writeFileSync(join(d, '.daybook', 'audit.log.chain'), JSON.stringify({ v: 1, kind: 'checkpoint', stream: 'audit.log', gen: 0, line: 2, hash: '0'.repeat(64), time: '2024-01-02T12:00:00.000Z', prev: '0'.repeat(64) }) + '\n');
    const r = daybook('report', 'trading', '--dir', d, '--no-index');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /total_trades/);
    assert.match(r.stdout, /\nwarnings \(2\):\n/);
    assert.match(r.stdout, /warning: .*audit\.log\.0: not read: audit\.log\.0 is not a name daybook writes .* \[DAYBOOK_W_READ_STRAY_FILE\]\n/);
    assert.match(r.stdout, /warning: .*audit\.log: 5 lines, from 2024-01-02T10:00:00\.000Z to 2024-01-03T11:00:00\.000Z come after the last checkpoint .* \[DAYBOOK_W_READ_UNVOUCHED\]\n/);
    assert.match(r.stdout, /  DAYBOOK_W_READ_STRAY_FILE: .*Move it out of the log directory/);
    const json = JSON.parse(daybook('report', 'trading', '--dir', d, '--no-index', '--json').stdout) as { read_problems: { code: string }[] };
    assert.deepEqual(json.read_problems.map((p) => p.code), ['DAYBOOK_W_READ_STRAY_FILE', 'DAYBOOK_W_READ_UNVOUCHED']);
  });
});

describe('daybook report: events outside audit.log', () => {
  it('a forged trade in bot.log beside audit.log is not counted, and is a warning with what to do', () => {
    const d = mkdtempSync(join(tmpdir(), 'daybook-cli-foreign-'));
    after(() => rmSync(d, { recursive: true, force: true }));
    writeFileSync(join(d, 'audit.log'), logs);
    writeFileSync(join(d, 'bot.log'), ev({ timestamp: '2024-01-03T12:00:00Z', event_type: 'trade_exit', symbol: 'FAKE', quantity: 1, price: 1, pnl: 100000 }) + '\n');
    const json = JSON.parse(daybook('report', 'trading', '--dir', d, '--no-index', '--json').stdout) as { total_pnl: number; read_problems: { code: string }[] };
    assert.equal(json.total_pnl, 60);
    assert.deepEqual(json.read_problems.map((p) => p.code), ['DAYBOOK_W_READ_FOREIGN_EVENTS']);
    const r = daybook('report', 'trading', '--dir', d, '--no-index');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /warning: 1 audit event in .*bot\.log is not counted: daybook writes events only to audit\.log; run `daybook verify` \[DAYBOOK_W_READ_FOREIGN_EVENTS\]\n/);
    assert.match(r.stdout, /  DAYBOOK_W_READ_FOREIGN_EVENTS: .*Run daybook verify/);
  });
});

describe('daybook export', () => {
  it('writes CSV with the fixed columns, filtered', () => {
    const out = join(dir, 'out.csv');
    const r = daybook('export', '--dir', dir, '--out', out, '--types', 'trade_entry,trade_exit', '--symbols', 'AAPL');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote 2 events/);
    const csv = readFileSync(out, 'utf8').split('\n');
    assert.match(csv[0]!, /^timestamp,level,event_type,component,message,event_id,/);
    assert.equal(csv.length, 4); // header, 2 rows, final newline
  });

  it('writes JSON Lines and reports as JSON', () => {
    const out = join(dir, 'out.jsonl');
    const r = daybook('export', '--dir', dir, '-o', out, '--date', '2024-01-03', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rows, 2);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 2);
  });
});

describe('daybook query', () => {
  it('runs SQL over the events', () => {
    const r = daybook('query', "SELECT symbol, sum(pnl) AS pnl FROM events WHERE event_type = 'trade_exit' GROUP BY 1 ORDER BY 1", '--dir', dir, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ symbol: 'AAPL', pnl: 100 }, { symbol: 'TSLA', pnl: -40 }]);
    const bad = daybook('query', 'SELECT nope FROM events', '--dir', dir);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /DAYBOOK_E_QUERY_SQL/);
  });

  it('columns named from the logs (__proto__) and twice the same name are columns like any other, in the table and in JSON', () => {
    const sql = `SELECT 7 AS "__proto__", {'x': 1} AS "constructor", 1 AS a, 2 AS a`;
    const json = daybook('query', sql, '--dir', dir, '--json');
    assert.equal(json.status, 0, json.stderr);
    const [row] = JSON.parse(json.stdout) as Record<string, unknown>[];
    assert.deepEqual(Object.entries(row!), [['__proto__', 7], ['constructor', { x: 1 }], ['a', 1], ['a:1', 2]]);
    const table = daybook('query', sql, '--dir', dir);
    assert.equal(table.status, 0, table.stderr);
    const [head, , values] = table.stdout.split('\n').filter((l) => /\S/.test(l) && !/^[\s─┌┐└┘├┤┬┴┼│-]+$/.test(l));
    assert.match(head!, /__proto__.*constructor.*a.*a:1/);
    assert.match(values ?? table.stdout, /7.*x.*1.*2/);
  });
});
