import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isoOf, LogAnalyzer, parseRange, type LogAnalyzerOptions } from '@daybook/analytics';
import { ClickHouseAnalyzer, type ClickHouseAnalyzerOptions } from './analyzer.js';
import { clientRunner, parseJsonEachRow, type QueryRunner } from './runner.js';
import { connect, clickhouseTarget } from './connect.js';
import { createSettings, createStatements } from './schema.js';
import { same } from './test/same.js';
import { allFiles, appLog, auditFiles, insertSql, loggedBot, pythonBot, rowsOf } from './test/fleet.js';
import { chdbMissing, chdbSession, type ChdbSession } from './test/chdb.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from './test/server.js';
import type { Row } from './row.js';

// Every figure of every report computed in ClickHouse equals the file analyzer's on the same
// events, to 1e-9: on Debian's ClickHouse 18.16 and, with the same SQL, on a current ClickHouse
// (chdb). The fleet: two bots written by core's logger (host h1) and a Python DayBot
// directory (host h2, its five files shipped, so each event arrives several times); one
// bot's lines are inserted twice, so that only FINAL keeps the figures right.

interface Fleet {
  root: string;
  bot1: string;
  bot2: string;
  py: string;
  empty: string;
  /** Per insert (a part of its own before merges). */
  inserts: Row[][];
}

let made: Promise<Fleet> | undefined;
/** The fixture, written once for both servers. */
const fleet = (): Promise<Fleet> => (made ??= makeFleet());
after(async () => {
  if (made !== undefined) rmSync((await made).root, { recursive: true, force: true });
});

async function makeFleet(): Promise<Fleet> {
  const root = mkdtempSync(join(tmpdir(), 'daybook-chq-'));
  const bot1 = join(root, 'a-bot1');
  const bot2 = join(root, 'b-bot2');
  const py = join(root, 'c-py');
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await loggedBot(bot1, 1);
  await loggedBot(bot2, 2, Date.UTC(2024, 2, 6, 13, 30));
  pythonBot(py);
  // bot1 runs an app beside its audit log: its text lines count in the reports, as app_log events.
  const r1 = rowsOf([...auditFiles(bot1), appLog(bot1, 'trader', Date.UTC(2024, 2, 3, 8, 1, 2, 345))], 'a-bot1', 'h1');
  const r2 = rowsOf(auditFiles(bot2), 'b-bot2', 'h1');
  const r3 = rowsOf(allFiles(py), 'c-py', 'h2');
  return { root, bot1, bot2, py, empty, inserts: [r1, r2, r3, r1.slice(0, Math.floor(r1.length / 2)), r1] };
}

const ranges: [string | undefined, string | undefined][] = [
  [undefined, undefined],
  ['2024-03-04', '2024-03-09'],
  ['2024-03-05T10:00:00Z', '2024-03-12T17:45:30.5Z'],
  ['2026-11-21', '2026-11-23'],
  ['2001-01-01', '2001-01-01'],
];
const boundedRanges = ranges.filter(([a, b]) => a !== undefined && b !== undefined) as [string, string][];

/** The file analyzer and the ClickHouse one over the same events, as pairs to compare. */

function pairs(f: Fleet, runner: QueryRunner): [string, LogAnalyzer, ClickHouseAnalyzer][] {
  const files = (dirs: string | string[], o: LogAnalyzerOptions = {}) => new LogAnalyzer(dirs, { persist: false, threads: 1, ...o });
  const ch = (o: ClickHouseAnalyzerOptions = {}) => new ClickHouseAnalyzer(runner, { database: 'daybook', ...o });
  return [
    ['the fleet', files([f.bot1, f.bot2, f.py]), ch()],
    ['bot a-bot1', files(f.bot1), ch({ bot: 'a-bot1' })],
    ['host h1', files([f.bot1, f.bot2]), ch({ host: 'h1' })],
    ['the Python bot, 365 periods', files(f.py, { periodsPerYear: 365 }), ch({ bot: 'c-py', periodsPerYear: 365 })],
    ['bot b-bot2 with starting equity', files(f.bot2, { startingEquity: 25_000 }), ch({ bot: 'b-bot2', startingEquity: 25_000 })],
    ['no events', files(f.empty), ch({ bot: 'nobody' })],
  ];
}

