import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { GZIP_HEADER_LATEST, latestField } from '@daybook/core';
import { LogAnalyzer } from './analyzer.js';
import { parseRange, parseTimestamp } from './dates.js';
import type { EventSet } from './event-set.js';
import { computeReport } from './report.js';
import { INDEX_DIR } from './segment-index.js';
import { decodePart, STORE_VERSION } from './segment-store.js';
import { FileSource } from './source.js';
import { ev, exit, lines, tempDir } from './test/helpers.js';

// A ranged load leaves out the backups whose every event precedes its start, but keeps their
// trading rows: linking (metrics.md "Trades") reads every trading event, so an entry made days
// before the range links to an exit in it. Those rows come from the segment index when it has
// them, else from a prefiltered read of the file (prefilter.ts), stored for the next process.

const us = (iso: string): number => parseTimestamp(iso)!;
const DAY5 = '2024-01-05';

/** A gzipped backup as daybook's compressor writes it: its latest event time in the header, so it is left out unread. */
const daybookGzip = (text: string, latest: string): Buffer => Buffer.concat([GZIP_HEADER_LATEST.subarray(0, 16), latestField(latest), gzipSync(text).subarray(10)]);

const apiCalls = (day: string, n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ev({ timestamp: `${day}T0${i % 9}:1${i % 6}:00.000Z`, event_type: 'api_call', latency_ms: 10 + i, metadata: { status_code: 200 } }));

/**
 * Five days. Day 1 (a daybook gzip, left out unread): a Python-style entry (no position_id)
 * of MSFT, a bad line. Day 2 (plain): entry p1 with a position_id, entry and exit of p2.
 * Day 3 (gzip without the header field: scanned): entry p3, never closed, and an identical copy
 * of p1's entry line. Day 5 (current): the exits of p1 and of MSFT, without pnl (`ownPnl`:
 * with their own pnl, strategy and hold time, so that nothing in them depends on linking).
 */
