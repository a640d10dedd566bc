import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALL_TIME, parseRange, readLine } from '@daybook/analytics';
import { ClickHouseEvents, decodeEventKey, type EventQuery } from './events.js';
import { ClickHouseFollower } from './follow.js';
import { exportFleetEvents } from './export.js';
import { lineOf } from './event-row.js';
import { clientRunner, parseJsonEachRow, type QueryRunner } from './runner.js';
import { connect, clickhouseTarget } from './connect.js';
import { createSettings, createStatements } from './schema.js';
import { appLog, auditFiles, insertSql, loggedBot, rowsOf } from './test/fleet.js';
import { emptyBadLinesSink } from './test/sink.js';
import { chdbMissing, chdbSession, type ChdbSession } from './test/chdb.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from './test/server.js';
import type { Row } from './row.js';

// The events side of the fleet (events.ts, follow.ts): pages, the stream's poll and the
// export's rows, on ClickHouse 18.16 and with the same SQL on a current ClickHouse (chdb),
// against the events read from the files. Every line is inserted twice (a re-sent batch):
// each event must come once. (The routes over these are compared with the file server's in
// packages/cli/src/commands/serve-fleet.test.ts.)

interface Fixture {
  root: string;
  /** Rows of bot a (audit log and an app log) and bot b, each twice. */
  rows: Row[];
  later: Row[];
  /** The audit events of each bot as the files hold them (no chain link), oldest first. */
  events: Record<string, Record<string, unknown>[]>;
  /** The JSON Lines of bot a's audit files, chain links included. */
  lines: string[];
}

async function fixture(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'daybook-ch-events-'));
  const [a, b] = [join(root, 'a'), join(root, 'b')];
  await loggedBot(a, 3, Date.UTC(2024, 2, 1, 9), 2, 120);
  await loggedBot(b, 4, Date.UTC(2024, 2, 2, 9), 1, 100);
  const app = appLog(a, 'trader', Date.UTC(2024, 2, 1, 10, 0, 0, 1), 12);
  const events: Record<string, Record<string, unknown>[]> = {};
  for (const [bot, dir] of [['a', a], ['b', b]] as const) {
    events[bot] = [];
    for (const f of auditFiles(dir)) for (const line of readFileSync(f, 'utf8').split('\n')) if (line !== '') readLine(line, emptyBadLinesSink((o) => events[bot]!.push(o)));
  }
  const ra = rowsOf([...auditFiles(a), app], 'a', 'h1');
  const rb = rowsOf(auditFiles(b), 'b', 'h2');
  // What comes after a stream starts: bot a's next session and a bot c never seen before.
  await loggedBot(join(root, 'a2'), 5, Date.UTC(2024, 3, 1, 9), 1, 20);
  await loggedBot(join(root, 'c'), 6, Date.UTC(2024, 3, 1, 9), 1, 20);
  const later = [...rowsOf(auditFiles(join(root, 'a2')), 'a', 'h1'), ...rowsOf(auditFiles(join(root, 'c')), 'c', 'h1')];
  const lines = auditFiles(a).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== ''));
  return { root, rows: [...ra, ...rb, ...ra, ...rb], later, events, lines };
}

const all = (o: Partial<EventQuery> = {}): EventQuery => ({ range: ALL_TIME, ...o });

async function pages(ev: ClickHouseEvents, q: EventQuery, order: 'asc' | 'desc', limit = 17): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const page = await ev.page(q, limit, order, cursor === null ? undefined : decodeEventKey(cursor));
    out.push(...page.events);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return out;
}

