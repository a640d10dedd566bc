import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LogAnalyzer } from '@daybook/analytics';
import { buildApp, warm } from './app.js';
import { SharedSource } from './shared-source.js';
import { tempDir } from './test/helpers.js';

const DAY_MS = 86_400_000;
const line = (ms: number, id: string, pnl: number): string => JSON.stringify({
  timestamp: new Date(ms).toISOString(), level: 'INFO', logger: 'daybook_audit', message: 'exit', event_id: id,
  event_type: 'trade_exit', component: 'trading', session_id: 's', symbol: 'AAPL', quantity: 1, price: 1, pnl,
}) + '\n';

/** Backups that end days ago, and a current file with trades of today. */
function directory(): string {
  const dir = tempDir();
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  writeFileSync(join(dir, 'audit.log.3.gz'), gzipSync(line(today - 5 * DAY_MS, 'a', 1) + line(today - 4 * DAY_MS, 'b', 2)));
  writeFileSync(join(dir, 'audit.log.2'), line(today - 3 * DAY_MS, 'c', 4));
  writeFileSync(join(dir, 'audit.log.1'), line(today - 2 * DAY_MS, 'd', 8));
  writeFileSync(join(dir, 'audit.log'), line(today + 1000, 'e', 16) + line(today + 2000, 'f', 32));
  return dir;
}

describe('the server\'s shared source', () => {
  it('requests from the same range start share one load; another start gets its own', async () => {
    const source = new SharedSource([directory()], { persist: false });
    const since = Math.floor(Date.now() / DAY_MS) * DAY_MS * 1000;
    const a = source.load({ since });
    assert.equal(source.load({ since }), a);
    assert.notEqual(source.load(), a);
    await a;
    assert.notEqual(source.load({ since }), a, 'a finished load is not handed out again (the files may have grown)');
  });

  it('a failed load is not handed out again: once the directory exists, the next load reads it', async () => {
    const dir = join(tempDir(), 'logs');
    const source = new SharedSource([dir], { persist: false });
    await assert.rejects(source.load(), { code: 'DAYBOOK_E_READ_DIR' });
    mkdirSync(dir);
    writeFileSync(join(dir, 'audit.log'), line(Date.now(), 'x', 1));
    assert.equal((await source.load()).segments.reduce((n, s) => n + s.n, 0), 1);
  });

  it('fill() reads what ranged loads left out, and the figures equal a fresh full read', async () => {
    const dir = directory();
    const source = new SharedSource([dir], { persist: false });
    await source.load({ since: Math.floor(Date.now() / DAY_MS) * DAY_MS * 1000 });
    assert.notEqual(source.files.newestLeftOut(), undefined, 'today\'s load left the backups out');
    await source.fill();
    assert.equal(source.files.newestLeftOut(), undefined);
    const all = await new LogAnalyzer(dir, { source }).getTradingMetrics();
    assert.equal(all.total_trades, 6);
    assert.deepEqual(all, await new LogAnalyzer(dir, { persist: false }).getTradingMetrics());
  });

  it('warm() serves today first and leaves nothing out once done', async () => {
    const dir = directory();
    const app = await buildApp({ logDir: dir, pollMs: 50, analyzer: { persist: false } });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const warming = warm(app, 10);
      const today = new Date().toISOString().slice(0, 10);
      const r = await app.inject({ method: 'GET', url: `/audit/trading_metrics?start_date=${today}&end_date=${today}` });
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().total_pnl, 48);
      await warming;
      assert.equal(app.daybook.source.files.newestLeftOut(), undefined);
    } finally {
      await app.close();
    }
  });
});
