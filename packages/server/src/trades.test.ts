// GET /audit/trades over real log directories written by core's logger (trades linked by
// position_id and, without one, first in first out), and one written by hand with fees.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LogAnalyzer } from '@daybook/analytics';
import { buildApp } from './app.js';
import { assertCachedUntilChange, atTime, logger, tempDir } from './test/helpers.js';

const RANGE = 'start_date=2024-03-01&end_date=2024-03-31';
const PAGED = 12; // q0..q11 on 2024-03-04, for paging

/** 16 trades: p1 with every kind of event, two FIFO trades without position_id, p3 open, q0..q11. */
async function tradesFixture(dir: string): Promise<void> {
  // Without automatic position ids, so the TSLA trades exercise the analyzer's own FIFO linking.
  const audit = logger(dir, 's1', { autoPositionIds: false });
  const at = (iso: string, f: () => unknown): void => void atTime(iso, f);
  at('2024-03-01T10:00:00.000Z', () => audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100, positionId: 'p1', strategyName: 'momentum' }));
  at('2024-03-01T10:30:00.000Z', () => audit.logPositionAdjusted({ symbol: 'AAPL', quantity: 20, previousQuantity: 10, positionId: 'p1' }));
  at('2024-03-01T11:00:00.000Z', () => audit.logTradePartialExit({ symbol: 'AAPL', quantity: 5, price: 110, positionId: 'p1', reason: 'scale_out' }));
  at('2024-03-01T11:30:00.000Z', () => audit.logStopLossHit({ symbol: 'AAPL', price: 104, positionId: 'p1' }));
  at('2024-03-01T12:00:00.000Z', () => audit.logTradeExit({ symbol: 'AAPL', quantity: 15, price: 105, positionId: 'p1', reason: 'stop_loss_hit' }));
  // No position_id: the exits take the oldest open TSLA entry of the session.
  at('2024-03-02T09:00:00.000Z', () => audit.logTradeEntry({ symbol: 'TSLA', side: 'buy', quantity: 5, price: 200, strategyName: 'breakout' }));
  at('2024-03-02T09:30:00.000Z', () => audit.logTradeEntry({ symbol: 'TSLA', side: 'buy', quantity: 5, price: 210, strategyName: 'breakout' }));
  at('2024-03-02T10:00:00.000Z', () => audit.logTradeExit({ symbol: 'TSLA', quantity: 5, price: 220, reason: 'take_profit_hit' }));
  at('2024-03-02T10:30:00.000Z', () => audit.logTradeExit({ symbol: 'TSLA', quantity: 5, price: 200, reason: 'time_stop' }));
  at('2024-03-03T08:00:00.000Z', () => audit.logTradeEntry({ symbol: 'NVDA', side: 'sell', quantity: 3, price: 500, positionId: 'p3', strategyName: 'mean_reversion' }));
  for (let i = 0; i < PAGED; i++) {
    // Pairs share their entry's time: the order between them is the trade_id's.
    const t = `2024-03-04T1${Math.floor(i / 2)}:00:00.000Z`;
    at(t, () => audit.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 50, positionId: `q${i}`, strategyName: 'grid' }));
    at(t.replace(':00:00', ':20:00'), () => audit.logTradeExit({ symbol: 'MSFT', quantity: 1, price: 50 + i, positionId: `q${i}`, reason: 'grid_step' }));
  }
  await audit.close();
}

