import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClickHouseChainCheck, type ChainCheckState } from './chain-check.js';
import { clickhouseTarget, connect } from './connect.js';
import type { Row } from './row.js';
import { clientRunner, type QueryRunner } from './runner.js';
import { createSettings, createStatements } from './schema.js';
import { auditFiles, insertSql, loggedBot, rowsOf } from './test/fleet.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from './test/server.js';

// chain_damaged over ClickHouse, on Debian's ClickHouse 18.16: two bots' chained directories
// inserted as a shipper inserts them; each check reads the rows that arrived since the last
// one; a row altered afterwards (ALTER TABLE ... UPDATE) or a forged copy inserted later is
// found, for its bot only.

const root = mkdtempSync(join(tmpdir(), 'daybook-chain-check-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A runner that counts the event rows its tail queries return (the chain check's reads); `afterParts` runs once after the next listing of parts. */
function counting(inner: QueryRunner): QueryRunner & { read: number; afterParts?: () => Promise<void> } {
  const r: QueryRunner & { read: number; afterParts?: () => Promise<void> } = {
    read: 0,
    async rows<T>(sql: string): Promise<T[]> {
      const out = await inner.rows<T>(sql);
      if (sql.includes("ORDER BY stream, event_id")) r.read += out.length;
      const hook = r.afterParts;
      if (hook !== undefined && sql.includes('FROM system.parts')) {
        r.afterParts = undefined;
        await hook();
      }
      return out;
    },
  };
  return r;
}

describe('the chain check over ClickHouse 18.16', { skip: clickhouseMissing(), timeout: 300_000 }, () => {
  let ch: ClickHouseInstance;
  let runner: ReturnType<typeof counting>;
  let close: () => Promise<void>;
  let rows1: Row[];
  let rows2: Row[];
  let saved: unknown;
  const store = { load: () => saved, save: (s: ChainCheckState) => void (saved = structuredClone(s)) };
  const sorted = (rows: Row[]) => rows.filter((r) => r.hash !== '').sort((a, b) => String(a.event_id).localeCompare(String(b.event_id)));
  const damage = async (check: ClickHouseChainCheck) => {
    check.round();
    return [await check.damage('bot1', 'h1'), await check.damage('bot2', 'h2')];
  };

  before(async () => {
    [ch] = await Promise.all([startClickHouse(), loggedBot(join(root, 'bot1'), 21, Date.UTC(2024, 2, 1, 9), 2, 150), loggedBot(join(root, 'bot2'), 22, Date.UTC(2024, 2, 1, 9), 2, 150)]);
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${ch.url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    rows1 = rowsOf(auditFiles(join(root, 'bot1')), 'bot1', 'h1');
    rows2 = rowsOf(auditFiles(join(root, 'bot2')), 'bot2', 'h2');
    // bot1 in two inserts (the second later, as a shipper following the bot sends it).
    const s1 = sorted(rows1);
    await ch.query(insertSql('daybook', s1.slice(0, 200)));
    await ch.query(insertSql('daybook', rows2));
    rows1 = s1;
    const client = connect(clickhouseTarget(ch.url));
    runner = counting(clientRunner(client));
    close = () => client.close();
  });
  after(async () => {
    await close?.();
    await ch?.destroy();
  });

  it('shipped chains: 0 for each bot; the next check reads only the rows that arrived since', async () => {
    const check = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    assert.deepEqual(await damage(check), [0, 0]);
    const all2 = sorted(rows2).length;
    assert.equal(runner.read, 200 + all2, 'the first check reads each bot once');
    runner.read = 0;
    assert.deepEqual(await damage(check), [0, 0]);
    assert.equal(runner.read, 0, 'nothing new, nothing read');
    await ch.query(insertSql('daybook', rows1.slice(200)));
    assert.deepEqual(await damage(check), [0, 0]);
    assert.equal(runner.read, rows1.length - 200, 'the new rows only');
    // A re-sent batch (a shipper killed before saving its position): copies, no damage.
    await ch.query(insertSql('daybook', rows1.slice(250, 260)));
    assert.deepEqual(await damage(check), [0, 0]);
    // A restarted evaluator goes on from the saved positions.
    runner.read = 0;
    const again = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    assert.deepEqual(await damage(again), [0, 0]);
    assert.equal(runner.read, 0);
  });

  it('rows shipped while a check runs (after it listed the parts) are read once, and not taken for old rows at the next check', async () => {
    // Logged after bot1 and bot2 by this process with an earlier clock: its ids (which never go
    // back in a process) are ahead of its timestamps.
    const dir = join(root, 'bot3');
    await loggedBot(dir, 23, Date.UTC(2024, 2, 1, 9), 1, 120);
    const rows3 = sorted(rowsOf(auditFiles(dir), 'bot3', 'h3'));
    await ch.query(insertSql('daybook', rows3.slice(0, 60)));
    const check = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    check.round();
    assert.equal(await check.damage('bot3', 'h3'), 0);
    runner.read = 0;
    runner.afterParts = () => ch.query(insertSql('daybook', rows3.slice(60))).then(() => undefined);
    check.round();
    assert.equal(await check.damage('bot3', 'h3'), 0);
    assert.equal(runner.read, rows3.length - 60, 'read by the check that was running');
    runner.read = 0;
    check.round();
    assert.equal(await check.damage('bot3', 'h3'), 0);
    assert.equal(runner.read, 0, 'their part is new to this check, their rows are not: no walk from the start');
  });

  it('a row altered in ClickHouse (ALTER TABLE ... UPDATE): the bot of that row has 1, the other 0', async () => {
    const check = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    assert.deepEqual(await damage(check), [0, 0]);
    const victim = rows1.find((r) => r.event_type === 'trade_exit' && r.pnl !== null)!;
    await ch.query(`ALTER TABLE daybook.events UPDATE pnl = pnl + 1000 WHERE event_id = '${victim.event_id}'`);
    for (let i = 0; i < 300 && (await ch.query("SELECT count() FROM system.mutations WHERE database = 'daybook' AND is_done = 0")).trim() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await damage(check), [1, 0]);
    assert.deepEqual(check.problems('bot1', 'h1').map((p) => [p.kind, p.event_id]), [['break', victim.event_id]]);
    // Found once, and kept: the next check reads nothing and still says 1.
    runner.read = 0;
    assert.deepEqual(await damage(check), [1, 0]);
    assert.equal(runner.read, 0);
  });

  it('a forged copy of an old event inserted later: its bot has 1 more, the other bot unchanged', async () => {
    const check = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    assert.deepEqual(await damage(check), [1, 0]);
    const victim = sorted(rows2)[40]!;
    await ch.query(insertSql('daybook', [{ ...victim, message: 'nothing happened here' }]));
    assert.deepEqual(await damage(check), [1, 1]);
    assert.deepEqual(check.problems('bot2', 'h2').map((p) => p.event_id), [victim.event_id]);
    // Merged (the table keeps one copy of the two, the forged one): still 1, found again from the start.
    await ch.query('OPTIMIZE TABLE daybook.events FINAL');
    const later = new ClickHouseChainCheck(runner, { database: 'daybook', store, fullEvery: 0 });
    assert.deepEqual(await damage(later), [1, 1]);
  });
});
