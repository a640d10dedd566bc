import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loggedBot } from '../../../clickhouse/dist/test/fleet.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from '../../../clickhouse/dist/test/server.js';
import { run as daybook } from '../test/run.js';

// chain_damaged over a fleet, as a user runs it: two bots' chained directories shipped by
// `daybook ship` into a real ClickHouse 18.16, `daybook alert --clickhouse --once` with a
// chain_damaged rule: 0 for both; a row altered in ClickHouse: the alert fires for that bot only.

interface AlertOut { alerts: { name: string; state: string; value: number | null; labels: Record<string, string> }[] }

describe('daybook alert --clickhouse: chain_damaged', { skip: clickhouseMissing(), timeout: 300_000 }, () => {
  let ch: ClickHouseInstance;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'daybook-cli-alert-chain-'));
    [ch] = await Promise.all([startClickHouse(), loggedBot(join(root, 'bot1'), 31, Date.UTC(2024, 2, 1, 9), 2, 100), loggedBot(join(root, 'bot2'), 32, Date.UTC(2024, 2, 1, 9), 2, 100)]);
    for (const [bot, host] of [['bot1', 'h1'], ['bot2', 'h2']] as const) {
      const r = await daybook(['ship', '--dir', join(root, bot), '--clickhouse', ch.url, '--bot', bot, '--host', host, '--once']);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(async () => {
    await ch?.destroy();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('0 for shipped chains (exit 0); after an ALTER TABLE ... UPDATE of one row, fires for that bot only (exit 1)', async () => {
    const rules = join(root, 'chain.yml');
    writeFileSync(rules, 'rules:\n  - name: ChainDamaged\n    kind: chain_damaged\n    annotations:\n      summary: "{{ $labels.bot }}: {{ $value }} chain problems"\n');
    const alert = async () => {
      const r = await daybook(['alert', '--clickhouse', ch.url, '--state', join(root, 'state'), '--rules', rules, '--once', '--json']);
      return { status: r.status, stderr: r.stderr, alerts: (JSON.parse(r.stdout) as AlertOut).alerts.map((a) => [a.labels.bot, a.state, a.value]) };
    };
    const clean = await alert();
    assert.equal(clean.status, 0, clean.stderr);
    assert.deepEqual(clean.alerts, [['bot1', 'inactive', 0], ['bot2', 'inactive', 0]]);
    const id = (await ch.query("SELECT event_id FROM daybook.events WHERE bot = 'bot2' AND event_type = 'api_call' ORDER BY event_id LIMIT 1 OFFSET 20")).trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    await ch.query(`ALTER TABLE daybook.events UPDATE latency_ms = 123456.5 WHERE event_id = '${id}'`);
    for (let i = 0; i < 300 && (await ch.query('SELECT count() FROM system.mutations WHERE is_done = 0')).trim() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    const damaged = await alert();
    assert.equal(damaged.status, 1, damaged.stderr);
    assert.deepEqual(damaged.alerts, [['bot1', 'inactive', 0], ['bot2', 'firing', 1]]);
  });
});
