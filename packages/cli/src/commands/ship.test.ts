import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { LogAnalyzer } from '@daybook/analytics';
import { AuditLogger } from '@daybook/core';
// The ClickHouse harness of the clickhouse package's tests (not part of its published files).
import { clickhouseMissing, freePort, startClickHouse, type ClickHouseInstance } from '../../../clickhouse/dist/test/server.js';

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
const daybook = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLICKHOUSE_USER: '', CLICKHOUSE_PASSWORD: '', ...env } });

const root = mkdtempSync(join(tmpdir(), 'daybook-cli-ship-'));
after(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, 'alpha');

before(async () => {
  const audit = new AuditLogger({ logDir: dir, consoleLevel: false, maxFileSize: 8192, backupCount: 1000, env: {} });
  for (let i = 0; i < 300; i++) {
    void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 10 + i, pnl: i % 7 });
    if (i % 50 === 49) await audit.flush();
  }
  await audit.close();
});

describe('daybook ship: usage and failures', () => {
  it('exit 2 without --clickhouse, or with a URL that is not http(s)', () => {
    const none = daybook(['ship', '--dir', dir, '--once']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--clickhouse URL is required/);
    const ftp = daybook(['ship', '--dir', dir, '--once', '--clickhouse', 'ftp://x']);
    assert.equal(ftp.status, 2);
    assert.match(ftp.stderr, /must be an http: or https: URL/);
  });

  it('exit 1 with --once when ClickHouse cannot be reached: each failure on stderr, the password never', async () => {
    const port = await freePort();
    const r = daybook(['ship', '--dir', dir, '--once', '--give-up', '1', '--clickhouse', `http://bob:hunter2-secret@127.0.0.1:${port}`]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`daybook ship: DAYBOOK_E_SHIP_UNREACHABLE: cannot reach ClickHouse at http://127\\.0\\.0\\.1:${port} \\(`));
    assert.ok(!(r.stdout + r.stderr).includes('hunter2'), 'the password is never printed');
    assert.equal(existsSync(join(dir, '.daybook', 'ship')), false, 'no position saved');
  });
});

describe('daybook ship on Debian\'s ClickHouse', { skip: clickhouseMissing() }, () => {
  let ch: ClickHouseInstance;
  before(async () => {
    ch = await startClickHouse();
  });
  after(() => ch?.destroy());

  it('--once ships the directory (bot = its name) and exits 0; again: nothing more; following picks up new events and stops on SIGTERM', async () => {
    const first = daybook(['ship', '--dir', dir, '--once', '--clickhouse', ch.url, '--host', 'h1']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^shipped 302 events in 1 insert\n$/);
    assert.equal((await ch.query("SELECT bot, host, count() FROM daybook.events FINAL GROUP BY bot, host FORMAT TSV")).trim(), 'alpha\th1\t302');
    assert.equal(readdirSync(join(dir, '.daybook', 'ship')).filter((n) => n.endsWith('.json')).length, 1);
    const again = daybook(['ship', '--dir', dir, '--once', '--clickhouse', ch.url, '--host', 'h1']);
    assert.match(again.stdout, /^shipped 0 events in 0 inserts\n$/);

    const port = await freePort();
    const follower = spawn(process.execPath, [BIN, 'ship', '--dir', dir, '--clickhouse', ch.url, '--host', 'h1', '--metrics-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const audit = new AuditLogger({ logDir: dir, consoleLevel: false, maxFileSize: 8192, backupCount: 1000, env: {} });
      for (let i = 0; i < 50; i++) void audit.logApiCall({ endpoint: '/x', method: 'GET', latencyMs: i });
      await audit.close();
      const total = String((await new LogAnalyzer(dir).getSystemMetrics()).total_events);
      assert.equal(total, '354', 'the files hold every event');
      let count = '';
      for (let t = 0; t < 200 && count !== total; t++) {
        await new Promise((r) => setTimeout(r, 100));
        count = (await ch.query('SELECT count() FROM daybook.events FINAL')).trim();
      }
      assert.equal(count, '354', 'the follower shipped the new events');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^daybook_ship_events_total 52$/m);
      assert.match(metrics, /^daybook_ship_failures_total\{cause="unreachable"\} 0$/m);
    } finally {
      follower.kill('SIGTERM');
    }
    const code = await new Promise((r) => follower.once('exit', r));
    assert.equal(code, 0);
  });
});
