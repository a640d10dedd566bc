import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LogAnalyzer } from './analyzer.js';
import { eventSetFromEvents } from './event-set.js';
import { emptyBadLines } from './bad-lines.js';
import { contentDigest } from './digest.js';
import { listLogFiles, readFileSegments } from './reader.js';
import { FileSource } from './source.js';
import { ev, exit, lines, near, tempDir } from './test/helpers.js';

// The line of seed-notes.md, as the Python DayBot wrote it.
const PYTHON_ENTRY = '{"timestamp": "2026-11-22T18:47:00.543641+00:00", "level": "INFO", "logger": "daybot_audit", "message": "Trade entry: buy 100 AAPL @ $150.25", "module": "audit_logger", "function": "_log_entry", "line": 238, "event_id": "230ad084-e8cb-481e-9f46-560582462b1e", "event_type": "trade_entry", "component": "trading", "session_id": "s1", "symbol": "AAPL", "side": "buy", "quantity": 100.0, "price": 150.25, "order_id": "o1", "risk_percent": 0.01, "metadata": {"stop_loss": 145.0}, "strategy_name": "momentum", "environment": "test"}';
const PYTHON_EXIT = '{"timestamp": "2026-11-22T18:52:00.000001+00:00", "level": "INFO", "logger": "daybot_audit", "message": "Trade exit: AAPL 100 @ $155.75, P&L: $550.00", "event_id": "330ad084-e8cb-481e-9f46-560582462b1e", "event_type": "trade_exit", "component": "trading", "session_id": "s1", "symbol": "AAPL", "quantity": 100.0, "price": 155.75, "pnl": 550.0, "metadata": {"exit_reason": "take_profit_hit", "hold_time_minutes": 45.0}, "environment": "test"}';

describe('lines', () => {
  it('counts every kind of bad line and never throws', () => {
    const set = eventSetFromEvents([
      '', '   \t', '\r', '{"a":', '{"event_id":"x","timestamp":NaN}', 'Infinity', '[1,2]', '"text"', 'null', '42',
      '{"timestamp":"2024-01-01T00:00:00Z"}', '{"event_id":7,"timestamp":"2024-01-01T00:00:00Z"}',
      '{"event_id":"a","timestamp":"2024-13-01T00:00:00Z"}', '{"event_id":"b","timestamp":"yesterday"}', '{"event_id":"c"}',
      '{"event_id":"d","timestamp":1704067200000}', '{"event_id":"e","timestamp":"2024-02-30T00:00:00Z"}',
      '{"event_id":"ok","timestamp":"2024-01-01T00:00:00"}\r',
      '2025-08-30 21:49:03,511 | jit-mm-swift | INFO | Test log message',
      '2025-08-30 25:49:03,511 | jit-mm-swift | INFO | bad hour',
      'random text',
    ]);
    assert.deepEqual(set.bad, { blank: 3, invalid_utf8: 0, invalid_json: 4, not_object: 4, missing_event_id: 2, invalid_timestamp: 6, too_long: 0 });
    assert.equal(set.segments[0]!.n, 2);
  });

  it('timestamps: Z, offsets, micro-seconds, no offset = UTC, Drift comma milliseconds', async () => {
    const { parseTimestamp } = await import('./dates.js');
    const base = Date.UTC(2024, 0, 1, 0, 0, 0) * 1000;
    assert.equal(parseTimestamp('2024-01-01T00:00:00Z'), base);
    assert.equal(parseTimestamp('2024-01-01T00:00:00'), base);
    assert.equal(parseTimestamp('2024-01-01 00:00:00.000001+00:00'), base + 1);
    assert.equal(parseTimestamp('2024-01-01T02:00:00.5+02:00'), base + 500_000);
    assert.equal(parseTimestamp('2023-12-31T19:00:00-0500'), base);
    assert.equal(parseTimestamp('2024-01-01 00:00:00,511'), base + 511_000);
    assert.equal(parseTimestamp('2024-01-01T00:00Z'), base);
    for (const bad of ['2024-01-01', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00+25:00', '2023-02-29T00:00:00Z', '2024-01-01T00:00:00Zjunk']) {
      assert.equal(parseTimestamp(bad), undefined, bad);
    }
    assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29) * 1000);
    // the same-day fast path agrees with Date.parse, and still rejects what the slow path does
    for (let t = Date.UTC(2024, 0, 1, 23, 58); t < Date.UTC(2024, 0, 2, 0, 2); t += 997) {
      const iso = new Date(t).toISOString();
      assert.equal(parseTimestamp(iso), t * 1000, iso);
    }
    assert.equal(parseTimestamp('2024-01-02T00:01:60.000Z'), undefined);
    assert.equal(parseTimestamp('2024-01-02T00:01:5x.000Z'), undefined);
  });
});

