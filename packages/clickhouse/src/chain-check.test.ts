import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClickHouseChainCheck, type ChainCheckState } from './chain-check.js';
import { clickhouseTarget, connect } from './connect.js';
import type { Row } from './row.js';
import { clientRunner, parseJsonEachRow, type QueryRunner } from './runner.js';
import { createSettings, createStatements } from './schema.js';
import { auditFiles, insertSql, loggedBot, rowsOf } from './test/fleet.js';
import { chdbMissing, chdbSession, type ChdbSession } from './test/chdb.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from './test/server.js';

// chain_damaged over ClickHouse, on Debian's ClickHouse 18.16 and with the same SQL on a current
// ClickHouse (chdb): two bots' chained directories
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

/** A server under test: a counting runner over it, and statements run as they are (inserts, ALTER, OPTIMIZE). */
interface Server {
  runner: ReturnType<typeof counting>;
  exec(sql: string): Promise<unknown>;
  /** An ALTER TABLE ... UPDATE, returning once it is done. */
  mutate(sql: string): Promise<void>;
}

const bots = (): Promise<void[]> => Promise.all([loggedBot(join(root, 'bot1'), 21, Date.UTC(2024, 2, 1, 9), 2, 150), loggedBot(join(root, 'bot2'), 22, Date.UTC(2024, 2, 1, 9), 2, 150)]);
let written: Promise<void[]> | undefined;

/** The same checks on each server; `setup` starts it with the table created and empty. */
function checks(setup: () => Promise<Server>): void {
  let server: Server;
  let runner: ReturnType<typeof counting>;
  let rows1: Row[];
  let rows2: Row[];
  let saved: unknown;
  const store = { load: () => saved, save: (s: ChainCheckState) => void (saved = structuredClone(s)) };
  const sorted = (rows: Row[]) => rows.filter((r) => r.hash !== '').sort((a, b) => (a.event_id! < b.event_id! ? -1 : a.event_id! > b.event_id! ? 1 : 0));
  const damage = async (check: ClickHouseChainCheck) => {
    check.round();
    return [await check.damage('bot1', 'h1'), await check.damage('bot2', 'h2')];
  };
  const insert = (rows: Row[]) => server.exec(insertSql('daybook', rows));

  before(async () => {
    [server] = await Promise.all([setup(), (written ??= bots())]);
    runner = server.runner;
    rows1 = sorted(rowsOf(auditFiles(join(root, 'bot1')), 'bot1', 'h1'));
    rows2 = rowsOf(auditFiles(join(root, 'bot2')), 'bot2', 'h2');
    // bot1 in two inserts (the second later, as a shipper following the bot sends it).
    await insert(rows1.slice(0, 200));
    await insert(rows2);
  });

  it('shipped chains: 0 for each bot; the next check reads only the rows that arrived since', async () => {
    const check = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    assert.deepEqual(await damage(check), [0, 0]);
    const all2 = sorted(rows2).length;
    assert.equal(runner.read, 200 + all2, 'the first check reads each bot once');
    runner.read = 0;
    assert.deepEqual(await damage(check), [0, 0]);
    assert.equal(runner.read, 0, 'nothing new, nothing read');
    await insert(rows1.slice(200));
    assert.deepEqual(await damage(check), [0, 0]);
    assert.equal(runner.read, rows1.length - 200, 'the new rows only');
    // A re-sent batch (a shipper killed before saving its position): copies, no damage.
    await insert(rows1.slice(250, 260));
    assert.deepEqual(await damage(check), [0, 0]);
    // A restarted evaluator goes on from the saved positions.
    runner.read = 0;
    const again = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    assert.deepEqual(await damage(again), [0, 0]);
    assert.equal(runner.read, 0);
  });

  it('rows shipped while a check runs (after it listed the parts) are read once, and not taken for old rows at the next check', async (t) => {
    // Logged after bot1 and bot2 by this process with an earlier clock: its ids (which never go
    // back in a process) are ahead of its timestamps.
    const dir = join(root, 'bot3');
    if (!existsSync(dir)) await loggedBot(dir, 23, Date.UTC(2024, 2, 1, 9), 1, 120);
    const rows3 = sorted(rowsOf(auditFiles(dir), 'bot3', 'h3'));
    // Merges stopped: a merge could fold the new part into an older one, which a check does not
    // look at, and this test would pass without the bookkeeping it checks.
    await server.exec('SYSTEM STOP MERGES daybook.events');
    t.after(() => server.exec('SYSTEM START MERGES daybook.events'));
    await insert(rows3.slice(0, 60));
    const check = new ClickHouseChainCheck(runner, { database: 'daybook', store });
    check.round();
    assert.equal(await check.damage('bot3', 'h3'), 0);
    runner.read = 0;
    runner.afterParts = () => insert(rows3.slice(60)).then(() => undefined);
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
    await server.mutate(`ALTER TABLE daybook.events UPDATE pnl = pnl + 1000 WHERE event_id = '${victim.event_id}'`);
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
    await insert([{ ...victim, message: 'nothing happened here' }]);
    assert.deepEqual(await damage(check), [1, 1]);
    assert.deepEqual(check.problems('bot2', 'h2').map((p) => p.event_id), [victim.event_id]);
    // Merged (the table keeps one copy of the two, the forged one): still 1, found again from the start.
    await server.exec('OPTIMIZE TABLE daybook.events FINAL');
    const later = new ClickHouseChainCheck(runner, { database: 'daybook', store, fullEvery: 0 });
    assert.deepEqual(await damage(later), [1, 1]);
  });
}

describe('the chain check over ClickHouse 18.16', { skip: clickhouseMissing(), timeout: 300_000 }, () => {
  let ch: ClickHouseInstance | undefined;
  let close: (() => Promise<void>) | undefined;
  after(async () => {
    await close?.();
    await ch?.destroy();
  });
  checks(async () => {
    ch = await startClickHouse();
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${ch.url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    const client = connect(clickhouseTarget(ch.url));
    close = () => client.close();
    const server = ch;
    return {
      runner: counting(clientRunner(client)),
      exec: (sql) => server.query(sql),
      async mutate(sql) {
        await server.query(sql);
        // 18.16 has no mutations_sync: wait for it.
        for (let i = 0; i < 300 && (await server.query("SELECT count() FROM system.mutations WHERE database = 'daybook' AND is_done = 0")).trim() !== '0'; i++) await new Promise((r) => setTimeout(r, 100));
      },
    };
  });
});

describe('the chain check on a current ClickHouse (chdb), the same SQL', { skip: chdbMissing(), timeout: 300_000 }, () => {
  let session: ChdbSession | undefined;
  after(() => session?.cleanup?.());
  checks(async () => {
    const s = (session = await chdbSession());
    for (const st of createStatements({ database: 'daybook' })) s.query(st, 'TSV');
    return {
      runner: counting({ rows: async <T>(sql: string) => parseJsonEachRow<T>(s.query(sql, 'JSONEachRow')) }),
      exec: async (sql) => s.query(sql, 'TSV'),
      mutate: async (sql) => void s.query(`${sql} SETTINGS mutations_sync = 1`, 'TSV'),
    };
  });
});
