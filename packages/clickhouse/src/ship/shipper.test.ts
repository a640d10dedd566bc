import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { clickhouseTarget } from '../connect.js';
import { createStatements } from '../schema.js';
import { clickhouseFigures, fileFigures, writeLogs, type Figures } from '../test/logs.js';
import { clickhouseMissing, startClickHouse, startCluster, type ClickHouseInstance } from '../test/server.js';
import { ShipError } from './failure.js';
import { loadPositions, positionPath } from './positions.js';
import { Shipper, type ShipperOptions } from './shipper.js';

const missing = clickhouseMissing();
const child = (name: string) => fileURLToPath(new URL(`../test/${name}`, import.meta.url));
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `daybook-ship-${p}-`));

function assertSame(ch: Figures & { rows: number }, files: Figures & { total_events: number }): void {
  assert.equal(files.events, files.total_events, 'the test reads the files as LogAnalyzer does');
  assert.equal(ch.events, files.events, 'distinct events');
  assert.equal(ch.rows, files.events, 'rows FINAL: each event once');
  assert.equal(ch.apiCalls, files.apiCalls);
  assert.ok(Math.abs(ch.pnl - files.pnl) < 1e-6, `pnl ${ch.pnl} vs ${files.pnl}`);
  assert.ok(Math.abs(ch.latency - files.latency) < 1e-6, `latency ${ch.latency} vs ${files.latency}`);
}

/** Runs once() with test-sized waits; failures collected instead of printed. */
async function shipOnce(o: Partial<ShipperOptions> & Pick<ShipperOptions, 'dirs' | 'target'>, lines: string[] = []) {
  const s = new Shipper({ host: 'test', retryMinMs: 20, retryMaxMs: 200, giveUpMs: 1500, requestTimeoutMs: 5000, log: (l) => lines.push(l), ...o });
  try {
    return await s.once();
  } finally {
    await s.close();
  }
}