describe('GET /audit/trades', () => {
  let dir: string;
  let app: FastifyInstance;
  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() };
  };
  /** Every trade of `query`, page by page. */
  const pages = async (query: string, limit: number): Promise<{ ids: string[]; sizes: number[] }> => {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: any } = await get(`/audit/trades?${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      ids.push(...r.body.trades.map((t: { trade_id: string }) => t.trade_id));
      sizes.push(r.body.trades.length);
      cursor = r.body.next_cursor;
    } while (cursor !== null && sizes.length < 100);
    return { ids, sizes };
  };

  before(async () => {
    dir = tempDir();
    await tradesFixture(dir);
    app = await buildApp({ logDir: dir, pollMs: 20, maxStaleMs: 0 });
  });
  after(() => app.close());

  it('answers what LogAnalyzer.getTrades lists, with bad_lines and no cursor on a single page', async () => {
    const want = await new LogAnalyzer(dir).getTrades({ start: '2024-03-01', end: '2024-03-31' });
    const r = await get(`/audit/trades?${RANGE}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, JSON.parse(JSON.stringify({ trades: want.trades, open_trades: 1, next_cursor: null, bad_lines: want.bad_lines })));
    assert.equal(r.body.trades.length, 4 + PAGED);
  });

  it('lists a trade\'s events in order, with the pnl, hold time and fees linking derives', async () => {
    const { body } = await get(`/audit/trades?${RANGE}&symbol=AAPL`);
    assert.equal(body.trades.length, 1);
    const t = body.trades[0];
    assert.deepEqual(t.events.map((e: { event_type: string }) => e.event_type), ['trade_entry', 'position_adjusted', 'trade_partial_exit', 'stop_loss_hit', 'trade_exit']);
    assert.deepEqual(t.events.map((e: { pnl: number | null }) => e.pnl), [null, null, 50, null, 75]); // (110 − 100) × 5, (105 − 100) × 15
    assert.deepEqual(t.events.map((e: { reason: string | null }) => e.reason), [null, null, 'scale_out', 'unknown', 'stop_loss_hit']); // a stop without a reason: "unknown"
    assert.equal(t.position_id, 'p1');
    assert.equal(t.status, 'closed');
    assert.equal(t.pnl, 125);
    assert.equal(t.fees, 0);
    assert.equal(t.net_pnl, 125);
    assert.equal(t.hold_minutes, 120);
    assert.equal(t.opened_at, '2024-03-01T10:00:00.000Z');
    assert.equal(t.closed_at, '2024-03-01T12:00:00.000Z');
    assert.equal(t.strategy, 'momentum');
  });

  it('links exits without position_id first in, first out', async () => {
    const { body } = await get(`/audit/trades?${RANGE}&symbol=TSLA`);
    // Newest first: the 09:30 entry's trade, then the 09:00 one.
    assert.deepEqual(body.trades.map((t: { entry_price: number; pnl: number; exit_reason: string }) => [t.entry_price, t.pnl, t.exit_reason]), [[210, -50, 'time_stop'], [200, 100, 'take_profit_hit']]);
    assert.ok(body.trades.every((t: { position_id: unknown; strategy: string }) => t.position_id === null && t.strategy === 'breakout'));
  });

  it('filters: open positions with their age, symbol, strategy; open_trades counts whatever the filters', async () => {
    const open = (await get(`/audit/trades?${RANGE}&open=true`)).body;
    assert.equal(open.trades.length, 1);
    const p3 = open.trades[0];
    assert.deepEqual([p3.symbol, p3.side, p3.status, p3.closed_at, p3.pnl, p3.hold_minutes], ['NVDA', 'sell', 'open', null, null, null]);
    // As of the range's end (the whole of March 31): from March 3, 08:00.
    assert.equal(p3.age_minutes, (Date.parse('2024-04-01T00:00:00Z') - Date.parse('2024-03-03T08:00:00Z')) / 60_000);
    assert.equal((await get(`/audit/trades?${RANGE}&open=false`)).body.trades.length, 4 + PAGED);
    const grid = (await get(`/audit/trades?${RANGE}&strategy=grid`)).body;
    assert.equal(grid.trades.length, PAGED);
    assert.equal(grid.open_trades, 1);
    assert.equal((await get(`/audit/trades?${RANGE}&symbol=NOPE`)).body.trades.length, 0);
    // Before it closed, p1 is open; its later events are not listed.
    const early = (await get('/audit/trades?start_date=2024-03-01&end_date=2024-03-01T10:45:00Z')).body;
    assert.equal(early.open_trades, 1);
    assert.deepEqual(early.trades.map((t: { status: string; events: unknown[] }) => [t.status, t.events.length]), [['open', 2]]);
    assert.equal(early.trades[0].age_minutes, 45);
  });

  it('an open position\'s age runs to now when the range has no end', async () => {
    const { body } = await get('/audit/trades?open=true');
    const minutes = (Date.now() - Date.parse('2024-03-03T08:00:00Z')) / 60_000;
    assert.equal(body.trades.length, 1);
    // Computed at most a minute ago (a cached page is kept a minute at most).
    assert.ok(body.trades[0].age_minutes <= minutes && body.trades[0].age_minutes > minutes - 2, String(body.trades[0].age_minutes));
  });

  it('pages through every trade: the pages joined are the unpaged list, none repeated', async () => {
    const all = (await get(`/audit/trades?${RANGE}&limit=1000`)).body.trades.map((t: { trade_id: string }) => t.trade_id);
    for (const limit of [1, 3, 5, 16]) {
      const { ids, sizes } = await pages(RANGE, limit);
      assert.deepEqual(ids, all, `limit ${limit}`);
      assert.ok(sizes.every((n) => n <= limit) && sizes.at(-1)! > 0, `limit ${limit}: ${sizes}`);
    }
    const { ids } = await pages(`${RANGE}&strategy=grid`, 5);
    assert.equal(ids.length, PAGED);
    assert.equal((await get(`/audit/trades?${RANGE}&limit=16`)).body.next_cursor, null, 'the last page says so');
  });

  it('pages neither repeat nor skip while new trades are logged', async () => {
    const d = tempDir();
    await tradesFixture(d);
    const a2 = await buildApp({ logDir: d, pollMs: 20, maxStaleMs: 0 });
    try {
      const page = async (cursor?: string) => (await a2.inject(`/audit/trades?limit=5${cursor === undefined ? '' : `&cursor=${cursor}`}`)).json();
      const before = (await a2.inject('/audit/trades?limit=1000')).json().trades.map((t: { trade_id: string }) => t.trade_id);
      const first = await page();
      const audit = logger(d, 's2');
      void audit.logTradeEntry({ symbol: 'AMD', side: 'buy', quantity: 1, price: 1, positionId: 'new' });
      await audit.close();
      // Until the server sees it: then it heads the list.
      let head = '';
      for (let i = 0; i < 200 && head !== 'AMD'; i++) {
        head = (await page()).trades[0].symbol;
        if (head !== 'AMD') await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(head, 'AMD');
      const ids = first.trades.map((t: { trade_id: string }) => t.trade_id);
      for (let cursor = first.next_cursor; cursor !== null;) {
        const p = await page(cursor);
        ids.push(...p.trades.map((t: { trade_id: string }) => t.trade_id));
        cursor = p.next_cursor;
      }
      assert.deepEqual(ids, before);
    } finally {
      await a2.close();
    }
  });

  it('refuses bad parameters with a 400 naming the field, never a 500', async () => {
    const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const cases: [string, string, string][] = [
      ['start_date=2024-02-30', 'start_date', 'DAYBOOK_E_SERVER_BAD_DATE'],
      ['start_date=yesterday', 'start_date', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['end_date=2024-03-01T25:00:00Z', 'end_date', 'DAYBOOK_E_SERVER_BAD_DATE'],
      ['start_date=2024-03-02&end_date=2024-03-01', 'end_date', 'DAYBOOK_E_SERVER_BAD_DATE'],
      ['limit=0', 'limit', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['limit=1001', 'limit', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['limit=ten', 'limit', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['limit=2.5', 'limit', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['open=maybe', 'open', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['cursor=%21%21', 'cursor', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['cursor=abc', 'cursor', 'DAYBOOK_E_SERVER_BAD_CURSOR'],
      [`cursor=${cursorOf([1, 2])}`, 'cursor', 'DAYBOOK_E_SERVER_BAD_CURSOR'],
      [`cursor=${cursorOf(['x', 'y'])}`, 'cursor', 'DAYBOOK_E_SERVER_BAD_CURSOR'],
      [`cursor=${cursorOf([1, ''])}`, 'cursor', 'DAYBOOK_E_SERVER_BAD_CURSOR'],
      [`cursor=${cursorOf({ first: 1, id: 'a' })}`, 'cursor', 'DAYBOOK_E_SERVER_BAD_CURSOR'],
      [`cursor=${'A'.repeat(1001)}`, 'cursor', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['symbol=', 'symbol', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['symbol=A&symbol=B', 'symbol', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['strategy=%01', 'strategy', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
      ['sort=pnl', 'sort', 'DAYBOOK_E_SERVER_BAD_REQUEST'],
    ];
    for (const [query, field, code] of cases) {
      const r = await get(`/audit/trades?${query}`);
      assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, code, query);
      assert.equal(r.body.field, field, query);
      assert.ok(r.body.message.length > 20, r.body.message);
    }
  });

  it('needs the token like every /audit route, and is in the OpenAPI document', async () => {
    const a2 = await buildApp({ logDir: dir, token: 's3cret-token' });
    try {
      assert.equal((await a2.inject('/audit/trades')).statusCode, 401);
      assert.equal((await a2.inject({ url: '/audit/trades', headers: { authorization: 'Bearer s3cret-token' } })).statusCode, 200);
    } finally {
      await a2.close();
    }
    const doc = (await get('/docs/json')).body;
    const op = doc.paths['/audit/trades'].get;
    assert.deepEqual(op.parameters.map((p: { name: string }) => p.name).sort(), ['bot', 'cursor', 'end_date', 'host', 'limit', 'open', 'start_date', 'strategy', 'symbol']);
    const schema = op.responses['200'].content['application/json'].schema;
    assert.ok(['trades', 'open_trades', 'next_cursor', 'bad_lines'].every((k) => k in schema.properties));
    assert.ok(['fees', 'net_pnl', 'age_minutes', 'events'].every((k) => k in schema.properties.trades.items.properties));
  });

  it('is answered from the cache until the files change', async () => {
    await assertCachedUntilChange('/audit/trades', (body) => (body.trades as unknown[]).length);
  });
});

describe('fees', () => {
  // Written by hand (core's logger has no fee field yet): one trade by position_id, with a
  // fee on its entry, its partial exit and its exit, and a rebate on an adjustment.
  const line = (o: Record<string, unknown>): string => JSON.stringify({ level: 'INFO', logger: 'daybook_audit', message: o.event_type, component: 'trading', session_id: 'py', ...o });
  const LINES = [
    line({ timestamp: '2024-05-01T09:00:00.000Z', event_id: 'f1', event_type: 'trade_entry', symbol: 'ETH', side: 'buy', quantity: 2, price: 1000, position_id: 'e1', strategy_name: 'swing', fee: 1.5 }),
    line({ timestamp: '2024-05-01T09:10:00.000Z', event_id: 'f2', event_type: 'position_adjusted', symbol: 'ETH', quantity: 2, position_id: 'e1', fee: -0.25 }),
    line({ timestamp: '2024-05-01T10:00:00.000Z', event_id: 'f3', event_type: 'trade_partial_exit', symbol: 'ETH', quantity: 1, price: 1100, position_id: 'e1', fee: 0.75 }),
    line({ timestamp: '2024-05-01T11:00:00.000Z', event_id: 'f4', event_type: 'trade_exit', symbol: 'ETH', quantity: 1, price: 1050, position_id: 'e1', fee: 1, metadata: { exit_reason: 'target' } }),
  ];

  it('a trade sums its fees; its net P&L and the trading metrics\' total_fees, net_pnl and open_trades follow', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit.log'), LINES.join('\n') + '\n');
    const app = await buildApp({ logDir: dir });
    try {
      const t = (await app.inject('/audit/trades?start_date=2024-05-01&end_date=2024-05-01')).json().trades;
      assert.equal(t.length, 1);
      assert.deepEqual(t[0].events.map((e: { fee: number }) => e.fee), [1.5, -0.25, 0.75, 1]);
      assert.equal(t[0].fees, 3);
      assert.equal(t[0].pnl, 150); // 100 + 50, derived
      assert.equal(t[0].net_pnl, 147);
      assert.equal(t[0].exit_reason, 'target');
      const m = (await app.inject('/audit/trading_metrics?start_date=2024-05-01&end_date=2024-05-01')).json();
      assert.deepEqual([m.total_pnl, m.total_fees, m.net_pnl, m.open_trades], [150, 3, 147, 0]);
      const open = (await app.inject('/audit/trading_metrics?start_date=2024-05-01&end_date=2024-05-01T09:30:00Z')).json();
      assert.deepEqual([open.total_pnl, open.total_fees, open.open_trades], [0, 1.25, 1]);
    } finally {
      await app.close();
    }
  });
});
