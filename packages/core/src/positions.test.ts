import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger, type AuditLoggerOptions } from './audit-logger.js';
import { DaybookError } from './errors.js';
import { EVENT_FIELDS } from './event.js';
import { DEFAULT_MAX_OPEN_POSITIONS } from './positions.js';
import { readLines, tempDir } from './test/helpers.js';

type Line = Record<string, any>;
const AUTO_ID = /^pos_[0-9a-f]{16}_[0-9a-z]+$/;

function logger(t: import('node:test').TestContext, options: AuditLoggerOptions = {}): { a: AuditLogger; dir: string; warnings: DaybookError[] } {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, sessionId: 's1', consoleLevel: false, ...options });
  const warnings: DaybookError[] = [];
  a.on('warning', (w: DaybookError) => warnings.push(w));
  return { a, dir, warnings };
}

/** The trade lines of audit.log, the source of truth. */
const trades = (dir: string): Line[] => (readLines(join(dir, 'audit.log')) as Line[]).filter((e) => e.component === 'trading');

test('every trade method writes position_id and fee as top-level fields, in the field order of event.ts, in audit.log and trades.log', async (t) => {
  const { a, dir } = logger(t);
  const common = { positionId: 'p-1', fee: 0.35, strategyName: 'momentum' };
  a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 100, price: 150.25, orderId: 'o1', ...common });
  a.logPositionAdjusted({ symbol: 'AAPL', quantity: 150, previousQuantity: 100, ...common });
  a.logTradePartialExit({ symbol: 'AAPL', quantity: 50, price: 152, pnl: 87.5, ...common });
  a.logStopLossHit({ symbol: 'AAPL', price: 151, ...common });
  a.logTakeProfitHit({ symbol: 'AAPL', price: 155, ...common });
  a.logTradeCancelled({ orderId: 'o7', symbol: 'AAPL', ...common });
  a.logTradeExit({ symbol: 'AAPL', quantity: 100, price: 155.75, pnl: 550, ...common, fee: -0.1 });
  await a.close();
  const lines = trades(dir);
  assert.deepEqual(lines.map((e) => [e.event_type, e.position_id, e.fee]), [
    ['trade_entry', 'p-1', 0.35],
    ['position_adjusted', 'p-1', 0.35],
    ['trade_partial_exit', 'p-1', 0.35],
    ['stop_loss_hit', 'p-1', 0.35],
    ['take_profit_hit', 'p-1', 0.35],
    ['trade_cancelled', 'p-1', 0.35],
    ['trade_exit', 'p-1', -0.1],
  ]);
  const order = Object.keys(EVENT_FIELDS);
  for (const e of lines) {
    const keys = Object.keys(e);
    assert.deepEqual(keys, order.filter((k) => keys.includes(k)), `${e.event_type}: fields out of order`);
    assert.equal(e.metadata.position_id, undefined, 'top level, not metadata');
  }
  // The same lines apart from the hash link: each file has its own chain.
  const unchained = ({ hash: _h, ...e }: Line): Line => e;
  assert.deepEqual((readLines(join(dir, 'trades.log')) as Line[]).map(unchained), lines.map(unchained), 'trades.log holds the same lines');
});

test('an entry without positionId gets a new one, on the promise it returns, which still resolves to a boolean', async (t) => {
  const { a, dir } = logger(t);
  const p1 = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100 });
  const p2 = a.logTradeEntry({ symbol: 'MSFT', side: 'sell', quantity: 5, price: 400 });
  assert.ok(p1 instanceof Promise);
  assert.match(p1.positionId, AUTO_ID);
  assert.notEqual(p1.positionId, p2.positionId);
  assert.equal(await p1, true);
  assert.equal(await p2, true);
  const other = logger(t);
  const p3 = other.a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100 });
  assert.notEqual(p3.positionId.slice(0, 20), p1.positionId.slice(0, 20), 'another logger (session) has another prefix');
  await Promise.all([a.close(), other.a.close()]);
  assert.deepEqual(trades(dir).map((e) => e.position_id), [p1.positionId, p2.positionId]);
});

