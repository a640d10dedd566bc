import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { LogAnalyzer } from '@daybook/analytics';
import { ClickHouseAnalyzer, openClickHouse } from '@daybook/clickhouse';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from '../../../clickhouse/dist/test/server.js';

// `npm start -- --clickhouse URL` (daybook demo --clickhouse): the demo's logs are shipped as
// they are written, the dashboard's reports come from ClickHouse, and when the demo stops
// ClickHouse holds exactly the directory's events: its reports equal the files'.

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

function demo(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--port', '0', '--days', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (status) => resolve({ status, out }));
  });
}

describe('daybook demo --clickhouse', { skip: clickhouseMissing() }, () => {
  let ch: ClickHouseInstance;
  let root: string;
  before(async () => {
    ch = await startClickHouse();
    root = mkdtempSync(join(tmpdir(), 'daybook-demo-ch-'));
  });
  after(async () => {
    await ch?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('ships the fleet as it runs; once stopped, ClickHouse reports what the files report', async () => {
    const dir = join(root, 'logs');
    const r = await demo(['--dir', dir, '--duration', '3', '--clickhouse', ch.url, '--database', 'demo']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /shipping into ClickHouse at http:\/\/127\.0\.0\.1:\d+, database demo, as bot logs/);
    assert.match(r.out, /every event of the directory acknowledged/);
    const opened = await openClickHouse(ch.url, 'demo');
    try {
      const fleet = await new ClickHouseAnalyzer(opened.runner, { database: 'demo', bot: 'logs' }).getReport();
      const files = await new LogAnalyzer(dir, { persist: false }).getReport();
      assert.ok(files.trading_metrics.total_trades > 0);
      for (const k of ['total_trades', 'total_pnl', 'total_fees', 'net_pnl', 'open_trades', 'max_drawdown'] as const) {
        assert.ok(Math.abs(fleet.trading_metrics[k] - files.trading_metrics[k]) <= 1e-9 * Math.max(1, Math.abs(files.trading_metrics[k])), `${k}: ${fleet.trading_metrics[k]} vs ${files.trading_metrics[k]}`);
      }
      // The fleet's apps write text lines (`<app>.log`): shipped as app_log events, they count in ClickHouse as in the files.
      for (const k of ['total_events', 'api_calls', 'error_count', 'warning_count', 'p99_api_latency'] as const) assert.equal(fleet.system_metrics[k], files.system_metrics[k], k);
      assert.deepEqual(fleet.error_summary.by_component, files.error_summary.by_component);
      assert.deepEqual(fleet.error_summary.by_error_type, files.error_summary.by_error_type);
    } finally {
      await opened.close();
    }
  });

  it('a ClickHouse that cannot be reached ends the demo before any process starts: exit 1 with the cause', async () => {
    const r = await demo(['--dir', join(root, 'unreached'), '--duration', '1', '--clickhouse', 'http://127.0.0.1:1']);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /DAYBOOK_E_SHIP_UNREACHABLE/);
    assert.doesNotMatch(r.out, /pid \d+/, 'no worker was started');
  });

  it('--database without --clickhouse is bad usage', async () => {
    const r = await demo(['--dir', join(root, 'usage'), '--database', 'demo']);
    assert.equal(r.status, 2, r.out);
  });
});
