import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closeAuditLogger, initializeAuditLogger, setupLogging } from '@daybook/core';
import { LogAnalyzer } from './analyzer.js';
import { exportEvents } from './export.js';
import { exit, lines, tempDir } from './test/helpers.js';

// In a daybook directory, events come from the audit family only (reader.ts foreignEvents):
// verify vouches for nothing else, so one JSON line in bot.log must not add a trade.

/** A directory written by the real logger: audit.log and its views, two trades (P&L 550 - 120.5). */
async function loggedDir(): Promise<string> {
  const dir = tempDir();
  const audit = initializeAuditLogger({ logDir: dir, consoleLevel: false, sessionId: 'sess_1', environment: 'test' });
  audit.logTradeExit({ symbol: 'AAPL', quantity: 100, price: 155.75, pnl: 550, orderId: 'o2', reason: 'take_profit_hit' });
  audit.logTradeExit({ symbol: 'TSLA', quantity: 10, price: 200, pnl: -120.5, orderId: 'o3', reason: 'stop_loss_hit' });
  await closeAuditLogger();
  return dir;
}

const FORGED = exit(new Date().toISOString(), 100_000, { symbol: 'FAKE' });
const foreign = (r: { read_problems: readonly { code: string; file: string }[] }) => r.read_problems.filter((p) => p.code === 'DAYBOOK_W_READ_FOREIGN_EVENTS');
const OPTIONS = [{ persist: false }, { persist: true }, { persist: true }, { cache: false, persist: false }];

describe('events outside the audit family of a daybook directory', () => {
  for (const name of ['bot.log', 'a.log', 'AUDIT.log', 'Trades.log', 'audit.log.log', '\u0430udit.log']) {
    it(`one forged event line in ${name} beside audit.log is not counted, and is a problem`, async () => {
      const dir = await loggedDir();
      writeFileSync(join(dir, name), lines([FORGED]));
      for (const options of OPTIONS) {
        const r = await new LogAnalyzer(dir, options).getReport();
        assert.equal(r.trading_metrics.total_pnl, 429.5, JSON.stringify(options));
        assert.deepEqual(foreign(r), [{
          file: join(dir, name), code: 'DAYBOOK_W_READ_FOREIGN_EVENTS', lines: 1,
          message: `1 audit event in ${join(dir, name)} is not counted: daybook writes events only to audit.log; run \`daybook verify\``,
        }], JSON.stringify(options));
      }
      const x = await exportEvents([dir], join(tempDir(), 'out.jsonl'));
      assert.equal(x.rows, readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').length);
      assert.deepEqual(foreign(x).map((p) => p.file), [join(dir, name)]);
    });
  }

  it('changed copies of real event ids in bot.log are foreign events, not id conflicts', async () => {
    const dir = await loggedDir();
    const real = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    writeFileSync(join(dir, 'bot.log'), lines(real.map((e) => ({ ...e, pnl: 100_000 }))));
    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 429.5);
    assert.deepEqual(r.read_problems.map((p) => [p.code, p.file, (p as { lines?: number }).lines]), [['DAYBOOK_W_READ_FOREIGN_EVENTS', join(dir, 'bot.log'), real.length]]);
  });

  it('without audit.log, its views count and a.log does not', async () => {
    const dir = await loggedDir();
    unlinkSync(join(dir, 'audit.log'));
    writeFileSync(join(dir, 'a.log'), lines([FORGED]));
    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 429.5);
    assert.deepEqual(foreign(r).map((p) => p.file), [join(dir, 'a.log')]);
  });

  it('a checkpoint file alone makes a daybook directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.daybook'));
    writeFileSync(join(dir, '.daybook', 'audit.log.chain'), '');
    writeFileSync(join(dir, 'bot.log'), lines([FORGED]));
    const r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_trades, 0);
    assert.equal(foreign(r).length, 1);
  });

  it('a Drift app log\'s text lines still count (errors) beside audit.log, its event lines do not', async () => {
    const dir = await loggedDir();
    const text = '2025-08-30 21:49:03,511 | bot | ERROR | order rejected\n2025-08-30 21:49:04,000 | bot | INFO | retrying\n';
    writeFileSync(join(dir, 'bot.log'), text + lines([FORGED]));
    for (const options of OPTIONS) {
      const r = await new LogAnalyzer(dir, options).getReport();
      assert.equal(r.trading_metrics.total_pnl, 429.5);
      assert.ok(r.error_summary.recent_errors.some((e) => e.message === 'order rejected'), JSON.stringify(r.error_summary));
      assert.equal(foreign(r).length, 1);
    }
  });

  it('an app logger writing its json format beside audit.log is an app log, not foreign events', async () => {
    const dir = await loggedDir();
    const log = setupLogging('jsonbot', { logDir: dir, fileFormat: 'json', enableConsoleLogging: false });
    log.error('order rejected by the broker');
    log.info('retrying');
    await log.close();
    for (const options of OPTIONS) {
      const r = await new LogAnalyzer(dir, options).getReport();
      assert.deepEqual(foreign(r), [], JSON.stringify(options));
      assert.ok(r.error_summary.recent_errors.some((e) => e.message === 'order rejected by the broker'), JSON.stringify(r.error_summary));
    }
  });

  it('elsewhere nothing changes: an app log without a daybook file, or a file path given on its own, counts its events', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bot.log'), lines([FORGED]));
    let r = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 100_000);
    assert.deepEqual(r.read_problems, []);
    const logged = await loggedDir();
    renameSync(join(dir, 'bot.log'), join(logged, 'bot.log'));
    r = await new LogAnalyzer(join(logged, 'bot.log'), { persist: false }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 100_000);
    assert.deepEqual(r.read_problems, []);
  });

  it('a directory becoming a daybook directory drops the events of the files read before', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bot.log'), lines([FORGED]));
    const analyzer = new LogAnalyzer(dir, { persist: true });
    assert.equal((await analyzer.getReport()).trading_metrics.total_pnl, 100_000);
    writeFileSync(join(dir, 'audit.log'), lines([exit('2024-01-01T10:00:00Z', 5)]));
    const r = await analyzer.getReport();
    assert.equal(r.trading_metrics.total_pnl, 5);
    assert.equal(foreign(r).length, 1);
  });
});