describe('reading log directories', () => {
  it('reads current, rotated and gzipped files, skips other names, de-duplicates across files', async () => {
    const dir = tempDir();
    const a = exit('2024-01-01T10:00:00Z', 100);
    const b = exit('2024-01-02T10:00:00Z', -40);
    const c = exit('2024-01-03T10:00:00Z', 10);
    writeFileSync(join(dir, 'audit.log.2.gz'), gzipSync(lines([a])));
    writeFileSync(join(dir, 'audit.log.1'), lines([b]));
    writeFileSync(join(dir, 'audit.log'), lines([c]));
    writeFileSync(join(dir, 'trades.log'), lines([a, b, c]));
    writeFileSync(join(dir, 'trades.log.1.gz'), gzipSync(lines([a])));
    writeFileSync(join(dir, 'notes.txt'), 'not a log\n');
    writeFileSync(join(dir, 'audit.log.3.gz.tmp'), 'partial');
    mkdirSync(join(dir, '.daybook'));
    writeFileSync(join(dir, '.daybook', 'audit.log.chain'), '{"v":1}\n');
    assert.deepEqual(listLogFiles([dir]).map((f) => f.path.slice(dir.length + 1)), ['audit.log.2.gz', 'audit.log.1', 'audit.log', 'trades.log.1.gz', 'trades.log']);
    const m = await new LogAnalyzer(dir).getTradingMetrics();
    assert.equal(m.total_trades, 3);
    assert.equal(m.total_pnl, 70);
    assert.equal(m.bad_lines.total, 0);
  });

  it('reads a Python DayBot directory (five files repeating each event)', async () => {
    const dir = tempDir();
    for (const f of ['audit.log', 'trades.log', 'system.log', 'errors.log', 'performance.log']) writeFileSync(join(dir, f), `${PYTHON_ENTRY}\n${PYTHON_EXIT}\n`);
    const r = await new LogAnalyzer(dir).getReport();
    assert.equal(r.trading_metrics.total_trades, 1);
    assert.equal(r.trading_metrics.total_pnl, 550);
    assert.equal(r.trading_metrics.total_volume, 100 * 150.25 + 100 * 155.75);
    assert.equal(r.trading_metrics.avg_hold_minutes, 45);
    assert.deepEqual(Object.keys(r.trading_metrics.by_exit_reason), ['take_profit_hit']);
    assert.equal(r.system_metrics.total_events, 2);
    near(r.system_metrics.uptime_hours, 299_456_360 / 3.6e9); // 18:47:00.543641 to 18:52:00.000001
    assert.equal((await new LogAnalyzer(dir).getTradingMetrics('2026-11-22', '2026-11-22')).total_trades, 1);
  });

  it('reads Drift app text lines (with or without a hash-chain link) for levels and errors', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'jit-mm-swift.log'), [
      '2025-08-30 21:49:03,511 | jit-mm-swift | INFO | Test log message',
      `2025-08-30 21:49:04,000 | jit-mm-swift | ERROR | Order 12 rejected\t${'ab'.repeat(32)}`,
      '2025-08-30 21:49:05,000 | jit-mm-swift | WARNING | strategy.py:42 | low margin',
      '2025-08-30 21:49:06,000 | jit-mm-swift | CRITICAL | Processing order 1 | for SOL',
      '',
    ].join('\n'));
    const r = await new LogAnalyzer(dir).getReport();
    assert.equal(r.system_metrics.total_events, 4);
    assert.equal(r.system_metrics.error_count, 2);
    assert.equal(r.system_metrics.warning_count, 1);
    assert.equal(r.system_metrics.uptime_hours, 0);
    assert.equal(r.error_summary.recent_errors[1]!.message, 'Order 12 rejected');
    assert.equal(r.error_summary.recent_errors[0]!.message, 'Processing order 1 | for SOL');
    assert.deepEqual(r.error_summary.by_component, { 'jit-mm-swift': 2 });
    assert.equal(r.bad_lines.total, 0);
  });

  it('counts corrupt, truncated, non-UTF-8 and blank lines in files; a damaged gzip is a problem, not a crash', async () => {
    const dir = tempDir();
    const good = exit('2024-01-01T10:00:00Z', 5);
    const bytes = Buffer.concat([
      Buffer.from(lines([good]) + '\n  \r\n{"event_id":"x","timestamp":"2024-01-01T00:00:00Z","message":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}\n{"event_id": NaN}\n{"truncated": "li'),
    ]);
    writeFileSync(join(dir, 'audit.log'), bytes);
    const gz = gzipSync(lines([exit('2024-01-02T10:00:00Z', 7), exit('2024-01-02T11:00:00Z', 9)]));
    writeFileSync(join(dir, 'audit.log.1.gz'), gz.subarray(0, gz.length - 30));
    const r = await new LogAnalyzer(dir).getReport();
    assert.equal(r.bad_lines.blank, 2);
    assert.equal(r.bad_lines.invalid_utf8, 1);
    // NaN; the unterminated last line and the line the damaged gzip cuts in half are not
    // complete lines: nothing to a report (verify names torn tails)
    assert.equal(r.bad_lines.invalid_json, 1);
    assert.equal(r.read_problems.length, 1);
    assert.equal(r.read_problems[0]!.code, 'DAYBOOK_W_READ_GZIP');
    assert.ok(r.trading_metrics.total_trades >= 1);
  });

  it('reads a plain file larger than its read buffer whole: every line that spans two reads, from byte 0 and from an offset', async () => {
    // Lines of varied lengths (every length from 300 to 1,300 bytes comes), so that the 256 KiB
    // reads, which share one buffer, end inside lines at every phase; one 600 KB line spans
    // three reads. The piece of a line held over to the next read must be a copy: a view of
    // the buffer would be overwritten by that read.
    const dir = tempDir();
    const events = Array.from({ length: 3000 }, (_, i) => ev({ timestamp: `2024-01-01T12:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`, message: 'x'.repeat((i * 37) % 1000) }));
    events[1500] = { ...events[1500]!, message: 'y'.repeat(600_000) };
    const text = lines(events);
    writeFileSync(join(dir, 'audit.log'), text);
    const whole = await readFileSegments(join(dir, 'audit.log'), false);
    assert.deepEqual(whole.segment.bad, emptyBadLines());
    assert.equal(whole.segment.n, events.length);
    assert.equal(whole.endOffset, Buffer.byteLength(text));
    // From the start of line 700, as a growth read starts just after the `\n` it stopped at.
    const from = Buffer.byteLength(lines(events.slice(0, 700)));
    const grown = await readFileSegments(join(dir, 'audit.log'), false, from);
    assert.deepEqual(grown.segment.bad, emptyBadLines());
    assert.equal(grown.segment.n, events.length - 700);
    // Every row's digest is its line's (a line put together from a stale buffer would differ).
    const digests = events.map((e) => contentDigest(JSON.stringify(e)));
    assert.deepEqual([...whole.segment.digest], digests);
    assert.deepEqual([...grown.segment.digest], digests.slice(700));
  });

  it('reads several directories at once (a fleet) and single files', async () => {
    const d1 = tempDir();
    const d2 = tempDir();
    writeFileSync(join(d1, 'audit.log'), lines([exit('2024-01-01T10:00:00Z', 1)]));
    writeFileSync(join(d2, 'audit.log'), lines([exit('2024-01-01T11:00:00Z', 2)]));
    assert.equal((await new LogAnalyzer([d1, d2]).getTradingMetrics()).total_pnl, 3);
    assert.equal((await new LogAnalyzer([d1, d2, d1, join(d2, 'audit.log')]).getReport()).system_metrics.total_events, 2);
    assert.equal((await new LogAnalyzer(join(d2, 'audit.log')).getTradingMetrics()).total_pnl, 2);
    await assert.rejects(new LogAnalyzer(join(d1, 'nope')).getTradingMetrics(), { code: 'DAYBOOK_E_READ_DIR' });
  });

  it('cache: appended lines, a line being written, rotation by rename and compression', async () => {
    const dir = tempDir();
    const audit = join(dir, 'audit.log');
    writeFileSync(audit, lines([exit('2024-01-01T10:00:00Z', 1), ev({ timestamp: '2024-01-01T10:00:00Z' })]));
    const analyzer = new LogAnalyzer(dir);
    assert.equal((await analyzer.getTradingMetrics()).total_pnl, 1);
    const late = JSON.stringify(exit('2024-01-01T11:00:00Z', 10));
    appendFileSync(audit, late.slice(0, 20));
    let m = await analyzer.getTradingMetrics();
    assert.equal(m.total_pnl, 1);
    assert.equal(m.bad_lines.total, 0); // the half-written line is not a line yet
    appendFileSync(audit, late.slice(20) + '\n');
    m = await analyzer.getTradingMetrics();
    assert.equal(m.total_pnl, 11);
    assert.equal(m.bad_lines.total, 0);
    renameSync(audit, join(dir, 'audit.log.1'));
    writeFileSync(audit, lines([exit('2024-01-01T12:00:00Z', 100)]));
    // A category view beside audit.log is not read (audit.log holds all its lines), even when,
    // as here, it was written by hand with events audit.log lacks; readViews reads it.
    writeFileSync(join(dir, 'trades.log'), lines([exit('2024-01-01T12:00:00Z', 100)]) + 'not json\n');
    m = await analyzer.getTradingMetrics();
    assert.equal(m.total_pnl, 111);
    assert.equal(m.bad_lines.total, 0);
    const fresh = await new LogAnalyzer(dir, { cache: false }).getTradingMetrics();
    assert.deepEqual(fresh, m);
    const withViews = await new LogAnalyzer(dir, { cache: false, readViews: true }).getTradingMetrics();
    assert.equal(withViews.total_pnl, 211);
    assert.equal(withViews.bad_lines.invalid_json, 1);
    // a file replaced in place by shorter content is read again
    writeFileSync(join(dir, 'audit.log.1'), lines([exit('2024-01-01T10:00:00Z', 3)]));
    assert.equal((await analyzer.getTradingMetrics()).total_pnl, 103);
  });

  it('cache: copies dropped from memory come back when their first copy disappears', async () => {
    const dir = tempDir();
    const events = [exit('2024-01-01T10:00:00Z', 1), exit('2024-01-01T11:00:00Z', 2), ev({ timestamp: '2024-01-01T12:00:00Z' })];
    writeFileSync(join(dir, 'audit.log.1'), lines(events));
    writeFileSync(join(dir, 'trades.log'), lines(events.slice(0, 2)));
    const analyzer = new LogAnalyzer(dir);
    assert.equal((await analyzer.getTradingMetrics()).total_pnl, 3);
    rmSync(join(dir, 'audit.log.1')); // retention deleted the backup: trades.log still has the trades
    const m = await analyzer.getReport();
    assert.equal(m.trading_metrics.total_pnl, 3);
    assert.equal(m.system_metrics.total_events, 2);
    writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(lines(events))); // and back, compressed
    assert.equal((await analyzer.getReport()).system_metrics.total_events, 3);
  });

  it('a parse worker that dies mid-load fails the load, and the next load counts every event', async () => {
    const dir = tempDir();
    for (let f = 0; f < 4; f++) {
      const evs = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? exit(`2024-01-0${1 + f}T10:${String(i % 60).padStart(2, '0')}:00Z`, i - 150) : ev({ event_type: 'api_call', latency_ms: i, timestamp: `2024-01-0${1 + f}T00:00:00Z` })));
      writeFileSync(join(dir, f === 0 ? 'audit.log' : `audit.log.${f}`), lines(evs));
    }
    const { computeReport } = await import('./report.js');
    const { parseRange } = await import('./dates.js');
    const expected = computeReport(await new FileSource(dir, { threads: 1, persist: false }).load(), parseRange());
    const worker = new URL('./test/dying-worker.js', import.meta.url);
    // The pool (two workers, not this thread): rejected with the worker's exit, each worker's
    // one file handed over before it died, no other.
    const { readFilesParallel } = await import('./pool.js');
    const tasks = listLogFiles([dir]).map((f) => ({ path: f.path, gz: f.gz, start: 0, size: f.size }));
    process.env.DAYBOOK_TEST_WORKER_DIES = '1';
    try {
      let given = 0;
      await assert.rejects(
        readFilesParallel(tasks, { threads: 2, threshold: 0, mainLane: false, worker, onResult: () => given++ }),
        /a parse worker exited \(3\) before its last task/,
      );
      assert.ok(given <= 2, `${given} of ${tasks.length} files handed over`);
      // A source whose load failed starts over: what the failed load de-duplicated is not taken for copies.
      // (Two workers and not this thread: each worker hands over one file before it dies.)
      const source = new FileSource(dir, { threads: 2, parallelThreshold: 0, persist: false, worker, mainLane: false });
      await assert.rejects(source.load(), /exited \(3\)/);
      delete process.env.DAYBOOK_TEST_WORKER_DIES;
      assert.deepEqual(computeReport(await source.load(), parseRange()), expected);
    } finally {
      delete process.env.DAYBOOK_TEST_WORKER_DIES;
    }
  });

  it('worker threads give the same result as one thread, with this thread as a lane or without (a server), as many lanes as files or fewer', async () => {
    const dir = tempDir();
    for (let f = 0; f < 4; f++) {
      const evs = [];
      for (let i = 0; i < 300; i++) evs.push(i % 10 === 0 ? exit(`2024-01-0${1 + f}T10:${String(i % 60).padStart(2, '0')}:00Z`, i - 150) : ev({ event_type: 'api_call', latency_ms: i, timestamp: '2024-01-01T00:00:00Z' }));
      writeFileSync(join(dir, f === 0 ? 'audit.log' : `audit.log.${f}`), lines(evs) + 'bad line\n');
    }
    const one = await new FileSource(dir, { threads: 1 }).load();
    const { computeReport } = await import('./report.js');
    const { parseRange } = await import('./dates.js');
    for (const options of [{ threads: 2 }, { threads: 2, mainLane: false }, { threads: 3, mainLane: false }, { threads: 6 }]) {
      const many = await new FileSource(dir, { ...options, parallelThreshold: 0 }).load();
      assert.deepEqual(computeReport(many, parseRange()), computeReport(one, parseRange()), JSON.stringify(options));
      assert.equal(computeReport(many, parseRange()).bad_lines.invalid_json, 4);
    }
  });
});
