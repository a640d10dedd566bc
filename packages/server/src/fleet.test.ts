import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LogAnalyzer } from '@daybook/analytics';
import { buildApp } from './app.js';
import type { FleetAnalyzer, FleetFilter } from './fleet.js';
import { fixture } from './test/helpers.js';

// A server reading a fleet (daybook serve --clickhouse): the report routes take bot and host
// and are answered by the fleet's analyzer, per request (the fleet changes without the local
// files changing); /audit/fleet is its per-bot overview. The analyzer here is LogAnalyzer over
// the fixture, narrowed by nothing: ClickHouse's own figures are tested in @daybook/clickhouse.

let dir: string;
let fleetApp: FastifyInstance;
let filesApp: FastifyInstance;
const asked: FleetFilter[] = [];
let overviews = 0;

before(async () => {
  dir = await fixture();
  const files = new LogAnalyzer(dir, { persist: false });
  const fleet = {
    analyzer(filter: FleetFilter): FleetAnalyzer {
      asked.push(filter);
      return Object.assign(Object.create(files) as LogAnalyzer, { getFleetOverview: async () => ({ bots: [{ bot: filter.bot ?? 'all', n: ++overviews }] }) });
    },
  };
  fleetApp = await buildApp({ logDir: dir, pollMs: 0, fleet });
  filesApp = await buildApp({ logDir: dir, pollMs: 0 });
});
after(async () => {
  await fleetApp.close();
  await filesApp.close();
});

describe('a server reading a fleet', () => {
  it('answers each report from the fleet, narrowed by bot and host', async () => {
    const files = new LogAnalyzer(dir, { persist: false });
    const r = await fleetApp.inject({ url: '/audit/trading_metrics?start_date=2024-01-01&end_date=2024-01-31&bot=b1&host=h1' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), JSON.parse(JSON.stringify(await files.getTradingMetrics('2024-01-01', '2024-01-31'))));
    assert.deepEqual(asked.at(-1), { bot: 'b1', host: 'h1' });
    for (const url of ['/audit/system_metrics?host=h2', '/audit/risk_metrics?bot=b2', '/audit/symbol_performance', '/audit/error_summary?bot=b3', '/audit/daily_report?date=2024-01-02&bot=b4', '/audit/timeseries?start_date=2024-01-01&end_date=2024-01-02&bot=b5']) {
      const res = await fleetApp.inject({ url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    }
    assert.deepEqual(asked.slice(-6), [{ bot: undefined, host: 'h2' }, { bot: 'b2', host: undefined }, { bot: undefined, host: undefined }, { bot: 'b3', host: undefined }, { bot: 'b4', host: undefined }, { bot: 'b5', host: undefined }]);
  });

  it('/audit/fleet is the overview, computed per request (not cached: ClickHouse changes without the files)', async () => {
    const a = (await fleetApp.inject({ url: '/audit/fleet?bot=b1' })).json() as { bots: { bot: string; n: number }[] };
    const b = (await fleetApp.inject({ url: '/audit/fleet?bot=b1' })).json() as { bots: { bot: string; n: number }[] };
    assert.equal(a.bots[0]!.bot, 'b1');
    assert.equal(b.bots[0]!.n, a.bots[0]!.n + 1);
  });

  it('/health says whether the server reads a fleet; a fleet\'s server is healthy without a readable directory', async () => {
    assert.equal((await fleetApp.inject({ url: '/health' })).json<{ fleet: boolean }>().fleet, true);
    assert.equal((await filesApp.inject({ url: '/health' })).json<{ fleet: boolean }>().fleet, false);
    const fleet = { analyzer: () => { throw new Error('not asked'); } };
    const noDir = await buildApp({ logDir: `${dir}/missing`, pollMs: 0, fleet });
    const noDirFiles = await buildApp({ logDir: `${dir}/missing`, pollMs: 0 });
    try {
      const h = await noDir.inject({ url: '/health' });
      assert.equal(h.statusCode, 200);
      assert.deepEqual({ ...h.json<Record<string, unknown>>(), uptime_seconds: 0, version: '' }, { status: 'healthy', log_dir_readable: false, fleet: true, uptime_seconds: 0, version: '' });
      assert.equal((await noDirFiles.inject({ url: '/health' })).statusCode, 503);
    } finally {
      await noDir.close();
      await noDirFiles.close();
    }
  });

  it('without a fleet: /audit/fleet is 404 and bot/host are a bad request, saying how to start one', async () => {
    const none = await filesApp.inject({ url: '/audit/fleet' });
    assert.equal(none.statusCode, 404);
    assert.match(none.json<{ message: string }>().message, /serve --clickhouse/);
    const bot = await filesApp.inject({ url: '/audit/trading_metrics?bot=b1' });
    assert.equal(bot.statusCode, 400);
    assert.equal(bot.json<{ field: string }>().field, 'bot');
    assert.equal((await filesApp.inject({ url: '/audit/trading_metrics' })).statusCode, 200);
  });
});
