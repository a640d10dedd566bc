import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closeAuditLogger, EventType, initializeAuditLogger } from '@daybook/core';
import { LogAnalyzer } from './analyzer.js';
import { ANALYTICS_ERROR_CODES, READ_PROBLEM_CODES } from './codes.js';
import { EXPORT_COLUMNS } from './export-csv.js';
import { ev, exit, lines, tempDir } from './test/helpers.js';

async function loggedDir(): Promise<string> {
  const dir = tempDir();
  const audit = initializeAuditLogger({ logDir: dir, consoleLevel: false, sessionId: 'sess_1', environment: 'test' });
  audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 100, price: 150.25, orderId: 'o1', strategyName: 'momentum', riskPercent: 0.01, portfolioValue: 10_000 });
  audit.logTradeExit({ symbol: 'AAPL', quantity: 100, price: 155.75, pnl: 550, orderId: 'o2', reason: 'take_profit_hit', strategyName: 'momentum', metadata: { hold_time_minutes: 45 } });
  audit.logTradeExit({ symbol: 'TSLA', quantity: 10, price: 200, pnl: -120.5, orderId: 'o3', reason: 'stop_loss_hit', metadata: { note: 'a "quoted", text\nwith a line break' } });
  audit.logApiCall({ endpoint: '/v2/positions', method: 'GET', statusCode: 200, latencyMs: 100 });
  audit.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 503, latencyMs: 300 });
  audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: 'healthy' } });
  audit.logError('API connection failed', 'alpaca_client', { error: new TypeError('socket hang up') });
  audit.logRiskEvent(EventType.PORTFOLIO_HEAT_WARNING, 'High portfolio heat', { portfolioHeat: 0.12 });
  await closeAuditLogger();
  return dir;
}

describe('LogAnalyzer over a directory written by daybook', () => {
  it('computes every report from the files of the real logger, de-duplicated', async () => {
    const dir = await loggedDir();
    const analyzer = new LogAnalyzer(dir);
    const report = await analyzer.generateDailyReport();
    assert.equal(report.date, new Date().toISOString().slice(0, 10));
    assert.deepEqual(Object.keys(report), ['date', 'trading_metrics', 'system_metrics', 'risk_metrics', 'symbol_performance', 'error_summary', 'generated_at', 'bad_lines', 'read_problems']);
    const t = report.trading_metrics;
    assert.equal(t.total_trades, 2);
    assert.equal(t.total_pnl, 550 - 120.5);
    assert.equal(t.starting_equity, 10_000);
    assert.equal(t.total_volume, 15025 + 15575 + 2000);
    assert.deepEqual(Object.keys(t.by_exit_reason).sort(), ['stop_loss_hit', 'take_profit_hit']);
    const s = report.system_metrics;
    assert.equal(s.total_events, 10); // 8 logged + system_start + system_stop, each once although written to 2-3 files
    assert.equal(s.api_calls, 2);
    assert.equal(s.api_errors, 1);
    assert.equal(s.avg_api_latency, 200);
    assert.equal(s.restarts, 1);
    assert.equal(s.error_count, 1);
    assert.equal(s.warning_count, 1);
    assert.equal(report.risk_metrics.max_portfolio_heat, 0.12);
    assert.deepEqual(report.symbol_performance.map((x) => x.symbol), ['AAPL', 'TSLA']);
    assert.equal(report.error_summary.by_error_type.TypeError, 1);
    assert.equal(report.bad_lines.total, 0);
    assert.equal((await analyzer.getSystemMetrics()).total_events, 10);
    assert.equal((await analyzer.getRiskMetrics()).portfolio_heat_warnings, 1);
    assert.equal((await analyzer.getErrorSummary()).total_errors, 1);
    assert.equal((await analyzer.getSymbolPerformance()).length, 2);
    assert.equal((await analyzer.generateDailyReport('2001-01-01')).system_metrics.total_events, 0);
  });

  it('bad dates and options are clear errors', async () => {
    const analyzer = new LogAnalyzer(tempDir());
    await assert.rejects(analyzer.getTradingMetrics('2024-13-45'), { code: 'DAYBOOK_E_DATE_INVALID' });
    await assert.rejects(analyzer.getTradingMetrics('last week'), { code: 'DAYBOOK_E_DATE_INVALID' });
    await assert.rejects(analyzer.getSystemMetrics('2024-02-01', '2024-01-31'), { code: 'DAYBOOK_E_DATE_RANGE' });
    await assert.rejects(analyzer.generateDailyReport('tomorrow'), { code: 'DAYBOOK_E_DATE_INVALID' });
    await assert.rejects(analyzer.getTradingMetrics(new Date(NaN)), /DAYBOOK_E_DATE_INVALID/);
    assert.equal((await analyzer.getTradingMetrics('2024-01-31', '2024-01-31')).total_trades, 0); // one day is fine
    assert.throws(() => new LogAnalyzer('logs', { periodsPerYear: 0 }), { code: 'DAYBOOK_E_OPTION_INVALID' });
    assert.throws(() => new LogAnalyzer('logs', { startingEquity: Number.NaN }), { code: 'DAYBOOK_E_OPTION_INVALID' });
  });

  it('periodsPerYear and startingEquity options', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-05T10:00:00Z', 30), exit('2024-01-08T10:00:00Z', -10)]));
    const a = await new LogAnalyzer(dir, { periodsPerYear: 365, startingEquity: 1000 }).getTradingMetrics();
    assert.equal(a.periods_per_year, 365);
    assert.equal(a.starting_equity, 1000);
    assert.ok(Math.abs(a.sharpe_ratio! - (5 / Math.sqrt(300)) * Math.sqrt(365)) < 1e-9);
  });
});

