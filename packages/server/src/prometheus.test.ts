import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { EventType, type AuditLogger } from '@daybook/core';
import { buildApp } from './app.js';
import { ChainWatch, LATENCY_BUCKETS } from './prometheus.js';
import { VerifyResults } from './verify-results.js';
import { atTime, fixture, logger, tempDir } from './test/helpers.js';

// /metrics through prom-client: every series of the hand-written exposition is still there
// under its name and meaning, the series the alert rules need are added, and the text is
// what Prometheus's own checker accepts.

/** Samples of an exposition text: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
const types = (text: string): Map<string, string> => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

/** Runs `f` with a server over a new directory holding one error, and the logger that wrote it. */
async function withErrorLog(f: (app: FastifyInstance, audit: AuditLogger) => Promise<void>): Promise<void> {
  const d = tempDir();
  const audit = logger(d);
  void audit.logError('boom', 'broker');
  await audit.flush();
  const app2 = await buildApp({ logDir: d, pollMs: 20, maxStaleMs: 0 });
  try {
    await f(app2, audit);
  } finally {
    await audit.close();
    await app2.close();
  }
}

let dir: string;
let app: FastifyInstance;
let text: string;

before(async () => {
  dir = await fixture();
  // Today's trades and events, for the day's P&L and the risk-limit hits.
  const audit = logger(dir, 's2');
  const now = Date.now();
  void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: -40, orderId: 'today1' });
  void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: 15, orderId: 'today2' });
  void audit.logRiskEvent(EventType.RISK_LIMIT_HIT, 'max position size', { metadata: { limit: 'position' } });
  void audit.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 429, latencyMs: 1500 });
  await audit.close();
  app = await buildApp({ logDir: dir, pollMs: 50, maxStaleMs: 0 });
  const r = await app.inject('/metrics');
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  text = r.body;
  // the last event's timestamp is the risk event's or the API call's: at or after `now`
  assert.ok(samples(text).get('daybook_last_event_timestamp_seconds')! >= Math.floor(now / 1000) - 1);
});
after(() => app.close());