/** The checks, on one server (insert runs one statement). */
function checks(setup: () => Promise<{ runner: QueryRunner; insert: (sql: string) => Promise<unknown>; f: Fixture }>): void {
  let runner: QueryRunner;
  let insert: (sql: string) => Promise<unknown>;
  let f: Fixture;
  before(async () => {
    ({ runner, insert, f } = await setup());
  });

  it('pages: every event once, in time order both ways, as the files hold it; filters in SQL', async () => {
    const ev = new ClickHouseEvents(runner, 'daybook');
    const a = await pages(ev, all({ bot: 'a' }), 'asc');
    assert.deepEqual(a, f.events.a);
    assert.deepEqual(await pages(ev, all({ bot: 'a' }), 'desc', 1000), [...f.events.a!].reverse());
    const fleet = await pages(ev, all({ host: 'h2' }), 'desc', 50);
    assert.deepEqual(fleet, [...f.events.b!].reverse());
    const range = parseRange('2024-03-02', '2024-03-20');
    const q = all({ range, bot: 'a', types: ['system_error', 'health_check', 'risk_limit_hit'], minLevel: 'warning' });
    const want = f.events.a!.filter((e) => {
      const t = Date.parse(e.timestamp as string) * 1000;
      return t >= range.start && t <= range.end && ['system_error', 'health_check', 'risk_limit_hit'].includes(e.event_type as string) && ['WARNING', 'ERROR', 'CRITICAL'].includes(String(e.level).toUpperCase());
    });
    assert.ok(want.length > 3);
    assert.deepEqual(await pages(ev, q, 'asc', 2), want);
    const sym = await pages(ev, all({ symbols: ['AAPL'], sessions: ['sess_3_1'] }), 'asc');
    assert.deepEqual(sym, f.events.a!.filter((e) => e.symbol === 'AAPL' && e.session_id === 'sess_3_1'));
    assert.deepEqual(await ev.page(all({ bot: 'nobody' }), 10, 'asc'), { events: [], next_cursor: null });
    // Filters and cursors are request parameters: quoted, never SQL.
    assert.deepEqual(await ev.page(all({ bot: "a' OR bot != '", host: 'h1\\' }), 10, 'asc'), { events: [], next_cursor: null });
    const quoted = decodeEventKey(Buffer.from(JSON.stringify(['ch', 0, "a' OR 1 = 1) --", '\\', "x'"])).toString('base64url'));
    assert.deepEqual((await ev.page(all({ bot: 'a' }), 1000, 'asc', quoted)).events, f.events.a);
  });

  it('the export\'s rows: the audit lines as written (chain links included), and the app\'s text lines', async () => {
    const ev = new ClickHouseEvents(runner, 'daybook');
    const rows = [];
    for await (const r of ev.each(all({ bot: 'a' }))) rows.push(r);
    const audit = rows.filter((r) => !r.event_id.startsWith('app-line:'));
    assert.deepEqual(audit.map((r) => lineOf(r)), f.lines);
    assert.equal(rows.length - audit.length, 12);
  });

  it('the export: ClickHouse gone mid-stream rejects with its error and leaves no partial file', async () => {
    const ev = new ClickHouseEvents(runner, 'daybook');
    const file = join(f.root, 'cut.csv');
    const reset = new Error('socket hang up');
    // The connection reset after the first rows (a runner without streaming: at the first page).
    const stream = runner.stream;
    const cut: QueryRunner = stream === undefined
      ? { rows: () => Promise.reject(reset) }
      : {
        rows: (sql) => runner.rows(sql),
        async *stream<T>(sql: string) {
          let n = 0;
          for await (const row of stream.call(runner, sql) as AsyncIterable<T>) {
            if (n++ === 50) throw reset;
            yield row;
          }
        },
      };
    await assert.rejects(exportFleetEvents(new ClickHouseEvents(cut, 'daybook'), file, 'csv', all({ bot: 'a' })), reset);
    assert.equal(existsSync(file), false);
    const whole = await exportFleetEvents(ev, file, 'csv', all({ bot: 'a' }));
    assert.ok(whole.rows > 50 && existsSync(file));
  });

  it('the stream\'s follower: what arrives after it started, once, per bot in order; a re-sent copy is not new', async () => {
    const ev = new ClickHouseEvents(runner, 'daybook');
    const follower = await ClickHouseFollower.start(ev, all());
    const errors = await ClickHouseFollower.start(ev, all({ minLevel: 'ERROR' }));
    assert.deepEqual(await follower.next(), []);
    await insert(insertSql('daybook', f.later));
    await insert(insertSql('daybook', f.rows.slice(0, 50))); // old copies: nothing new
    const got: { id: string; event: Record<string, unknown> }[] = [];
    for (let batch = await follower.next(7); batch.length > 0; batch = await follower.next(7)) got.push(...batch);
    const ids = got.map((g) => g.event.event_id as string);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(new Set(ids), new Set(f.later.map((r) => r.event_id as string)));
    const errs = await errors.next(1000);
    assert.deepEqual(new Set(errs.map((e) => e.event.event_id)), new Set(f.later.filter((r) => r.level === 'ERROR' || r.level === 'CRITICAL').map((r) => r.event_id)));
    // Resumed after the 10th: the rest.
    const resumed = await ClickHouseFollower.start(ev, all(), { after: decodeEventKey(got[9]!.id) });
    assert.deepEqual((await resumed.next(1000)).map((g) => g.event.event_id), ids.slice(10));
    assert.deepEqual(await follower.next(), []);
  });

  it('the stream\'s follower over a fleet of 2,000 hosts: its poll stays within max_query_size, and a dropped host\'s new rows come once', async () => {
    const ev = new ClickHouseEvents(runner, 'daybook');
    // Hosts that came and went (containers): one old row each, of a bot z.
    const proto = f.rows[0]!;
    const old = Date.UTC(2024, 0, 1) * 1000;
    const row = (host: string, ts: number, n: number): Row => ({ ...proto, bot: 'z', host, ts, time: Math.floor(ts / 1e6), event_id: `0190z-${host}-${n}`, file: 'audit.log', offset: n });
    await insert(insertSql('daybook', Array.from({ length: 2000 }, (_, i) => row(`h${i}`, old + i, 0))));
    const follower = await ClickHouseFollower.start(ev, all({ bot: 'z' }));
    assert.deepEqual(await follower.next(), []);
    // h3 is among the oldest (dropped at start), h1999 the newest (kept), h-new never seen.
    const now = Date.UTC(2024, 5, 1) * 1000;
    const fresh = [row('h3', now, 1), row('h1999', now + 1, 1), row('h-new', now + 2, 1)];
    await insert(insertSql('daybook', [...fresh, ...fresh]));
    assert.deepEqual((await follower.next()).map((g) => g.event.event_id), fresh.map((r) => r.event_id));
    assert.deepEqual(await follower.next(), []);
  });
}

