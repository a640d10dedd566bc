import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp, startServer } from '@daybook/server';
import { analyzerOf, clickhouseTarget, fleetEvents, openClickHouse, Shipper, type OpenedClickHouse } from '@daybook/clickhouse';
import { appLog, loggedBot } from '../../../clickhouse/dist/test/fleet.js';
import { same } from '../../../clickhouse/dist/test/same.js';
import { botLogger, logOne, writeLogs } from '../../../clickhouse/dist/test/logs.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from '../../../clickhouse/dist/test/server.js';
import { run } from '../test/run.js';
import { sseClient } from '../../../server/dist/test/sse.js';

// The event routes of `daybook serve --clickhouse` (events, stream, export) and `daybook
// export --clickhouse` against the same routes over the files: two bots' directories (one with
// rotated, gzipped backups, the other with an app's text log beside its audit log) shipped by
// the real Shipper into a real ClickHouse 18.16, and each output compared with the file
// server's on that bot's directory.


describe('serve --clickhouse: events, stream and export read ClickHouse, as the files give them', { skip: clickhouseMissing() }, () => {
  let ch: ClickHouseInstance;
  let root: string;
  const dirs: Record<string, string> = {};
  let opened: OpenedClickHouse;
  let fleetApp: FastifyInstance;
  const filesApps: Record<string, FastifyInstance> = {};
  const ship = (names: string[]) => new Shipper({ dirs: names.map((n) => dirs[n]!), target: clickhouseTarget(ch.url), host: 'h1', log: () => undefined }).once();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'daybook-serve-fleet-'));
    dirs.bot1 = join(root, 'bot1');
    dirs.bot2 = join(root, 'bot2');
    const empty = join(root, 'none');
    mkdirSync(empty);
    [ch] = await Promise.all([startClickHouse(), loggedBot(dirs.bot1, 7, Date.UTC(2024, 2, 1, 9), 2, 150), writeLogs(dirs.bot2, 2500, { maxFileSize: 48 * 1024 })]);
    appLog(dirs.bot1, 'trader', Date.UTC(2024, 2, 2, 7, 0, 1, 5)); // bot1's app writes text lines beside its audit log
    await ship(['bot1', 'bot2']);
    opened = await openClickHouse(ch.url);
    fleetApp = await buildApp({ logDir: empty, pollMs: 0, docs: false, fleet: { analyzer: (f) => analyzerOf(opened, f), events: fleetEvents(opened.runner, 'daybook'), pollMs: 100 } });
    for (const name of ['bot1', 'bot2']) filesApps[name] = await buildApp({ logDir: dirs[name]!, pollMs: 0, docs: false, analyzer: { persist: false } });
  });
  after(async () => {
    await fleetApp?.close();
    for (const app of Object.values(filesApps)) await app.close();
    await opened?.close();
    await ch?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  /** Every page of /audit/events for `query`, following next_cursor. */
  async function allPages(app: FastifyInstance, query: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const r: { statusCode: number; body: string; json<T>(): T } = await app.inject({ url: `/audit/events?limit=37&${query}${cursor === null ? '' : `&cursor=${cursor}`}` });
      assert.equal(r.statusCode, 200, r.body);
      const page = r.json<{ events: Record<string, unknown>[]; count: number; next_cursor: string | null }>();
      assert.equal(page.count, page.events.length);
      out.push(...page.events);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return out;
  }

  it('/audit/events: every page, in both orders and under each filter, equals the files\' for that bot', async () => {
    const queries = ['', 'order=asc', 'event_types=trade_exit,api_call', 'level=warning', 'symbol=AAPL,TSLA', 'start_date=2024-03-03&end_date=2024-03-05', 'session=sess_7_1&order=asc', 'level=ERROR&order=asc'];
    for (const bot of ['bot1', 'bot2']) {
      for (const q of queries) {
        const files = await allPages(filesApps[bot]!, q);
        const fleet = await allPages(fleetApp, `${q}&bot=${bot}`);
        assert.deepEqual(fleet, files, `${bot} ${q}`);
        if (q === '') assert.ok(files.length > 300, `${bot}: ${files.length} events`);
      }
    }
    // The whole fleet: both bots' events, newest first.
    const all = await allPages(fleetApp, 'host=h1');
    const one = await allPages(filesApps.bot1!, '');
    const two = await allPages(filesApps.bot2!, '');
    assert.equal(all.length, one.length + two.length);
    const ts = all.map((e) => Date.parse(e.timestamp as string));
    assert.ok(ts.every((t, i) => i === 0 || t <= ts[i - 1]!), 'newest first');
    assert.equal((await allPages(fleetApp, 'bot=nobody')).length, 0);
  });

  it('app text lines count in the reports over ClickHouse as in the files\' (events, errors, warnings, error summary, series)', async () => {
    for (const url of ['/audit/system_metrics', '/audit/error_summary', '/audit/system_metrics?start_date=2024-03-03&end_date=2024-03-04', '/audit/timeseries?start_date=2024-03-01&end_date=2024-03-05&bucket=hour', '/audit/daily_report?date=2024-03-02']) {
      const files = (await filesApps.bot1!.inject({ url })).json<Record<string, unknown>>();
      const fleet = await fleetApp.inject({ url: `${url}${url.includes('?') ? '&' : '?'}bot=bot1` });
      assert.equal(fleet.statusCode, 200, fleet.body);
      same({ ...fleet.json<Record<string, unknown>>(), generated_at: '' }, { ...files, generated_at: '' }, url);
    }
    const errors = (await fleetApp.inject({ url: '/audit/error_summary?bot=bot1' })).json<{ by_error_type: Record<string, number> }>();
    assert.ok((errors.by_error_type.app_log ?? 0) >= 10, JSON.stringify(errors.by_error_type));
  });

  it('/audit/events: a cursor of the other kind, or a made-up one, is a 400 naming the parameter', async () => {
    const filesCursor = (await filesApps.bot1!.inject({ url: '/audit/events?limit=1' })).json<{ next_cursor: string }>().next_cursor;
    for (const cursor of [filesCursor, 'bm90LWEtY3Vyc29y']) {
      const r = await fleetApp.inject({ url: `/audit/events?cursor=${cursor}` });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json<{ field: string }>().field, 'cursor');
    }
    const bot = await filesApps.bot1!.inject({ url: '/audit/events?bot=bot1' });
    assert.equal(bot.statusCode, 400);
    assert.match(bot.json<{ message: string }>().message, /serve --clickhouse/);
  });

  it('/audit/export_logs: the same CSV and JSON Lines bytes as the files\' export; Parquet refused, saying what to use', async () => {
    for (const [bot, body] of [['bot1', {}], ['bot2', {}], ['bot1', { event_types: ['trade_exit', 'trade_entry'], start_date: '2024-03-02' }], ['bot2', { symbols: ['ETHUSDT'] }]] as const) {
      for (const format of ['csv', 'jsonl'] as const) {
        const files = await filesApps[bot]!.inject({ method: 'POST', url: '/audit/export_logs', payload: { ...body, format } });
        const fleet = await fleetApp.inject({ method: 'POST', url: '/audit/export_logs', payload: { ...body, format, bot } });
        assert.equal(fleet.statusCode, 200, fleet.body);
        assert.ok(files.body.split('\n').length > 20);
        if (bot === 'bot2') assert.equal(fleet.body, files.body, `${bot} ${format} ${JSON.stringify(body)}`);
        else {
          // The same lines; the file export writes the app log's lines after the audit log's, ClickHouse's in time order.
          const lines = (text: string) => text.split('\n').sort();
          assert.deepEqual(lines(fleet.body), lines(files.body), `${bot} ${format} ${JSON.stringify(body)}`);
          if (format === 'jsonl' && body.event_types === undefined) assert.ok(fleet.body.includes('"event_type":"app_log","component":"trader"'));
        }
      }
    }
    const parquet = await fleetApp.inject({ method: 'POST', url: '/audit/export_logs', payload: { format: 'parquet' } });
    assert.equal(parquet.statusCode, 400);
    assert.match(parquet.json<{ message: string }>().message, /csv or jsonl/);
  });

  it('daybook export --clickhouse writes the file daybook export --dir writes', async () => {
    for (const ext of ['csv', 'jsonl']) {
      const a = join(root, `files.${ext}`);
      const b = join(root, `fleet.${ext}`);
      const files = await run(['export', '--dir', dirs.bot2!, '--out', a, '--json']);
      const fleet = await run(['export', '--clickhouse', ch.url, '--bot', 'bot2', '--out', b, '--json']);
      assert.equal(fleet.status, 0, fleet.stderr);
      assert.equal(files.status, 0, files.stderr);
      assert.equal(JSON.parse(fleet.stdout).rows, JSON.parse(files.stdout).rows);
      assert.equal(readFileSync(b, 'utf8'), readFileSync(a, 'utf8'));
    }
    const both = await run(['export', '--clickhouse', ch.url, '--dir', dirs.bot2!, '--out', join(root, 'x.csv')]);
    assert.equal(both.status, 2);
    const down = await run(['export', '--clickhouse', 'http://127.0.0.1:1', '--out', join(root, 'y.csv')]);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /DAYBOOK_E_CLICKHOUSE_UNREACHABLE/);
  });

  it('/audit/stream polls ClickHouse: what is shipped after connecting arrives once, filtered, in order; Last-Event-ID resumes', async () => {
    const { app, url } = await startServer({ logDir: join(root, 'none'), port: 0, docs: false, pollMs: 0, fleet: { analyzer: (f) => analyzerOf(opened, f), events: fleetEvents(opened.runner, 'daybook'), pollMs: 100 } });
    try {
      const two = await sseClient(`${url}/audit/stream?bot=bot2`);
      const errors = await sseClient(`${url}/audit/stream?level=ERROR`);
      const before2 = (await allPages(filesApps.bot2!, 'order=asc')).length;
      await new Promise((r) => setTimeout(r, 300)); // both followers have started
      const log2 = botLogger(dirs.bot2!, { maxFileSize: 48 * 1024 });
      for (let i = 0; i < 40; i++) logOne(log2, i);
      await log2.close();
      await loggedBot(dirs.bot1!, 8, Date.UTC(2024, 3, 1, 9), 1, 30);
      await ship(['bot1', 'bot2']);
      // What the files say is new: bot2's events after those it had (its logger's start and
      // stop among them), and every new error of both bots.
      const new2 = (await allPages(filesApps.bot2!, 'order=asc')).slice(before2);
      assert.equal(new2.length, 42);
      await two.until(42);
      assert.deepEqual(two.events.map((e) => e.data), new2);
      const newErrors = [...(await allPages(filesApps.bot1!, 'level=ERROR&start_date=2024-04-01&order=asc')), ...new2.filter((e) => e.level === 'ERROR' || e.level === 'CRITICAL')];
      await errors.until(newErrors.length);
      assert.deepEqual(new Set(errors.events.map((e) => e.data.event_id)), new Set(newErrors.map((e) => e.event_id)));
      await ship(['bot1', 'bot2']); // nothing new: nothing more
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(two.events.length, 42);
      two.close();
      errors.close();
      const resumed = await sseClient(`${url}/audit/stream?bot=bot2`, { 'last-event-id': two.events[29]!.id });
      await resumed.until(12);
      assert.deepEqual(resumed.events.map((e) => e.data), new2.slice(30));
      resumed.close();
      // A Last-Event-ID this server did not issue (a file server's, a made-up one) is a 400 naming the header, not a stream from now.
      for (const id of ['bm90LWEtY3Vyc29y', 'not base64 at all']) {
        const bad = await fetch(`${url}/audit/stream?bot=bot2`, { headers: { 'last-event-id': id } });
        assert.equal(bad.status, 400);
        assert.equal((await bad.json() as { field: string }).field, 'Last-Event-ID');
      }
    } finally {
      await app.close();
    }
  });

  it('ClickHouse down: each fleet route answers 503 naming the cause; back up, the same request answers', async () => {
    await ch.stop();
    try {
      for (const url of ['/audit/events?bot=bot1', '/audit/trading_metrics?bot=bot1', '/audit/fleet']) {
        const r = await fleetApp.inject({ url });
        assert.equal(r.statusCode, 503, `${url}: ${r.body}`);
        const body = r.json<{ error: string; message: string }>();
        assert.equal(body.error, 'DAYBOOK_E_SERVER_FLEET');
        assert.match(body.message, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+.*DAYBOOK_E_CLICKHOUSE_UNREACHABLE/);
      }
      const exported = await fleetApp.inject({ method: 'POST', url: '/audit/export_logs', payload: { format: 'csv', bot: 'bot1' } });
      assert.equal(exported.statusCode, 503, exported.body);
      assert.equal(exported.json<{ error: string }>().error, 'DAYBOOK_E_SERVER_FLEET');
    } finally {
      await ch.start();
    }
    assert.equal((await fleetApp.inject({ url: '/audit/events?bot=bot1&limit=1' })).statusCode, 200);
  });
});
