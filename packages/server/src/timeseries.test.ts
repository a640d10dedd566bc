import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { assertCachedUntilChange, auditEvents, fixture } from './test/helpers.js';

let dir: string;
let app: FastifyInstance;

before(async () => {
  dir = await fixture();
  app = await buildApp({ logDir: dir, pollMs: 50, maxStaleMs: 0 });
});
after(() => app.close());

const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url });
  return { status: r.statusCode, body: r.json() };
};

/** The last instant of an hour, as an inclusive timestamp bound. */
const hourEnd = (start: string): string => new Date(Date.parse(start) + 3_599_999).toISOString().replace('Z', '999Z');

describe('GET /audit/timeseries', () => {
  it('each hour equals /audit/system_metrics and /audit/risk_metrics of that hour', async () => {
    const r = await get('/audit/timeseries?start_date=2024-01-15&end_date=2024-01-15&bucket=hour');
    assert.equal(r.status, 200);
    assert.equal(r.body.bucket, 'hour');
    assert.equal(r.body.buckets.length, 24);
    for (const b of r.body.buckets) {
      const q = `start_date=${b.start}&end_date=${hourEnd(b.start)}`;
      const [s, k, t] = await Promise.all([get(`/audit/system_metrics?${q}`), get(`/audit/risk_metrics?${q}`), get(`/audit/trading_metrics?${q}`)]);
      assert.deepEqual([b.p50_api_latency, b.p95_api_latency, b.p99_api_latency, b.error_count, b.warning_count], [s.body.p50_api_latency, s.body.p95_api_latency, s.body.p99_api_latency, s.body.error_count, s.body.warning_count], b.start);
      assert.deepEqual([b.risk_limit_hit, b.daily_loss_limit, b.portfolio_heat_warning, b.position_size_calculated], [k.body.risk_limit_hits, k.body.daily_loss_limit_hits, k.body.portfolio_heat_warnings, k.body.position_size_calculations], b.start);
      assert.deepEqual([b.closed_trades, b.realized_pnl], [t.body.total_trades, t.body.total_pnl], b.start);
    }
    const h10 = r.body.buckets[10];
    assert.deepEqual([h10.start, h10.closed_trades, h10.realized_pnl, h10.p50_api_latency], ['2024-01-15T10:00:00.000Z', 1, 550, 20]);
  });

  it('each day equals that day\'s reports; an empty day is zeros and nulls; the trades are the closed ones, oldest first', async () => {
    const r = await get('/audit/timeseries?start_date=2024-01-14&end_date=2024-01-16');
    assert.equal(r.status, 200);
    assert.equal(r.body.bucket, 'day');
    assert.deepEqual(r.body.buckets.map((b: { start: string }) => b.start.slice(0, 10)), ['2024-01-14', '2024-01-15', '2024-01-16']);
    const [empty, d15, d16] = r.body.buckets;
    assert.deepEqual([empty.closed_trades, empty.realized_pnl, empty.error_count, empty.p99_api_latency, empty.portfolio_heat_warning], [0, 0, 0, null, 0]);
    for (const [b, day] of [[d15, '2024-01-15'], [d16, '2024-01-16']] as const) {
      const s = (await get(`/audit/system_metrics?start_date=${day}&end_date=${day}`)).body;
      const t = (await get(`/audit/trading_metrics?start_date=${day}&end_date=${day}`)).body;
      const k = (await get(`/audit/risk_metrics?start_date=${day}&end_date=${day}`)).body;
      assert.deepEqual([b.p50_api_latency, b.p95_api_latency, b.p99_api_latency, b.error_count, b.warning_count], [s.p50_api_latency, s.p95_api_latency, s.p99_api_latency, s.error_count, s.warning_count]);
      assert.deepEqual([b.closed_trades, b.realized_pnl, b.portfolio_heat_warning], [t.total_trades, t.total_pnl, k.portfolio_heat_warnings]);
    }
    const exits = auditEvents(dir).filter((e) => e.event_type === 'trade_exit');
    assert.deepEqual(r.body.trades.map((t: { event_id: string; pnl: number; symbol: string }) => [t.event_id, t.pnl, t.symbol]), exits.map((e) => [e.event_id, e.pnl, e.symbol]));
    assert.deepEqual(r.body.trades[0], {
      timestamp: '2024-01-15T10:30:00.000Z', event_id: exits[0]!.event_id, symbol: 'AAPL', strategy: 'momentum', quantity: 10, price: 155,
      pnl: 550, exit_reason: 'take_profit_hit', hold_minutes: 30, // derived from its entry at 10:00 (metrics.md "Trades")
    });
    assert.deepEqual([r.body.total_trades, r.body.truncated, r.body.earlier_pnl, r.body.bad_lines.total], [5, false, 0, 0]);
  });

  it('max_trades keeps the latest trades and says what was left out', async () => {
    const r = await get('/audit/timeseries?start_date=2024-01-15&end_date=2024-01-16&max_trades=2');
    assert.deepEqual(r.body.trades.map((t: { pnl: number }) => t.pnl), [-50, 300]);
    assert.deepEqual([r.body.total_trades, r.body.truncated, r.body.earlier_pnl, r.body.earlier_peak], [5, true, 470, 550]);
    const none = await get('/audit/timeseries?start_date=2024-01-15&end_date=2024-01-16&max_trades=0');
    assert.deepEqual([none.body.trades, none.body.truncated], [[], true]);
  });

  it('answers a bad request with a 400 naming the field', async () => {
    for (const [query, field] of [['start_date=2024-01-15', 'end_date'], ['start_date=2024-01-15&end_date=2024-01-16&bucket=minute', 'bucket'], ['start_date=2024-01-16&end_date=2024-01-15', 'end_date'], ['start_date=1990-01-01&end_date=2024-01-16&bucket=hour', 'bucket']]) {
      const r = await get(`/audit/timeseries?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.field, field, query);
      assert.match(r.body.error, /^DAYBOOK_E_SERVER_BAD_/);
      assert.ok(r.body.message.length > 20, r.body.message);
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await get('/docs/json')).body;
    const params = doc.paths['/audit/timeseries'].get.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(params, ['bot', 'bucket', 'end_date', 'host', 'max_trades', 'start_date']);
  });

  it('is cached until the files change, and never builds the event index', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const a2 = await assertCachedUntilChange(`/audit/timeseries?start_date=${today}&end_date=${today}&bucket=hour`, (body) => body.total_trades);
    assert.equal(a2.daybook.index.files.length, 0, 'the event index was not built');
  });
});