describe('fleet events on ClickHouse 18.16', { skip: clickhouseMissing() }, () => {
  let ch: ClickHouseInstance;
  let client: ReturnType<typeof connect>;
  let f: Fixture;
  after(async () => {
    await client?.close();
    await ch?.destroy();
    if (f !== undefined) rmSync(f.root, { recursive: true, force: true });
  });
  checks(async () => {
    [ch, f] = await Promise.all([startClickHouse(), fixture()]);
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${ch.url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    await ch.query(insertSql('daybook', f.rows));
    client = connect(clickhouseTarget(ch.url));
    return { runner: clientRunner(client), insert: (sql) => ch.query(sql), f };
  });
});

describe('fleet events on a current ClickHouse (chdb), the same SQL', { skip: chdbMissing() }, () => {
  let s: ChdbSession;
  let f: Fixture;
  after(() => {
    s?.cleanup?.();
    if (f !== undefined) rmSync(f.root, { recursive: true, force: true });
  });
  checks(async () => {
    [s, f] = await Promise.all([chdbSession(), fixture()]);
    for (const st of createStatements({ database: 'daybook' })) s.query(st, 'TSV');
    s.query(insertSql('daybook', f.rows), 'TSV');
    return { runner: { rows: async <T>(sql: string) => parseJsonEachRow<T>(s.query(sql, 'JSONEachRow')) }, insert: async (sql) => s.query(sql, 'TSV'), f };
  });
});