test('events without positionId link to the oldest open entry of their symbol; a trade_exit closes it, the others do not', async (t) => {
  const { a, dir } = logger(t);
  const a1 = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100 }).positionId;
  const m1 = a.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 5, price: 400 }).positionId;
  const a2 = a.logTradeEntry({ symbol: 'AAPL', side: 'sell', quantity: 20, price: 101 }).positionId;
  a.logTradePartialExit({ symbol: 'AAPL', quantity: 5, price: 102 });
  a.logStopLossHit({ symbol: 'AAPL', price: 101 });
  a.logTakeProfitHit({ symbol: 'AAPL', price: 103 });
  a.logPositionAdjusted({ symbol: 'AAPL', quantity: 5, previousQuantity: 10 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 5, price: 103 });
  a.logStopLossHit({ symbol: 'AAPL', price: 99 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 20, price: 99 });
  a.logTradeExit({ symbol: 'MSFT', quantity: 5, price: 410 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 99 });
  a.logTradePartialExit({ symbol: 'TSLA', quantity: 1, price: 200 });
  await a.close();
  assert.deepEqual(trades(dir).map((e) => [e.event_type, e.symbol, e.position_id]), [
    ['trade_entry', 'AAPL', a1],
    ['trade_entry', 'MSFT', m1],
    ['trade_entry', 'AAPL', a2],
    ['trade_partial_exit', 'AAPL', a1],
    ['stop_loss_hit', 'AAPL', a1],
    ['take_profit_hit', 'AAPL', a1],
    ['position_adjusted', 'AAPL', a1],
    ['trade_exit', 'AAPL', a1],
    ['stop_loss_hit', 'AAPL', a2],
    ['trade_exit', 'AAPL', a2],
    ['trade_exit', 'MSFT', m1],
    // Nothing open: no id, as the analyzer leaves such an exit standing alone.
    ['trade_exit', 'AAPL', undefined],
    ['trade_partial_exit', 'TSLA', undefined],
  ]);
});

test('positions are per session: another logger does not link to this one\'s open entries', async (t) => {
  const one = logger(t);
  const two = logger(t, { sessionId: 's2' });
  one.a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 });
  two.a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2 });
  await Promise.all([one.a.close(), two.a.close()]);
  assert.equal(trades(two.dir)[0]!.position_id, undefined);
});

test('a cancel without positionId closes the open position whose entry had its order id, and no other', async (t) => {
  const { a, dir } = logger(t);
  const first = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100, orderId: 'o1' }).positionId;
  const second = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 10, price: 100, orderId: 'o2' }).positionId;
  const third = a.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 400, orderId: 'o3' }).positionId;
  a.logTradeCancelled({ orderId: 'o9', symbol: 'AAPL', reason: 'never filled' });
  a.logTradeCancelled({ orderId: 'o2', symbol: 'AAPL' });
  a.logTradeCancelled({ orderId: 'o3' });
  a.logTradeExit({ symbol: 'AAPL', quantity: 10, price: 101 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 10, price: 101 });
  a.logTradeExit({ symbol: 'MSFT', quantity: 1, price: 401 });
  await a.close();
  assert.deepEqual(trades(dir).slice(3).map((e) => [e.event_type, e.order_id, e.position_id]), [
    ['trade_cancelled', 'o9', undefined],
    ['trade_cancelled', 'o2', second],
    ['trade_cancelled', 'o3', third],
    ['trade_exit', undefined, first],
    ['trade_exit', undefined, undefined],
    ['trade_exit', undefined, undefined],
  ]);
});

