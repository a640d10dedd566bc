import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLogger, link } from '@daybook/core';
import { emptyWalk, walkRows, type StreamWalk } from './chain-walk.js';
import { eventOf, type EventRow } from './event-row.js';
import { auditFiles, loggedBot, rowsOf } from './test/fleet.js';

// The chain re-checked from rows alone: rows as the shipper inserts them (rowOf over the lines
// core's logger wrote), walked as chain-check.ts walks them (event_id order).

const root = mkdtempSync(join(tmpdir(), 'daybook-chain-walk-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A directory's chained rows, event_id order. */
const rowsOfDir = (dir: string): EventRow[] =>
  (rowsOf(auditFiles(dir), 'b', 'h') as unknown as EventRow[]).filter((r) => r.hash !== '').sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));

async function walk(rows: EventRow[], w: StreamWalk = emptyWalk()): Promise<StreamWalk> {
  await walkRows(w, rows);
  return w;
}

describe('the chain from rows (chain-walk)', () => {
  let rows: EventRow[];
  before(async () => {
    await loggedBot(join(root, 'bot'), 7, Date.UTC(2024, 2, 1, 9), 3, 120);
    rows = rowsOfDir(join(root, 'bot'));
  });

  it('rows shipped from a chained directory: no damage, whole or in pieces; the cursor is the last id', async () => {
    assert.ok(rows.length > 300);
    const whole = await walk(rows);
    assert.equal(whole.damage, 0, JSON.stringify(whole.problems));
    assert.equal(whole.cursor, rows.at(-1)!.event_id);
    const w = emptyWalk();
    for (let i = 0; i < rows.length; i += 97) assert.equal(await walkRows(w, rows.slice(i, i + 97)), 0);
    assert.equal(w.cursor, whole.cursor);
    assert.deepEqual(w.heads.slice(0, 1), [rows.at(-1)!.hash]);
  });

  it('an altered row is one break, at that row; the rest still follows', async () => {
    const i = rows.findIndex((r) => r.pnl !== null && r.pnl !== undefined);
    const altered = rows.map((r, j) => (j === i ? { ...r, pnl: Number(r.pnl) + 1000 } : r));
    const w = await walk(altered);
    assert.equal(w.damage, 1);
    assert.deepEqual(w.problems.map((p) => [p.kind, p.event_id]), [['break', rows[i]!.event_id]]);
    // The same alteration seen in a later walk (after the row's predecessor was walked before).
    const w2 = await walk(rows.slice(0, i));
    assert.equal(await walkRows(w2, altered.slice(i)), 1);
  });

  it('a deleted row is one break (a gap) at the row after it; the first row of the history is its start', async () => {
    const w = await walk([...rows.slice(0, 50), ...rows.slice(51)]);
    assert.deepEqual(w.problems.map((p) => [p.kind, p.event_id]), [['break', rows[51]!.event_id]]);
    // Older rows gone (a shipper started late, a TTL): the first row left starts the chain.
    assert.equal((await walk(rows.slice(40))).damage, 0);
    // ... but only the first: a gap after it in the same walk counts.
    assert.equal((await walk([...rows.slice(40, 60), ...rows.slice(61)])).damage, 1);
  });

  it('a forged row is one break: a made-up link, or one computed over the row before it (then the next row breaks)', async () => {
    const i = 100;
    const id = rows[i]!.event_id + '0'; // sorts right after row i
    assert.ok(id > rows[i]!.event_id && id < rows[i + 1]!.event_id);
    const forged = { ...rows[i]!, event_id: id, message: 'forged', hash: 'ab'.repeat(32) };
    const w = await walk([...rows.slice(0, i + 1), forged, ...rows.slice(i + 1)]);
    assert.deepEqual(w.problems.map((p) => [p.kind, p.event_id]), [['break', id]]);
    const linked = { ...forged, hash: link(rows[i]!.hash, JSON.stringify(eventOf(forged))) };
    const w2 = await walk([...rows.slice(0, i + 1), linked, ...rows.slice(i + 1)]);
    assert.deepEqual(w2.problems.map((p) => [p.kind, p.event_id]), [['break', rows[i + 1]!.event_id]]);
  });

  it('copies of one event_id: the same line twice is one row; a copy with other columns is a conflict', async () => {
    const i = 30;
    assert.equal((await walk([...rows.slice(0, i + 1), { ...rows[i]!, file: 'audit.log.1', offset: 5 }, ...rows.slice(i + 1)])).damage, 0);
    const w = await walk([...rows.slice(0, i + 1), { ...rows[i]!, message: 'rewritten' }, ...rows.slice(i + 1)]);
    assert.deepEqual(w.problems.map((p) => [p.kind, p.event_id]), [['conflict', rows[i]!.event_id]]);
    // Whichever copy comes first.
    const w2 = await walk([...rows.slice(0, i), { ...rows[i]!, message: 'rewritten' }, ...rows.slice(i)]);
    assert.equal(w2.damage, 1);
  });

  it("lines a row cannot tell apart: a number written as null (non-finite, or a caller's null) follows its link", async () => {
    const dir = join(root, 'nulls');
    const log = new AuditLogger({ logDir: dir, consoleLevel: false, environment: 'test' });
    void log.logTradeExit({ symbol: 'AAPL', quantity: 1, price: Number.NaN, pnl: Number.POSITIVE_INFINITY });
    void log.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 10, pnl: null as unknown as number });
    void log.logApiCall({ endpoint: '/x', method: 'GET', statusCode: 200, latencyMs: 5 });
    await log.close();
    const r = rowsOfDir(dir);
    assert.deepEqual(r.filter((x) => x.event_type === 'trade_exit').map((x) => [x.price, x.pnl]), [[null, null], [10, null]]);
    assert.equal((await walk(r)).damage, 0);
  });

  it('strings as core escapes them (U+2028, U+2029, DEL and C1 controls too), quotes, emoji: rebuilt byte for byte', async () => {
    const dir = join(root, 'strings');
    const log = new AuditLogger({ logDir: dir, consoleLevel: false });
    for (const m of ['a\u2028b\u2029c', 'ctl\u0001\u001f\u007f\u0085\u009f', 'tab\tq"b\\s/', 'emoji \u{1f600} é', 'token: abc123secret']) {
      void log.logError(m, 'c', { metadata: { m, ['k\u2028' + m]: [m, -0, 0.1 + 0.2, 1e21, null, true] } });
    }
    await log.close();
    const r = rowsOfDir(dir);
    assert.equal(r.filter((x) => x.event_type === 'system_error').length, 5);
    assert.deepEqual((await walk(r)).problems, []);
  });

  it('a bot whose clock went back between two runs: rows out of id order still follow, no damage', async () => {
    const dir = join(root, 'clock');
    // Two processes (a process's own ids never go back, whatever its clock says).
    const core = new URL('../../core/dist/index.js', import.meta.url).href;
    for (const start of [Date.UTC(2025, 0, 2), Date.UTC(2025, 0, 1)]) {
      const script = `import { AuditLogger } from ${JSON.stringify(core)};
        let now = ${start};
        const log = new AuditLogger({ logDir: ${JSON.stringify(dir)}, consoleLevel: false, clock: () => (now += 1000) });
        for (let i = 0; i < 30; i++) void log.logApiCall({ endpoint: '/x', method: 'GET', statusCode: 200, latencyMs: i });
        await log.close();`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    const r = rowsOfDir(dir);
    assert.equal(r.filter((x) => x.event_type === 'api_call').length, 60);
    assert.ok(String(r[0]!.timestamp).startsWith('2025-01-01'), 'the second run sorts first');
    assert.equal((await walk(r)).damage, 0);
    // The second run's rows come first in id order; with one of them altered, one break.
    assert.equal((await walk(r.map((x, j) => (j === 10 ? { ...x, message: 'altered' } : x)))).damage, 1);
  });
});
