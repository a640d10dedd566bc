import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startServer } from './server.js';
import { bomb, fixture } from './test/helpers.js';

// Hostile log files behind a real listening server (issue 15): an over-long line in
// audit.log, a gzip bomb named as a backup. Every route answers 200 with the other events
// counted and the problem named, never a 500. Small read limits (the `readLimits` option,
// for the reports' reader and the event index alike) take the code paths of the 16 MiB and
// 64x defaults with files of a few MB.

const KiB = 1024;
const LIMITS = { maxLineBytes: 64 * KiB, maxInflateRatio: 4, minInflateBytes: 64 * KiB };
const REPORTS = ['/audit/trading_metrics', '/audit/system_metrics', '/audit/risk_metrics', '/audit/error_summary', '/audit/timeseries?start_date=2024-01-01&end_date=2024-01-31'];

/** A JSON answer, read field by field. */
type Json = Record<string, any>;

async function serve(dir: string): Promise<{ app: FastifyInstance; get(path: string): Promise<{ status: number; body: Json; text: string }> }> {
  const { app, url } = await startServer({ logDir: dir, port: 0, warm: false, pollMs: 0, docs: false, readLimits: LIMITS });
  return {
    app,
    async get(path) {
      const r = await fetch(url + path);
      const text = await r.text();
      return { status: r.status, text, body: r.headers.get('content-type')?.startsWith('application/json') === true ? (JSON.parse(text) as Json) : {} };
    },
  };
}

const lineCount = (file: string): number => readFileSync(file, 'utf8').split('\n').length - 1;
const codes = (problems: { code: string }[]): string[] => problems.map((p) => p.code);

// A hang fails here instead of stalling the suite.
describe('hostile log files over HTTP', { timeout: 120_000 }, () => {
  it('an over-long line in audit.log: the other events counted everywhere, the line named as too_long, verify answers', async () => {
    const dir = await fixture(); // 5 closed trades
    const audit = join(dir, 'audit.log');
    // A trade that would count were it read: its line is 2 MiB, over the 64 KiB limit.
    appendFileSync(audit, JSON.stringify({ event_id: 'huge', timestamp: '2024-01-16T23:00:00Z', level: 'INFO', event_type: 'trade_exit', symbol: 'AAPL', quantity: 1, price: 1, pnl: 1e6, message: 'x'.repeat(2 * 1024 * KiB) }) + '\n');
    const hugeLine = lineCount(audit);
    appendFileSync(audit, JSON.stringify({ event_id: 'after', timestamp: '2024-01-16T23:30:00Z', level: 'INFO', event_type: 'trade_exit', symbol: 'AAPL', quantity: 1, price: 1, pnl: 5, message: 'after it' }) + '\n');
    const { app, get } = await serve(dir);
    try {
      const events = await get('/audit/events?order=asc&limit=1000');
      assert.equal(events.status, 200, events.text);
      const ids = events.body.events.map((e: Json) => e.event_id);
      assert.equal(ids.length, lineCount(audit) - 1);
      assert.ok(ids.includes('after') && !ids.includes('huge'));
      assert.equal(app.daybook.index.tooLongLines, 1);

      for (const path of REPORTS) {
        const r = await get(path);
        assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 300)}`);
        assert.equal(r.body.bad_lines.too_long, 1, path);
      }
      const trading = await get('/audit/trading_metrics');
      assert.equal(trading.body.total_trades, 6, 'the fixture\'s 5 and the one after the long line');
      assert.equal(trading.body.total_pnl, 725);
      const symbols = await get('/audit/symbol_performance');
      assert.equal(symbols.status, 200);
      assert.deepEqual(symbols.body.map((s: Json) => s.symbol).sort(), ['AAPL', 'TSLA']);
      const daily = await get('/audit/daily_report?date=2024-01-16');
      assert.equal(daily.status, 200);
      assert.ok(codes(daily.body.read_problems).includes('DAYBOOK_W_READ_LINE_TOO_LONG'), daily.text.slice(-600));
      const metrics = await get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /^daybook_bad_lines_total 1$/m);

      const verify = await get('/audit/verify');
      assert.equal(verify.status, 200, verify.text);
      assert.equal(verify.body.ok, false);
      assert.ok(verify.body.problems.some((p: Json) => p.file === 'audit.log' && p.line === hugeLine), verify.text);
    } finally {
      await app.close();
    }
  });

  it('a gzip bomb named audit.log.1.gz: read up to the inflate limit by reports and index alike, named as such', async () => {
    const dir = await fixture();
    const backup = join(dir, 'audit.log.1.gz');
    const gz = bomb(16); // 16 MiB of one event line from ~60 KB; the limit is 4x that
    writeFileSync(backup, gz);
    const limit = Math.max(LIMITS.minInflateBytes, LIMITS.maxInflateRatio * gz.length);
    const current = lineCount(join(dir, 'audit.log'));
    const { app, get } = await serve(dir);
    try {
      const newest = await get(`/audit/events?limit=${current}`);
      assert.equal(newest.status, 200, newest.text);
      assert.ok(newest.body.events.every((e: Json) => e.event_id !== 'bomb'), 'the current file\'s events, newest first');
      assert.equal(newest.body.count, current);
      const oldest = await get('/audit/events?order=asc&limit=3');
      assert.equal(oldest.status, 200);
      assert.deepEqual(oldest.body.events.map((e: Json) => e.event_id), ['bomb', 'bomb', 'bomb']);
      assert.deepEqual(app.daybook.index.inflateCutFiles, [backup]);
      assert.ok(app.daybook.index.files[0]!.end <= limit);

      for (const path of REPORTS) {
        const r = await get(path);
        assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 300)}`);
      }
      const trading = await get('/audit/trading_metrics');
      assert.equal(trading.body.total_trades, 5);
      const system = await get('/audit/system_metrics');
      assert.equal(system.body.total_events, current + 1, 'the bomb\'s one event_id, de-duplicated');
      const daily = await get('/audit/daily_report?date=2024-01-02');
      assert.equal(daily.status, 200);
      assert.deepEqual(codes(daily.body.read_problems), ['DAYBOOK_W_READ_GZIP_LIMIT'], daily.text.slice(-600));
      assert.equal((await get('/metrics')).status, 200);

      // Core's verify has no inflate limit: it reads the whole 16 MiB (in bounded memory, in a worker).
      const verify = await get('/audit/verify');
      assert.equal(verify.status, 200, verify.text);
      assert.ok(verify.body.files.some((f: Json) => f.file === 'audit.log.1.gz'), verify.text);
    } finally {
      await app.close();
    }
  });
});