describe('/metrics (prom-client)', () => {
  it('keeps every series of the hand-written exposition, with its type and meaning', async () => {
    const s = samples(text);
    const t = types(text);
    const report = await app.daybook.analyzer.getSystemMetrics();
    const trading = await app.daybook.analyzer.getTradingMetrics();
    assert.equal(s.get('daybook_events_total{event_type="trade_exit",level="INFO"}'), 7);
    assert.equal(s.get('daybook_trades_total'), trading.total_trades);
    assert.equal(s.get('daybook_trades_total'), 7);
    assert.equal(s.get('daybook_winning_trades_total'), trading.winning_trades);
    assert.equal(s.get('daybook_losing_trades_total'), trading.losing_trades);
    assert.equal(s.get('daybook_realized_pnl'), 720 - 40 + 15);
    assert.equal(s.get('daybook_max_drawdown'), trading.max_drawdown);
    assert.equal(s.get('daybook_errors_total'), report.error_count);
    assert.equal(s.get('daybook_warnings_total'), report.warning_count);
    assert.equal(s.get('daybook_api_calls_total'), report.api_calls);
    assert.equal(s.get('daybook_api_errors_total'), report.api_errors);
    assert.equal(s.get('daybook_rate_limit_hits_total'), 1);
    assert.equal(s.get('daybook_health_check_failures_total'), report.health_check_failures);
    assert.equal(s.get('daybook_bad_lines_total'), 0);
    assert.ok(s.get('daybook_log_file_size_bytes{file="audit.log"}')! > 0);
    for (const [name, type] of Object.entries({
      daybook_events_total: 'counter', daybook_trades_total: 'counter', daybook_winning_trades_total: 'counter', daybook_losing_trades_total: 'counter',
      daybook_realized_pnl: 'gauge', daybook_max_drawdown: 'gauge', daybook_errors_total: 'counter', daybook_warnings_total: 'counter',
      daybook_api_calls_total: 'counter', daybook_api_errors_total: 'counter', daybook_rate_limit_hits_total: 'counter',
      daybook_health_check_failures_total: 'counter', daybook_api_latency_seconds: 'histogram', daybook_log_file_size_bytes: 'gauge', daybook_bad_lines_total: 'counter',
    })) assert.equal(t.get(name), type, name);
  });

  it('the latency histogram: cumulative buckets, sum and count whose ratio is the average latency', async () => {
    const s = samples(text);
    const system = await app.daybook.analyzer.getSystemMetrics();
    const count = s.get('daybook_api_latency_seconds_count')!;
    assert.equal(count, 6);
    assert.equal(s.get('daybook_api_latency_seconds_bucket{le="+Inf"}'), count);
    const buckets = LATENCY_BUCKETS.map((le) => s.get(`daybook_api_latency_seconds_bucket{le="${le}"}`)!);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!, 'cumulative');
    assert.equal(s.get('daybook_api_latency_seconds_bucket{le="1"}'), 5, 'the 1.5 s call is above 1 s');
    assert.equal(s.get('daybook_api_latency_seconds_bucket{le="2.5"}'), 6);
    // what rate(_sum)/rate(_count) gives Prometheus is daybook's avg_api_latency (ms)
    assert.ok(Math.abs((s.get('daybook_api_latency_seconds_sum')! / count) * 1000 - system.avg_api_latency!) < 1e-9);
  });

  it('adds what the alert rules need: risk-limit hits, the day\'s P&L, the last event, the chain', async () => {
    const s = samples(text);
    const t = types(text);
    assert.equal(s.get('daybook_risk_limit_hits_total'), 1);
    assert.equal(t.get('daybook_risk_limit_hits_total'), 'counter');
    assert.equal(s.get('daybook_daily_realized_pnl'), -25, 'only today\'s closed trades');
    assert.equal(t.get('daybook_daily_realized_pnl'), 'gauge');
    assert.equal(t.get('daybook_last_event_timestamp_seconds'), 'gauge');
    // the chain is checked in the background: absent until a first check, then 0 (whole)
    let damaged: number | undefined;
    for (let i = 0; i < 500 && damaged === undefined; i++) {
      damaged = samples((await app.inject('/metrics')).body).get('daybook_chain_damaged');
      if (damaged === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(damaged, 0);
  });

  it('prom-client\'s default process metrics, on the server\'s own registry', async () => {
    const s = samples(text);
    assert.ok(s.get('process_cpu_user_seconds_total')! > 0);
    assert.ok(s.get('nodejs_heap_size_used_bytes')! > 0);
    assert.ok(s.has('process_start_time_seconds'));
    // A second server in the same process: no "already registered", its own figures.
    await withErrorLog(async (app2) => {
      const s2 = samples((await app2.inject('/metrics')).body);
      assert.equal(s2.get('daybook_errors_total'), 1);
      assert.equal(s2.get('daybook_trades_total'), 0);
      assert.ok(s2.get('nodejs_heap_size_used_bytes')! > 0);
      assert.equal(samples((await app.inject('/metrics')).body).get('daybook_trades_total'), 7, 'the first server is unchanged');
    });
  });

  it('an empty directory: counters at 0, no last-event sample (so absent() sees it)', async () => {
    const app2 = await buildApp({ logDir: tempDir(), pollMs: 50, maxStaleMs: 0 });
    try {
      const body = (await app2.inject('/metrics')).body;
      const s = samples(body);
      assert.equal(s.get('daybook_errors_total'), 0);
      assert.equal(s.get('daybook_api_latency_seconds_count'), 0);
      assert.equal(s.has('daybook_last_event_timestamp_seconds'), false);
      assert.match(body, /^# TYPE daybook_last_event_timestamp_seconds gauge$/m);
    } finally {
      await app2.close();
    }
  });

  it('follows the files: a new error shows at the next scrape', async () => {
    await withErrorLog(async (app2, audit) => {
      const errors = async () => samples((await app2.inject('/metrics')).body).get('daybook_errors_total');
      assert.equal(await errors(), 1);
      void audit.logError('second', 'broker');
      await audit.flush();
      let n = await errors();
      for (let i = 0; i < 250 && n === 1; i++) {
        await new Promise((r) => setTimeout(r, 20));
        n = await errors();
      }
      assert.equal(n, 2);
    });
  });

  // promtool is Debian's prometheus package; .ci/run installs it, so CI never skips.
  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
  it('promtool check metrics accepts the exposition', { skip: promtool === undefined && process.env.CI !== 'true' ? 'promtool is not installed (Debian package prometheus)' : false }, () => {
    assert.ok(promtool, 'promtool must be installed in CI');
    const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // Exit 1 is a text Prometheus cannot parse; 3 is lint only, which prom-client's own default
    // metrics draw (gauges named nodejs_active_handles_total): none may concern daybook's series.
    assert.ok(r.status === 0 || r.status === 3, `promtool exit ${r.status}: ${r.stderr}`);
    for (const line of r.stderr.split('\n').filter((l) => l !== '')) assert.match(line, /^nodejs_\S+ /, line);
  });
});

describe('ChainWatch', () => {
  it('reports a damaged chain after an edit, without making a scrape wait for the check', async () => {
    const d = tempDir();
    const audit = logger(d);
    for (let i = 0; i < 3; i++) atTime(`2024-01-0${i + 1}T10:00:00.000Z`, () => audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: 10 + i, orderId: `o${i}` }));
    await audit.close();
    const verify = new VerifyResults([d], undefined, 0);
    const watch = new ChainWatch(() => verify.get(), 0);
    try {
      assert.equal(watch.current(), undefined, 'nothing known before the first check ends');
      await watch.settled();
      assert.equal(watch.current()?.damaged, false);
      await watch.settled();
      const file = join(d, 'audit.log');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"pnl":11', '"pnl":91'));
      watch.current();
      await watch.settled();
      assert.equal(watch.current()?.damaged, true);
    } finally {
      await watch.settled();
      await verify.close();
    }
  });

  it('starts at most one check per interval', async () => {
    let checks = 0;
    const watch = new ChainWatch(() => (checks++, Promise.resolve(Buffer.from('{"ok":true}'))), 3_600_000);
    watch.current();
    await watch.settled();
    for (let i = 0; i < 10; i++) assert.equal(watch.current()?.damaged, false);
    assert.equal(checks, 1);
  });

  it('keeps the last state when a check fails', async () => {
    let fail = false;
    const watch = new ChainWatch(() => (fail ? Promise.reject(new Error('gone')) : Promise.resolve(Buffer.from('{"ok":false}'))), 0);
    watch.current();
    await watch.settled();
    fail = true;
    watch.current();
    await watch.settled();
    assert.equal(watch.current()?.damaged, true);
  });
});