function directory(ownPnl = false): { dir: string; p1Entry: string } {
  const dir = tempDir();
  const own = (pnl: number): Record<string, unknown> => (ownPnl ? { pnl, strategy_name: 'own', metadata: { hold_time_minutes: 60 } } : {});
  const msft = ev({ timestamp: '2024-01-01T09:00:00.000Z', event_type: 'trade_entry', symbol: 'MSFT', side: 'sell', price: 50, quantity: 2, session_id: 'py', strategy_name: 'fade' });
  const day1 = lines([msft, ...apiCalls('2024-01-01', 20), ev({ timestamp: '2024-01-01T23:00:00.000Z', level: 'ERROR', event_type: 'system_error' })]) + '{"timestamp":"2024-01-01T23:30:00.000Z",broken\n';
  writeFileSync(join(dir, 'audit.log.3.gz'), daybookGzip(day1, '2024-01-01T23:30:00.000Z'));
  const p1 = ev({ timestamp: '2024-01-02T10:00:00.000Z', event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', price: 100, quantity: 10, position_id: 'p1', strategy_name: 'mom' });
  const p1Entry = JSON.stringify(p1);
  const day2 = [
    ...apiCalls('2024-01-02', 10),
    p1,
    ev({ timestamp: '2024-01-02T11:00:00.000Z', event_type: 'trade_entry', symbol: 'TSLA', side: 'buy', price: 10, quantity: 1, position_id: 'p2' }),
    exit('2024-01-02T12:00:00.000Z', 7, { symbol: 'TSLA', position_id: 'p2' }),
  ];
  writeFileSync(join(dir, 'audit.log.2'), lines(day2));
  const day3 = lines([...apiCalls('2024-01-03', 10), ev({ timestamp: '2024-01-03T10:00:00.000Z', event_type: 'trade_entry', symbol: 'NVDA', side: 'buy', price: 5, quantity: 3, position_id: 'p3' })]) + `${p1Entry}\n`;
  writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(day3));
  writeFileSync(join(dir, 'audit.log'), lines([
    ...apiCalls(DAY5, 10),
    ev({ timestamp: '2024-01-05T10:00:00.000Z', event_type: 'trade_exit', component: 'trading', symbol: 'AAPL', price: 110, quantity: 10, position_id: 'p1', ...own(100) }),
    ev({ timestamp: '2024-01-05T11:00:00.000Z', event_type: 'trade_exit', component: 'trading', symbol: 'MSFT', price: 45, quantity: 2, session_id: 'py', ...own(10) }),
    ev({ timestamp: '2024-01-05T12:00:00.000Z', level: 'ERROR', event_type: 'system_error' }),
  ]));
  return { dir, p1Entry };
}

const BACKUPS = ['audit.log.3.gz', 'audit.log.2', 'audit.log.1.gz'];

/** The report of day 5, without what changes with the clock. */
async function day5(analyzer: LogAnalyzer): Promise<unknown> {
  return { ...(await analyzer.getReport(DAY5, DAY5)), generated_at: undefined };
}

const indexFiles = (dir: string): string[] => readdirSync(join(dir, INDEX_DIR)).sort();
const trdOf = (dir: string, file: string): string => {
  const st = statSync(join(dir, file));
  return `${st.dev}-${st.ino}.trd`;
};

describe('ranged loads keep what linking needs', () => {
  it('an entry in a gzipped backup days before the range links to an exit in it, as after a full read', async () => {
    const { dir } = directory();
    const source = new FileSource(dir, { persist: false });
    const analyzer = new LogAnalyzer(dir, { source });
    const r = await analyzer.getReport(DAY5, DAY5);
    assert.equal(source.newestLeftOut(), us('2024-01-03T10:00:00.000Z'), 'the three backups were left out');
    // p1: (110 − 100) × 10 = 100; MSFT, sold short: (45 − 50) × 2 × −1 = 10.
    assert.equal(r.trading_metrics.total_trades, 2);
    assert.equal(r.trading_metrics.total_pnl, 110);
    assert.equal(r.trading_metrics.open_trades, 1, 'p3, entered on day 3');
    assert.deepEqual(r.symbol_performance.map((s) => [s.symbol, s.total_pnl]).sort(), [['AAPL', 100], ['MSFT', 10]]);
    const trades = await analyzer.getTrades({ start: DAY5, end: DAY5 });
    assert.deepEqual(trades.trades.map((t) => [t.symbol, t.status, t.opened_at, t.strategy]), [
      ['NVDA', 'open', '2024-01-03T10:00:00.000Z', 'unknown'],
      ['AAPL', 'closed', '2024-01-02T10:00:00.000Z', 'mom'],
      ['MSFT', 'closed', '2024-01-01T09:00:00.000Z', 'fade'],
    ]);
    assert.equal(r.bad_lines.total, 0, 'the bad line of a backup left out is not counted');
    const full = new LogAnalyzer(dir, { persist: false });
    await full.load();
    assert.deepEqual(await day5(full), await day5(new LogAnalyzer(dir, { persist: false })), 'the same report after a full read');
  });

  it('the EventSet holds the trading rows of the files left out, de-duplicated in read order, and nothing else of them', async () => {
    const { dir } = directory();
    const set = await new FileSource(dir, { persist: false }).load({ since: us(`${DAY5}T00:00:00Z`) });
    const rows = (file: string) => {
      const i = set.segments.findIndex((s) => s.source === join(dir, file));
      const s = set.segments[i]!;
      const keep = set.keep[i]!;
      // Only trading rows; a copy may be compacted away (source.ts absorb) or marked 0.
      assert.equal(s.trades.length, s.n);
      return { counted: s.trades.filter((t) => keep[t.row] === 1).map((t) => t.positionId || t.symbol), bad: Object.values(s.bad).reduce((a, b) => a + b, 0) };
    };
    assert.deepEqual(rows('audit.log.3.gz'), { counted: ['MSFT'], bad: 0 });
    assert.deepEqual(rows('audit.log.2'), { counted: ['p1', 'p2', 'p2'], bad: 0 });
    assert.deepEqual(rows('audit.log.1.gz'), { counted: ['p3'], bad: 0 }, 'the copy of p1\'s entry is not counted twice');
    assert.equal(set.bad.invalid_json, 0);
    assert.deepEqual(set.problems, []);
  });

  it('a ranged report with and without the backups\' trading rows gives the same figures but open_trades', async () => {
    const { dir } = directory(true);
    const range = parseRange(DAY5, DAY5);
    const set = await new FileSource(dir, { persist: false }).load({ since: range.start });
    const current = set.segments.map((s, i) => [s, set.keep[i]!] as const).filter(([s]) => s.source === join(dir, 'audit.log'));
    const without: EventSet = { ...set, segments: current.map(([s]) => s), keep: current.map(([, k]) => k) };
    assert.ok(without.segments.length < set.segments.length);
    const a = computeReport(set, range);
    const b = computeReport(without, range);
    assert.equal(a.trading_metrics.open_trades, 1);
    assert.equal(b.trading_metrics.open_trades, 0);
    assert.deepEqual({ ...a, trading_metrics: { ...a.trading_metrics, open_trades: 0 } }, b);
    assert.equal(a.trading_metrics.total_trades, 2);
  });

  it('a ranged load stores the backups\' trading rows; the next process loads them, not the files', async () => {
    const { dir, p1Entry } = directory();
    // Whole seconds: utimes then gives back exactly this mtime (below).
    const path = join(dir, 'audit.log.2');
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const expected = await day5(new LogAnalyzer(dir, { persist: false }));
    assert.deepEqual(await day5(new LogAnalyzer(dir)), expected);
    const current = statSync(join(dir, 'audit.log'));
    assert.deepEqual(indexFiles(dir), [...BACKUPS.map((f) => trdOf(dir, f)), `${current.dev}-${current.ino}-0.seg`].sort(), 'trading rows of each backup, the current file whole');
    // The plain backup changes in place (same size and mtime): only the stored rows still say 100.
    writeFileSync(path, readFileSync(path, 'utf8').replace(p1Entry, p1Entry.replace('"price":100', '"price":200')));
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    assert.deepEqual(await day5(new LogAnalyzer(dir)), expected);
    const reread = (await new LogAnalyzer(dir, { persist: false }).getReport(DAY5, DAY5)).trading_metrics.total_pnl;
    assert.equal(reread, 10 - 900, 'a new read of the file links p1 to the changed price');
  });

  it('a backup read whole stores its trading rows too; one stored before (no .trd) gets them on its next load', async () => {
    const { dir } = directory();
    const expected = await day5(new LogAnalyzer(dir, { persist: false }));
    await new LogAnalyzer(dir).getReport();
    const trd = BACKUPS.map((f) => trdOf(dir, f));
    assert.deepEqual(indexFiles(dir).filter((n) => n.endsWith('.trd')), [...trd].sort());
    assert.deepEqual(await day5(new LogAnalyzer(dir)), expected);
    for (const n of trd) rmSync(join(dir, INDEX_DIR, n));
    assert.deepEqual(await day5(new LogAnalyzer(dir)), expected, 'from the stored segments');
    assert.deepEqual(indexFiles(dir).filter((n) => n.endsWith('.trd')), [...trd].sort(), 'stored again');
    // A damaged one is ignored, deleted and written again.
    writeFileSync(join(dir, INDEX_DIR, trd[0]!), 'not a part');
    assert.deepEqual(await day5(new LogAnalyzer(dir)), expected);
    assert.notEqual(readFileSync(join(dir, INDEX_DIR, trd[0]!), 'utf8'), 'not a part');
  });

  it('a .trd of an older format, or cut short, is ignored and written again from the file', async () => {
    const { dir, p1Entry } = directory();
    const path = join(dir, 'audit.log.2');
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    await new LogAnalyzer(dir).getReport(DAY5, DAY5);
    const trd = join(dir, INDEX_DIR, trdOf(dir, 'audit.log.2'));
    const stored = readFileSync(trd);
    // The file changes in place (same size and mtime): a .trd taken for valid still says 100.
    writeFileSync(path, readFileSync(path, 'utf8').replace(p1Entry, p1Entry.replace('"price":100', '"price":200')));
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const older = Buffer.from(stored);
    older.writeUInt32LE(STORE_VERSION - 1, 4); // outside the checksum: only the version says it
    for (const [what, bytes] of [['older format', older], ['cut short', stored.subarray(0, stored.length >> 1)]] as const) {
      writeFileSync(trd, bytes);
      const r = await new LogAnalyzer(dir).getReport(DAY5, DAY5);
      assert.equal(r.trading_metrics.total_pnl, 10 - 900, `${what}: p1 linked from the file as it is now`);
      const again = readFileSync(trd);
      assert.equal(again.readUInt32LE(4), STORE_VERSION, `${what}: written again`);
      assert.ok(decodePart(again)?.trades !== undefined, `${what}: whole`);
    }
  });

  it('a backup left out and then needed whole comes from its stored segments when the index has them', async () => {
    const { dir, p1Entry } = directory();
    const path = join(dir, 'audit.log.2');
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const expected = { ...(await new LogAnalyzer(dir).getReport()), generated_at: undefined };
    writeFileSync(path, readFileSync(path, 'utf8').replace(p1Entry, p1Entry.replace('"price":100', '"price":200')));
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    const analyzer = new LogAnalyzer(dir);
    await analyzer.getReport(DAY5, DAY5); // the backups' trading rows only
    assert.deepEqual({ ...(await analyzer.getReport()), generated_at: undefined }, expected, 'not the changed file');
  });

  it('loads from newestLeftOut(), newest first, give the same ranged report at every step', async () => {
    const { dir } = directory();
    const source = new FileSource(dir, { persist: false });
    const range = parseRange(DAY5, DAY5);
    const report = async (since: number): Promise<unknown> => ({ ...computeReport(await source.load({ since }), range), generated_at: undefined });
    const first = await report(range.start);
    let steps = 0;
    for (let t = source.newestLeftOut(); t !== undefined; t = source.newestLeftOut(), steps++) {
      await source.load({ since: t });
      assert.deepEqual(await report(range.start), first);
    }
    assert.equal(steps, 3);
    // Everything read: the bad lines of the backups count now, the figures are the same.
    const all = (await report(-Infinity)) as typeof first & { bad_lines: { total: number } };
    assert.deepEqual({ ...all, bad_lines: undefined }, { ...(first as object), bad_lines: undefined });
    assert.equal(all.bad_lines.total, 1);
  });

  it('a damaged backup left out is named in read_problems, and its rows are not stored', async () => {
    const { dir } = directory();
    const body = daybookGzip(lines([ev({ timestamp: '2023-12-31T10:00:00.000Z', event_type: 'trade_entry', position_id: 'p0' })]), '2023-12-31T10:00:00.000Z');
    writeFileSync(join(dir, 'audit.log.4.gz'), body.subarray(0, body.length - 12));
    const r = await new LogAnalyzer(dir).getReport(DAY5, DAY5);
    assert.deepEqual(r.read_problems.map((p) => [p.file.endsWith('audit.log.4.gz'), p.code]), [[true, 'DAYBOOK_W_READ_GZIP']]);
    assert.equal(r.trading_metrics.total_pnl, 110);
    assert.ok(!indexFiles(dir).includes(trdOf(dir, 'audit.log.4.gz')));
  });
});