test('ids the caller passes are written as given; passing back a given id closes that position', async (t) => {
  const { a, dir } = logger(t);
  const mine = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, positionId: 'mine-1' });
  assert.equal(mine.positionId, 'mine-1');
  const x = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 }).positionId;
  const y = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 }).positionId;
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: y });
  a.logTradePartialExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: 'mine-1' });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: 'mine-1' });
  const z = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 }).positionId;
  a.logTradeCancelled({ orderId: 'o5', positionId: z });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2 });
  const own = a.newPositionId();
  assert.match(own, AUTO_ID);
  assert.notEqual(own, y);
  a.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 1, positionId: own });
  a.logTradeExit({ symbol: 'MSFT', quantity: 1, price: 2 });
  await a.close();
  assert.deepEqual(trades(dir).map((e) => [e.event_type, e.position_id]), [
    ['trade_entry', 'mine-1'],
    ['trade_entry', x],
    ['trade_entry', y],
    ['trade_exit', y],
    ['trade_partial_exit', 'mine-1'],
    // y was closed by its own id, so the first exit without one takes x; the caller's own ids are not guessed.
    ['trade_exit', x],
    ['trade_exit', undefined],
    ['trade_exit', 'mine-1'],
    // A cancel naming z without a symbol closes it too.
    ['trade_entry', z],
    ['trade_cancelled', z],
    ['trade_exit', undefined],
    ['trade_entry', own],
    ['trade_exit', undefined],
  ]);
  for (const e of trades(dir)) assert.equal(e.metadata._daybook_warnings, undefined);
});

test('bad ids and fees are repaired and noted, never thrown; every promise still resolves to a boolean', async (t) => {
  const { a, dir, warnings } = logger(t);
  const huge = 'h'.repeat(1000);
  const results = [
    a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, fee: NaN, positionId: '' }),
    a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, fee: '0.5' as never, positionId: null as never }),
    a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, positionId: 42 as never }),
    a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, positionId: huge }),
  ];
  const exits = [
    a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: { id: 1 } as never, fee: Infinity }),
    a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: huge }),
    a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: NaN as never }),
    a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: 42 as never }),
  ];
  const thrower = Object.defineProperty({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 }, 'positionId', { enumerable: true, get: () => { throw new Error('getter'); } });
  const hostile = a.logTradeEntry(thrower as never);
  assert.match(hostile.positionId, AUTO_ID, 'a string even when the entry could not be written');
  for (const r of [...results, ...exits, hostile]) assert.equal(typeof (await r), 'boolean');
  await a.close();
  const [e1, e2, e3, e4, x1, x2, x3, x4] = trades(dir);
  assert.equal(e1!.fee, null);
  assert.equal(e1!.position_id, results[0]!.positionId);
  assert.match(e1!.position_id, AUTO_ID);
  assert.match(e1!.metadata._daybook_warnings.join(' '), /position_id was an empty string, not an id; written as pos_.* fee was NaN; written as null/);
  assert.equal(e2!.fee, 0.5);
  assert.equal(e2!.position_id, results[1]!.positionId, 'null is no id: a new one, and nothing to repair about it');
  assert.match(e2!.position_id, AUTO_ID);
  assert.doesNotMatch(e2!.metadata._daybook_warnings.join(' '), /position_id/);
  assert.equal(e3!.position_id, '42');
  assert.equal(results[2]!.positionId, '42');
  assert.equal(e4!.position_id.length, 256 + '…[cut 744 characters]'.length);
  assert.equal(results[3]!.positionId, e4!.position_id, 'the id as the line holds it');
  assert.equal(x1!.position_id, e1!.position_id, 'an object is no id: linked as if none was given');
  assert.equal(x1!.fee, null);
  assert.match(x1!.metadata._daybook_warnings.join(' '), /position_id was object, not an id; written as pos_/);
  assert.equal(x2!.position_id, e4!.position_id, 'a long id is cut the same way on every event, so it still links');
  assert.equal(x3!.position_id, e2!.position_id);
  assert.match(x3!.metadata._daybook_warnings.join(' '), /position_id was NaN, not an id/);
  assert.equal(x4!.position_id, '42');
  const repaired = (readLines(join(dir, 'audit.log')) as Line[]).filter((e) => e.metadata._daybook_warnings !== undefined).length;
  assert.equal(warnings.filter((w) => w.code === 'DAYBOOK_W_INPUT').length, repaired);
  const fallback = (readLines(join(dir, 'audit.log')) as Line[]).find((e) => e.metadata.error_type === 'serialization_failed');
  assert.equal(fallback?.metadata.original_event_type, 'trade_entry');
});

