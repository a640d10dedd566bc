import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { EventType, type AuditLogger } from '@daybook/core';
import { ServerError } from './errors.js';
import { isLoopback, startServer } from './server.js';
import { logger, tempDir } from './test/helpers.js';
import { sseClient, type Sse } from './test/sse.js';

let dir: string;
let audit: AuditLogger;
let app: FastifyInstance;
let base: string;

before(async () => {
  dir = tempDir();
  audit = logger(dir);
  void audit.logSystemEvent(EventType.MARKET_STATUS, 'before the stream');
  await audit.flush();
  ({ app, url: base } = await startServer({ logDir: dir, port: 0, pollMs: 50, docs: false }));
});
after(async () => {
  await audit.close();
  await app.close();
});

const sse = (path: string, headers: Record<string, string> = {}, at = base): Promise<Sse> => sseClient(at + path, headers);

it('streams new events as they are written, filtered, and resumes after Last-Event-ID', async () => {
  const all = await sse('/audit/stream');
  const trades = await sse('/audit/stream?event_types=trade_exit&symbol=AAPL');
  void audit.logTradeExit({ symbol: 'TSLA', quantity: 1, price: 1, pnl: 1 });
  void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: 2 });
  void audit.logSystemEvent(EventType.HEALTH_CHECK, 'hc', { metadata: { status: 'healthy' } });
  await audit.flush();
  await all.until(3);
  await trades.until(1);
  assert.deepEqual(all.events.map((e) => e.data.event_type), ['trade_exit', 'trade_exit', 'health_check'], 'only what was written after connecting');
  assert.deepEqual(trades.events.map((e) => [e.data.event_type, e.data.symbol]), [['trade_exit', 'AAPL']]);
  const lastSeen = all.events[0]!.id;
  all.close();
  trades.close();

  // Reconnect after the first event: the two after it come first, then live ones.
  const resumed = await sse('/audit/stream', { 'last-event-id': lastSeen });
  await resumed.until(2);
  void audit.logRiskEvent(EventType.RISK_LIMIT_HIT, 'limit');
  await audit.flush();
  await resumed.until(3);
  assert.deepEqual(resumed.events.map((e) => e.data.event_type), ['trade_exit', 'health_check', 'risk_limit_hit']);
  resumed.close();
});

it('a new stream reads no history (the full index stays unbuilt); a cursor from /audit/events or an earlier server resumes by the full index', { timeout: 20_000 }, async () => {
  const { app: cold, url } = await startServer({ logDir: dir, port: 0, pollMs: 50, docs: false, warm: false });
  try {
    const live = await sse('/audit/stream?event_types=trade_exit', {}, url);
    void audit.logTradeExit({ symbol: 'NVDA', quantity: 1, price: 1, pnl: 3 });
    await audit.flush();
    await live.until(1);
    live.close();
    assert.deepEqual(live.events.map((e) => e.data.symbol), ['NVDA'], 'only what was written after connecting');
    assert.equal(cold.daybook.index.files.length, 0, 'the full index was not built');

    const page = (await (await fetch(`${url}/audit/events?event_types=trade_exit&order=asc&limit=1`)).json()) as { events: { symbol: string }[]; next_cursor: string };
    assert.equal(page.events[0]!.symbol, 'TSLA');
    const fromEvents = await sse('/audit/stream?event_types=trade_exit', { 'last-event-id': page.next_cursor }, url);
    await fromEvents.until(2);
    assert.deepEqual(fromEvents.events.map((e) => e.data.symbol), ['AAPL', 'NVDA']);
    fromEvents.close();

    // A position in the tail index of a server that has since restarted: found again by time
    // (here the time of the event before the first trade, which has a millisecond of its own).
    const before = (await (await fetch(`${url}/audit/events?event_types=market_status&limit=1`)).json()) as { events: { timestamp: string }[] };
    const ts = Date.parse(before.events[0]!.timestamp) * 1000; // micro-seconds, as positions hold them
    const stale = Buffer.from(JSON.stringify(['t1:1:1', 0, ts])).toString('base64url');
    const restarted = await sse(`/audit/stream?event_types=trade_exit&last_event_id=${stale}`, {}, url);
    await restarted.until(3);
    assert.deepEqual(restarted.events.map((e) => e.data.symbol), ['TSLA', 'AAPL', 'NVDA']);
    restarted.close();
  } finally {
    await cold.close();
  }
});

it('binds loopback by default and refuses another address without a token', async () => {
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && !isLoopback('0.0.0.0') && !isLoopback('192.168.1.5'));
  await assert.rejects(startServer({ logDir: dir, host: '0.0.0.0', port: 0 }), (e: unknown) => e instanceof ServerError && e.code === 'DAYBOOK_E_SERVER_INSECURE_BIND');
  await assert.rejects(startServer({ logDir: dir, port: 70000 }), (e: unknown) => e instanceof ServerError && e.code === 'DAYBOOK_E_SERVER_OPTION');
  await assert.rejects(startServer({ logDir: dir, token: 'short' }), (e: unknown) => e instanceof ServerError && e.code === 'DAYBOOK_E_SERVER_OPTION');
});