describe('export', () => {
  it('CSV: fixed columns, metadata as JSON, RFC 4180 quoting, filters, de-duplicated', async () => {
    const dir = await loggedDir();
    const out = join(tempDir(), 'out.csv');
    const r = await new LogAnalyzer(dir).exportLogsToCsv(out, undefined, undefined, [EventType.TRADE_ENTRY, EventType.TRADE_EXIT]);
    assert.equal(r.rows, 3);
    const text = readFileSync(out, 'utf8');
    assert.equal(text.split('\n')[0], EXPORT_COLUMNS.join(','));
    assert.match(text, /"\{""exit_reason"":""stop_loss_hit"",""note"":""a \\""quoted\\"", text\\nwith a line break""\}"/);
    assert.match(text, /,AAPL,buy,100,150\.25,o1,/);
    const symbols = await new LogAnalyzer(dir).exportLogs(join(tempDir(), 'x.csv'), { symbols: ['TSLA'] });
    assert.equal(symbols.rows, 1);
    const none = await new LogAnalyzer(dir).exportLogs(join(tempDir(), 'x.csv'), { sessions: ['other'] });
    assert.equal(none.rows, 0);
    const old = await new LogAnalyzer(dir).exportLogs(join(tempDir(), 'x.csv'), { start: '2001-01-01', end: '2001-01-02' });
    assert.equal(old.rows, 0);
  });

  it('JSON Lines keeps the lines as written; Parquet reads back with DuckDB', async () => {
    const dir = tempDir();
    const events = [ev({ timestamp: '2024-01-01T10:00:00.123456+00:00', event_type: 'trade_exit', symbol: 'AAPL', pnl: 5.0, quantity: 1, price: 2, metadata: { exit_reason: 'x' } }), ev({})];
    writeFileSync(join(dir, 'audit.log'), lines(events) + 'garbage\n' + '2024-01-01 10:00:00,000 | app | ERROR | boom\n');
    writeFileSync(join(dir, 'trades.log'), lines([events[0]!]));
    const jsonl = join(tempDir(), 'out.jsonl');
    const r = await new LogAnalyzer(dir).exportLogs(jsonl);
    assert.equal(r.format, 'jsonl');
    assert.equal(r.rows, 3);
    assert.equal(r.bad_lines.invalid_json, 1);
    const got = readFileSync(jsonl, 'utf8').trim().split('\n');
    assert.equal(got[0], JSON.stringify(events[0]));
    assert.equal(JSON.parse(got[2]!).event_type, 'app_log');
    const parquet = join(tempDir(), 'out.parquet');
    const p = await new LogAnalyzer(dir).exportLogs(parquet, { eventTypes: ['trade_exit'] });
    assert.equal(p.rows, 1);
    const duck = await import('@duckdb/node-api');
    const instance = await duck.DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const rows = (await conn.runAndReadAll(`SELECT pnl, symbol, CAST("timestamp" AS VARCHAR) AS t, metadata FROM read_parquet('${parquet}')`)).getRowObjectsJson();
    conn.closeSync();
    instance.closeSync();
    assert.deepEqual(rows, [{ pnl: 5, symbol: 'AAPL', t: '2024-01-01 10:00:00.123456', metadata: '{"exit_reason":"x"}' }]);
    await assert.rejects(new LogAnalyzer(dir).exportLogs(jsonl, { format: 'xml' as 'csv' }), { code: 'DAYBOOK_E_EXPORT_FORMAT' });
  });
});

describe('loads at the same time', () => {
  it('reports asked while the file grows, without waiting for each other, agree with a fresh reader', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    const batch = (from: number): string => lines(Array.from({ length: 5000 }, (_, i) => exit(`2024-01-05T10:${String((from + i) % 60).padStart(2, '0')}:00Z`, (from + i) % 7 - 3)));
    writeFileSync(file, batch(0));
    const analyzer = new LogAnalyzer(dir, { persist: false });
    const asked = [];
    for (let k = 1; k <= 4; k++) {
      asked.push(analyzer.getTradingMetrics());
      appendFileSync(file, batch(k * 5000));
    }
    const results = await Promise.all(asked);
    // Each load sees the file as it was when it ran: never fewer trades than were there
    // when it was asked, never a trade twice.
    results.forEach((r, k) => assert.ok(r.total_trades >= (k + 1) * 5000 && r.total_trades <= 25000, `load ${k}: ${r.total_trades} trades`));
    assert.deepEqual(await analyzer.getTradingMetrics(), await new LogAnalyzer(dir, { persist: false }).getTradingMetrics());
  });

  it('a load that fails (the directory is not there yet) does not stop the ones after it', async () => {
    const dir = join(tempDir(), 'later');
    const analyzer = new LogAnalyzer(dir, { persist: false });
    const first = analyzer.getTradingMetrics();
    const second = analyzer.getTradingMetrics();
    await assert.rejects(first, { code: 'DAYBOOK_E_READ_DIR' });
    await assert.rejects(second, { code: 'DAYBOOK_E_READ_DIR' });
    mkdirSync(dir);
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-05T10:00:00Z', 30)]));
    assert.equal((await analyzer.getTradingMetrics()).total_trades, 1);
  });
});

describe('error codes', () => {
  it('every code is documented in README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of [...Object.keys(ANALYTICS_ERROR_CODES), ...Object.keys(READ_PROBLEM_CODES)]) assert.ok(readme.includes(code), `${code} missing from README.md`);
  });
});