async function compareAll(f: Fleet, runner: QueryRunner): Promise<number> {
  let compared = 0;
  for (const [what, files, ch] of pairs(f, runner)) {
    for (const [a, b] of ranges) {
      const at = `${what} ${a ?? '-'}..${b ?? '-'}`;
      same(await ch.getReport(a, b), await files.getReport(a, b), `${at} getReport`);
      compared++;
      // Each report on its own too (they share getReport's parts), on two of the ranges.
      if (a !== undefined && !a.includes('T')) continue;
      same(await ch.getTradingMetrics(a, b), await files.getTradingMetrics(a, b), `${at} getTradingMetrics`);
      same(await ch.getSystemMetrics(a, b), await files.getSystemMetrics(a, b), `${at} getSystemMetrics`);
      same(await ch.getRiskMetrics(a, b), await files.getRiskMetrics(a, b), `${at} getRiskMetrics`);
      same(await ch.getSymbolPerformance(a, b), await files.getSymbolPerformance(a, b), `${at} getSymbolPerformance`);
      same(await ch.getErrorSummary(a, b), await files.getErrorSummary(a, b), `${at} getErrorSummary`);
      compared += 5;
    }
    for (const [a, b] of boundedRanges) {
      const at = `${what} ${a}..${b}`;
      same(await ch.getTrades({ start: a, end: b }), await files.getTrades({ start: a, end: b }), `${at} getTrades`);
      same(await ch.getTrades({ start: a, end: b, open: true, symbol: 'AAPL' }), await files.getTrades({ start: a, end: b, open: true, symbol: 'AAPL' }), `${at} getTrades open AAPL`);
      for (const bucket of ['hour', 'day'] as const) {
        same(await ch.getTimeseries(a, b, bucket, { maxTrades: 5 }), await files.getTimeseries(a, b, bucket, { maxTrades: 5 }), `${at} getTimeseries ${bucket}`);
      }
      compared += 4;
    }
    const { generated_at: _a, ...daily } = await ch.generateDailyReport('2024-03-07');
    const { generated_at: _b, ...fileDaily } = await files.generateDailyReport('2024-03-07');
    same(daily, fileDaily, `${what} generateDailyReport`);
  }
  return compared;
}

/** The fleet overview: per bot, the file analyzer's figures over that bot's directory. */
async function compareOverview(f: Fleet, runner: QueryRunner): Promise<void> {
  const dirs: Record<string, string> = { 'a-bot1': f.bot1, 'b-bot2': f.bot2, 'c-py': f.py };
  for (const [a, b] of [[undefined, undefined], ['2024-03-04', '2024-03-09']] as const) {
    const o = await new ClickHouseAnalyzer(runner).getFleetOverview(a, b);
    const expected = [];
    for (const [bot, dir] of Object.entries(dirs)) {
      const files = new LogAnalyzer(dir, { persist: false });
      const r = await files.getReport(a, b);
      if (r.system_metrics.total_events === 0) continue;
      const set = await files.load();
      const range = parseRange(a, b);
      let last = -Infinity;
      set.segments.forEach((seg, i) => seg.ts.forEach((t, row) => {
        if (set.keep[i]![row] === 1 && t >= range.start && (range.endExclusive ? t < range.end : t <= range.end) && t > last) last = t;
      }));
      const s = r.system_metrics;
      const t = r.trading_metrics;
      expected.push({
        bot, hosts: [bot === 'c-py' ? 'h2' : 'h1'],
        total_events: s.total_events, error_count: s.error_count, warning_count: s.warning_count, api_calls: s.api_calls,
        avg_api_latency: s.avg_api_latency, p50_api_latency: s.p50_api_latency, p95_api_latency: s.p95_api_latency,
        last_event: isoOf(last), total_trades: t.total_trades, total_pnl: t.total_pnl, net_pnl: t.net_pnl, win_rate: t.win_rate, open_trades: t.open_trades,
      });
    }
    assert.ok(expected.length >= 2);
    same(o.bots, expected, `overview ${a ?? '-'}..${b ?? '-'}`);
  }
  same((await new ClickHouseAnalyzer(runner, { host: 'h2' }).getFleetOverview()).bots.map((x) => x.bot), ['c-py']);
}

/** The figures are not all zero: the fixture exercises what the comparison claims. */
async function fixtureIsRich(runner: QueryRunner): Promise<void> {
  const r = await new ClickHouseAnalyzer(runner).getReport();
  const t = r.trading_metrics;
  assert.ok(t.total_trades > 40, `closed trades: ${t.total_trades}`);
  assert.ok(t.open_trades > 0 && t.total_fees !== 0 && t.max_drawdown > 0 && t.sharpe_ratio !== null && t.avg_hold_minutes !== null);
  assert.ok(Object.keys(t.by_strategy).length >= 3 && Object.keys(t.by_exit_reason).length >= 3);
  const s = r.system_metrics;
  assert.ok(s.api_errors > 0 && s.rate_limit_hits > 0 && s.health_check_failures > 0 && s.uptime_hours > 0 && s.p99_api_latency !== null);
  assert.ok(r.risk_metrics.max_portfolio_heat !== null && r.risk_metrics.max_daily_loss !== null && Object.keys(r.risk_metrics.risk_events_by_day).length > 3);
  assert.ok(r.error_summary.total_errors > 5 && r.error_summary.top_messages.length > 1 && r.error_summary.recent_errors.length === 10);
}