test('trade events logged through logEvent and logSystemEvent link the same way', async (t) => {
  const { a, dir } = logger(t);
  const id = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 }).positionId;
  a.logEvent('trade_partial_exit', 'half out', { symbol: 'AAPL', quantity: 1, price: 2 });
  a.logSystemEvent('trade_exit', 'out', { symbol: 'AAPL', quantity: 1, price: 2 });
  a.logEvent('health_check', 'ok', { symbol: 'AAPL' });
  await a.close();
  assert.deepEqual(readLines(join(dir, 'audit.log')).slice(2, 5).map((e) => e.position_id), [id, id, undefined]);
});

test('open positions are bounded: past maxOpenPositions the oldest are forgotten, with one warning', async (t) => {
  const { a, dir, warnings } = logger(t, { maxOpenPositions: 3 });
  const ids = Array.from({ length: 5 }, (_, i) => a.logTradeEntry({ symbol: i % 2 === 0 ? 'AAPL' : 'MSFT', side: 'buy', quantity: 1, price: 1 }).positionId);
  assert.deepEqual(warnings.map((w) => w.code), ['DAYBOOK_W_OPEN_POSITIONS']);
  for (const symbol of ['AAPL', 'AAPL', 'AAPL', 'MSFT', 'MSFT']) a.logTradeExit({ symbol, quantity: 1, price: 2 });
  await a.close();
  // Open before the exits: 2 (MSFT), 3 (AAPL), 4 (AAPL); 0 and 1 were forgotten.
  assert.deepEqual(trades(dir).slice(5).map((e) => e.position_id), [ids[2], ids[4], undefined, ids[3], undefined]);
});

test('the default bound is 10,000 open positions; entries below the file threshold still count', async (t) => {
  assert.equal(DEFAULT_MAX_OPEN_POSITIONS, 10_000);
  const { a, dir, warnings } = logger(t, { fileLevel: 'ERROR' });
  const first = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, level: 'DEBUG' }).positionId;
  const second = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, level: 'DEBUG' }).positionId;
  const third = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, level: 'DEBUG' }).positionId;
  for (let i = 3; i < 10_000; i++) a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, level: 'DEBUG' });
  assert.equal(warnings.length, 0);
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, level: 'ERROR' });
  a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, level: 'DEBUG' });
  assert.equal(warnings.length, 0, 'the exit made room');
  a.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 1, level: 'DEBUG' });
  assert.deepEqual(warnings.map((w) => w.code), ['DAYBOOK_W_OPEN_POSITIONS']);
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, level: 'ERROR' });
  await a.close();
  const exits = trades(dir);
  // The second entry was the oldest open one when the limit was passed: forgotten.
  assert.deepEqual(exits.map((e) => e.position_id), [first, third]);
  assert.notEqual(second, third);
});

test('maxOpenPositions must be a positive whole number', (t) => {
  const dir = tempDir(t);
  for (const v of [0, -1, 1.5, NaN]) {
    assert.throws(() => new AuditLogger({ logDir: dir, consoleLevel: false, maxOpenPositions: v }), (e: unknown) => e instanceof DaybookError && (e as DaybookError).code === 'DAYBOOK_E_CONFIG_OPTION' && /maxOpenPositions/.test((e as DaybookError).message));
  }
});

test('autoPositionIds: false writes only the ids the caller passes, as the Python DayBot did', async (t) => {
  const { a, dir } = logger(t, { autoPositionIds: false });
  const none = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 });
  const given = a.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1, positionId: 'p7' });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2 });
  a.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 2, positionId: 'p7' });
  assert.deepEqual([none.positionId, given.positionId], ['', 'p7']);
  assert.equal(await none, true);
  await a.close();
  assert.deepEqual(trades(dir).map((e) => [e.event_type, e.position_id]), [['trade_entry', undefined], ['trade_entry', 'p7'], ['trade_exit', undefined], ['trade_exit', 'p7']]);
});