describe('the shipper on Debian\'s ClickHouse', { skip: missing }, () => {
  let ch: ClickHouseInstance;
  before(async () => {
    ch = await startClickHouse({ users: { alice: 's3cret-pw' } });
  });
  after(() => ch?.destroy());

  it('ships a rotated, gzipped directory: every event once, the same figures as the files; a second ship adds nothing', async () => {
    const dir = tmp('once');
    try {
      await writeLogs(dir, 3000, { maxFileSize: 16 * 1024 });
      assert.ok(existsSync(join(dir, 'audit.log.2.gz')), 'the directory has gzipped backups');
      const target = clickhouseTarget(ch.url, 'once');
      const first = await shipOnce({ dirs: [dir], target, bot: 'b1', batchRows: 700 });
      assert.ok(first.inserts > 1, 'several batches');
      const files = await fileFigures(dir);
      assert.equal(first.events, files.events);
      const second = await shipOnce({ dirs: [dir], target, bot: 'b1' });
      assert.equal(second.events, 0, 'the saved positions say everything was shipped');
      assertSame(await clickhouseFigures(ch, 'once'), files);
      assert.equal(Number((await ch.query('SELECT count() FROM once.events')).trim()), files.events, 'not even an unmerged copy');
      // Every line of a chained directory carries its link (verify --clickhouse compares them with the files).
      assert.equal((await ch.query("SELECT countIf(match(hash, '^[0-9a-f]{64}$')) = count() FROM once.events")).trim(), '1');
      const pos = loadPositions(positionPath(dir, target.display, 'once'));
      assert.ok([...pos.values()].some((p) => p.done === true && p.name.endsWith('.gz')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the same rows whether the lines are encoded in worker threads (every chunk) or on the main thread', async () => {
    const dir = tmp('encoders');
    try {
      await writeLogs(dir, 1500, { maxFileSize: 16 * 1024 });
      // A bad line and an app text line among the events: counted, not shipped, in both ways.
      appendFileSync(join(dir, 'audit.log'), '{"not json\n');
      const files = await fileFigures(dir);
      const sums = `SELECT count(), sum(cityHash64(event_id, hash, file, offset, metadata, message, level, event_type, session_id, ts)), sum(ifNull(pnl, 0)), sum(ifNull(latency_ms, 0)) FROM %.events FINAL`;
      const got: string[] = [];
      for (const [database, encoders] of [['enc0', 0], ['enc2', 2]] as const) {
        rmSync(join(dir, '.daybook'), { recursive: true, force: true });
        const s = await shipOnce({ dirs: [dir], target: clickhouseTarget(ch.url, database), bot: 'b', encoders, encoderMinChunk: 0, batchRows: 400 });
        assert.equal(s.events, files.events);
        assert.equal(s.bad.invalid_json, 1);
        assertSame(await clickhouseFigures(ch, database), files);
        got.push((await ch.query(sums.replace('%', database))).trim());
      }
      assert.equal(got[0], got[1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a file through rotation and gzip: a position survives both', async () => {
    const dir = tmp('rotate');
    try {
      const line = (i: number) => JSON.stringify({ timestamp: `2024-05-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`, level: 'INFO', event_id: `r-${i}`, event_type: 'api_call', latency_ms: i, metadata: {} }) + '\n';
      writeFileSync(join(dir, 'audit.log'), line(0) + line(1) + '{"timestamp":"2024-05-01T00:00:02.000Z","level":"INFO","eve');
      const target = clickhouseTarget(ch.url, 'rotate');
      assert.equal((await shipOnce({ dirs: [dir], target, bot: 'r' })).events, 2, 'a line being written is not shipped');
      // The line completes, the file is rotated and gzipped, a new one begins.
      appendFileSync(join(dir, 'audit.log'), 'nt_id":"r-2","event_type":"api_call","latency_ms":2,"metadata":{}}\n' + line(3));
      const whole = readFileSync(join(dir, 'audit.log'));
      renameSync(join(dir, 'audit.log'), join(dir, 'audit.log.1'));
      writeFileSync(join(dir, 'audit.log.1.gz'), gzipSync(whole));
      rmSync(join(dir, 'audit.log.1'));
      writeFileSync(join(dir, 'audit.log'), line(4));
      assert.equal((await shipOnce({ dirs: [dir], target, bot: 'r' })).events, 3, 'r-2 and r-3 from the gzip, r-4 from the new file');
      assert.equal((await ch.query("SELECT arrayStringConcat(groupArray(event_id), ',') FROM (SELECT event_id FROM rotate.events ORDER BY event_id)")).trim(), 'r-0,r-1,r-2,r-3,r-4');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGKILLed 20 times while the bot logs and rotates, ClickHouse stopped for a while, a second shipper on the same files: the same figures as the files', async () => {
    const dir = tmp('kill');
    const procs: ChildProcess[] = [];
    const start = (script: string, args: string[]) => {
      const p = spawn(process.execPath, [child(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      procs.push(p);
      return p;
    };
    const ended = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));
    let down = false;
    try {
      const bot = start('bot-child.js', [dir]);
      const steady = start('ship-child.js', [dir, ch.url, 'k']);
      let steadyErr = '';
      steady.stderr!.on('data', (b: Buffer) => (steadyErr += b.toString()));
      for (let i = 0; i < 20; i++) {
        if (i === 7) {
          down = true;
          await ch.stop();
        }
        if (i === 12) {
          await ch.start();
          down = false;
        }
        const victim = start('ship-child.js', [dir, ch.url, 'k']);
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 600));
        victim.kill('SIGKILL');
        await ended(victim);
      }
      bot.kill('SIGTERM');
      await ended(bot);
      steady.kill('SIGTERM');
      await ended(steady);
      assert.match(steadyErr, /DAYBOOK_E_SHIP_UNREACHABLE: cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+/, 'the stop was reported');
      // What the killed shippers left, one last ship picks up.
      await shipOnce({ dirs: [dir], target: clickhouseTarget(ch.url), bot: 'k' });
      const files = await fileFigures(dir);
      assert.ok(files.events > 5000, `the bot logged ${files.events} events`);
      assertSame(await clickhouseFigures(ch, 'daybook', 'k'), files);
    } finally {
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      if (down) await ch.start();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input: a line the server rejects is named, the others shipped; a line 18.16\'s JSON parser would refuse is shipped', async () => {
    const dir = tmp('reject');
    try {
      // The operator's own rule in the table: a DEFAULT that throws for some rows (Code 395).
      const [db, table] = createStatements({ database: 'reject' });
      const guarded = table!.replace(/\n\)\nENGINE/, ",\n  `guard` UInt8 DEFAULT throwIf(message = 'poison')\n)\nENGINE");
      for (const q of [db!, guarded]) {
        const r = await fetch(`${ch.url}/?allow_experimental_low_cardinality_type=1`, { method: 'POST', body: q });
        assert.ok(r.ok, await r.text());
      }
      const line = (i: number, message = 'ok') => JSON.stringify({ timestamp: '2024-05-01T00:00:00.000Z', level: 'INFO', event_id: `x-${i}`, event_type: 'api_call', message, latency_ms: i, metadata: {} });
      // x-3 holds a lone surrogate escape: valid JSON, refused by 18.16's JSONEachRow (Code 25); RowBinary writes it as U+FFFD.
      const lines = Array.from({ length: 40 }, (_, i) => (i === 29 ? line(i, 'poison') : i === 3 ? line(i, 'half \ud800 a pair') : line(i)));
      writeFileSync(join(dir, 'audit.log'), lines.join('\n') + '\n');
      const out: string[] = [];
      const res = await shipOnce({ dirs: [dir], target: clickhouseTarget(ch.url, 'reject'), bot: 'x' }, out);
      assert.equal(res.rejected, 1);
      assert.equal(res.events, 40 - 1);
      const offset = Buffer.byteLength(lines.slice(0, 29).join('\n') + '\n');
      assert.equal(out.length, 1, out.join('\n'));
      assert.match(out[0]!, new RegExp(`DAYBOOK_E_SHIP_REJECTED: .*audit\\.log at byte ${offset} \\(bot x, event_id x-29\\).*Code: 395.*that line is not shipped, the others are`));
      assert.equal((await ch.query('SELECT count(), uniqExact(event_id) FROM reject.events FINAL FORMAT TSV')).trim(), '39\t39');
      assert.equal((await ch.query("SELECT message FROM reject.events WHERE event_id = 'x-3'")).trim(), 'half \ufffd a pair');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input: unreachable, wrong password, another schema: a clear error naming the cause, no password shown, nothing shipped or saved', async () => {
    const dir = tmp('bad');
    try {
      await writeLogs(dir, 50);
      const unreachable: string[] = [];
      await assert.rejects(shipOnce({ dirs: [dir], target: clickhouseTarget('http://127.0.0.1:9', 'bad') }, unreachable), (e: ShipError) => {
        assert.equal(e.code, 'DAYBOOK_E_SHIP_UNREACHABLE');
        assert.match(e.message, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9 \(.*ECONNREFUSED/);
        return true;
      });
      assert.ok(unreachable.length >= 2 && unreachable.slice(0, -1).every((l) => /retrying in/.test(l)), 'retried with backoff, each failure on stderr');

      const wrong = `http://alice:not-${'the'}-pw@${ch.url.slice('http://'.length)}`;
      const authLines: string[] = [];
      await assert.rejects(shipOnce({ dirs: [dir], target: clickhouseTarget(wrong, 'bad') }, authLines), (e: ShipError) => {
        assert.equal(e.code, 'DAYBOOK_E_SHIP_AUTH');
        assert.match(e.message, /refused the credentials/);
        return true;
      });
      assert.ok(!authLines.join('\n').includes('not-the-pw'), 'the password is never printed');
      // The right one, from the environment.
      const env = { CLICKHOUSE_USER: 'alice', CLICKHOUSE_PASSWORD: 's3cret-pw' };
      assert.equal((await shipOnce({ dirs: [dir], target: clickhouseTarget(ch.url, 'bad', env) })).events, 52);

      await ch.query('CREATE DATABASE other');
      await ch.query('CREATE TABLE other.events (event_id String, ts DateTime, pnl Float32) ENGINE = MergeTree ORDER BY event_id');
      await assert.rejects(shipOnce({ dirs: [dir], target: clickhouseTarget(ch.url, 'other') }), (e: ShipError) => {
        assert.equal(e.code, 'DAYBOOK_E_SHIP_SCHEMA');
        assert.match(e.message, /other\.events has another schema \(no column bot; .*\): ship to another --database, or drop the table/);
        return true;
      });
      assert.equal((await ch.query('SELECT count() FROM other.events')).trim(), '0');
      assert.equal(existsSync(positionPath(dir, ch.url, 'other')), false, 'no position saved for a target that took nothing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a two-shard cluster gives the same figures as one server', async () => {
    const dir = tmp('cluster');
    const shards = await startCluster('pair');
    try {
      await writeLogs(dir, 2000, { maxFileSize: 32 * 1024 });
      // No ZooKeeper: each shard's local table is made by a --create-only run against it.
      const init = new Shipper({ dirs: [], target: clickhouseTarget(shards[1]!.url), cluster: 'pair', log: () => {} });
      await init.init();
      await init.close();
      await shipOnce({ dirs: [dir], target: clickhouseTarget(shards[0]!.url), cluster: 'pair', bot: 'c' });
      await shipOnce({ dirs: [dir], target: clickhouseTarget(ch.url, 'single'), bot: 'c' });
      const one = await clickhouseFigures(ch, 'single');
      for (const s of shards) assert.deepEqual(await clickhouseFigures(s), one);
      const local = await Promise.all(shards.map(async (s) => Number((await s.query('SELECT count() FROM daybook.events_local')).trim())));
      assert.ok(local[0]! > 0 && local[1]! > 0 && local[0]! + local[1]! === one.rows, `both shards hold rows: ${local.join(', ')}`);
      assertSame(one, await fileFigures(dir));
    } finally {
      await Promise.all(shards.map((s) => s.destroy()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