describe('ClickHouseAnalyzer on Debian\'s ClickHouse 18.16', { skip: clickhouseMissing() }, () => {
  let ch: ClickHouseInstance;
  let f: Fleet;
  let runner: QueryRunner;
  let close: () => Promise<void>;
  before(async () => {
    [ch, f] = await Promise.all([startClickHouse(), fleet()]);
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${ch.url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    for (const rows of f.inserts) await ch.query(insertSql('daybook', rows));
    const client = connect(clickhouseTarget(ch.url));
    runner = clientRunner(client);
    close = () => client.close();
  });
  after(async () => {
    await close?.();
    await ch?.destroy();
  });

  it('holds copies that only FINAL folds (the test would catch a query without it)', async () => {
    const all = Number((await ch.query('SELECT count() FROM daybook.events')).trim());
    const final = Number((await ch.query('SELECT count() FROM daybook.events FINAL')).trim());
    const events = (await new LogAnalyzer([f.bot1, f.bot2, f.py], { persist: false }).getSystemMetrics()).total_events;
    assert.equal(final, events);
    assert.ok(all > final + 100, `${all} rows, ${final} events`);
  });

  it('every figure of every report equals the file analyzer\'s (1e-9): fleet, bot, host, ranges, options, no events', async () => {
    await fixtureIsRich(runner);
    assert.ok((await compareAll(f, runner)) > 100);
  });

  it('the fleet overview: per bot, the file analyzer\'s figures over its directory (events, errors, latency, last event, P&L)', async () => {
    await compareOverview(f, runner);
  });

  it('counts the trades a bot left open before a range (metrics.md open_trades), as the file analyzer does', async () => {
    const ch = await new ClickHouseAnalyzer(runner, { bot: 'a-bot1' }).getTradingMetrics('2026-11-21', '2026-11-23');
    const files = await new LogAnalyzer(f.bot1, { persist: false }).getTradingMetrics('2026-11-21', '2026-11-23');
    const before = await new ClickHouseAnalyzer(runner, { bot: 'a-bot1' }).getTradingMetrics(undefined, '2026-11-23');
    assert.ok(ch.open_trades > 0);
    assert.equal(ch.open_trades, before.open_trades);
    same(ch, files);
  });

  it('bad dates and options are the file analyzer\'s errors', async () => {
    const a = new ClickHouseAnalyzer(runner);
    await assert.rejects(a.getTradingMetrics('2024-13-45'), { code: 'DAYBOOK_E_DATE_INVALID' });
    await assert.rejects(a.getSystemMetrics('2024-02-01', '2024-01-31'), { code: 'DAYBOOK_E_DATE_RANGE' });
    await assert.rejects(a.getTimeseries(undefined, '2024-01-01', 'hour'), { code: 'DAYBOOK_E_OPTION_INVALID' });
    assert.throws(() => new ClickHouseAnalyzer(runner, { periodsPerYear: 0 }), { code: 'DAYBOOK_E_OPTION_INVALID' });
  });

  it('a bot or host name with quotes is a literal, not SQL', async () => {
    const r = await new ClickHouseAnalyzer(runner, { bot: "x' OR 1 = 1 OR bot = '", host: 'h\\' }).getSystemMetrics();
    assert.equal(r.total_events, 0);
  });
});

describe('ClickHouseAnalyzer on a current ClickHouse (chdb), the same SQL', { skip: chdbMissing() }, () => {
  let s: ChdbSession;
  let f: Fleet;
  before(async () => {
    [s, f] = await Promise.all([chdbSession(), fleet()]);
    for (const st of createStatements({ database: 'daybook' })) s.query(st, 'TSV');
    for (const rows of f.inserts) s.query(insertSql('daybook', rows), 'TSV');
  });
  after(() => {
    s?.cleanup?.();
  });

  it('every figure of every report equals the file analyzer\'s (1e-9)', async () => {
    const runner: QueryRunner = { rows: async <T>(sql: string) => parseJsonEachRow<T>(s.query(sql, 'JSONEachRow')) };
    assert.ok(Number(s.query('SELECT count() FROM daybook.events', 'TSV')) > Number(s.query('SELECT count() FROM daybook.events FINAL', 'TSV')));
    await fixtureIsRich(runner);
    assert.ok((await compareAll(f, runner)) > 100);
    await compareOverview(f, runner);
  });
});
