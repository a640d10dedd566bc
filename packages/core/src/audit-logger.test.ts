import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger } from './audit-logger.js';
import { DaybookError } from './errors.js';
import { EventType } from './event-type.js';
import { closeAuditLogger, getAuditLogger, initializeAuditLogger } from './global.js';
import { LogLevel } from './level.js';
import { Capture, readLines, tempDir } from './test/helpers.js';

const quiet = { consoleLevel: false as const };

test('getAuditLogger before initializeAuditLogger throws "Audit logger not initialized"', async () => {
  await closeAuditLogger();
  assert.throws(() => getAuditLogger(), (e: unknown) => e instanceof DaybookError && e.message === 'Audit logger not initialized' && e.code === 'DAYBOOK_E_NOT_INITIALIZED');
});

test('the guide and contract examples run as written and write what they say', async (t) => {
  const dir = tempDir(t);
  const audit = initializeAuditLogger({
    logDir: dir, environment: 'production', sessionId: 'trading_session_001',
    consoleLevel: LogLevel.INFO, fileLevel: LogLevel.DEBUG, maxFileSize: 50 * 1024 * 1024, backupCount: 10, consoleStream: new Capture(),
  });
  assert.equal(getAuditLogger(), audit);
  audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 100, price: 150.25, orderId: 'order_123', strategyName: 'momentum', riskPercent: 0.01, metadata: { stop_loss: 145.0, take_profit: 160.0 } });
  const exitAck = audit.logTradeExit({ symbol: 'AAPL', quantity: 100, price: 155.75, pnl: 550.0, orderId: 'order_124', reason: 'take_profit_hit', metadata: { hold_time_minutes: 45 } });
  audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: 'healthy', response_time_ms: 125 } });
  const err = new Error('ECONNRESET');
  audit.logError('API connection failed', 'alpaca_client', { error: err, metadata: { endpoint: '/v2/positions', retry_count: 3 } });
  audit.logStrategyEvent(EventType.ENTRY_SIGNAL, 'Momentum breakout signal detected', 'momentum_strategy', { symbol: 'TSLA', metadata: { price: 245.5, volume: 1500000, momentum_score: 0.85 } });
  audit.logSystemEvent(EventType.API_CALL, 'API call details', LogLevel.DEBUG);
  audit.logRiskEvent(EventType.PORTFOLIO_HEAT_WARNING, 'High portfolio heat');
  audit.logError('Trade execution failed', 'trading');
  audit.logRiskEvent(EventType.PORTFOLIO_HEAT_WARNING, 'High portfolio heat', { portfolioHeat: 0.12, metadata: {} });
  audit.logApiCall({ endpoint: '/v2/positions', method: 'GET', statusCode: 200, latencyMs: 125.5 });
  audit.logPerformanceMetric('cycle_time', 2.5, 'seconds');
  // The guide's risk manager integration
  class RiskManager {
    private readonly audit = getAuditLogger();
    checkPositionSize(symbol: string, size: number, portfolioValue: number): boolean {
      const maxSize = portfolioValue * 0.02;
      if (size > maxSize) {
        void this.audit.logRiskEvent(EventType.RISK_LIMIT_HIT, `Position size limit exceeded for ${symbol}`, { metadata: { requested_size: size, max_allowed: maxSize, portfolio_value: portfolioValue } });
        return false;
      }
      return true;
    }
  }
  assert.equal(new RiskManager().checkPositionSize('AAPL', 5000, 100_000), false);
  assert.equal(await audit.flush(), true);
  assert.equal(await exitAck, true, 'the exit is acknowledged once batch-synced');
  await closeAuditLogger();
  assert.throws(() => getAuditLogger(), /Audit logger not initialized/);

  const all = readLines(join(dir, 'audit.log'));
  assert.deepEqual(all.map((e) => e.event_type), [
    'system_start', 'trade_entry', 'trade_exit', 'health_check', 'system_error', 'entry_signal', 'api_call',
    'portfolio_heat_warning', 'system_error', 'portfolio_heat_warning', 'api_call', 'performance_metric', 'risk_limit_hit', 'system_stop',
  ]);
  for (const e of all) {
    assert.equal(e.session_id, 'trading_session_001');
    assert.equal(e.environment, 'production');
    assert.equal(typeof e.metadata, 'object');
  }
  const [, entry, exit, health, error, signal, apiDebug, heat, plainError] = all as Record<string, any>[];
  assert.deepEqual(
    { message: entry!.message, symbol: entry!.symbol, side: entry!.side, quantity: entry!.quantity, price: entry!.price, order_id: entry!.order_id, strategy_name: entry!.strategy_name, risk_percent: entry!.risk_percent, metadata: entry!.metadata, component: entry!.component, level: entry!.level },
    { message: 'Trade entry: buy 100 AAPL @ $150.25', symbol: 'AAPL', side: 'buy', quantity: 100, price: 150.25, order_id: 'order_123', strategy_name: 'momentum', risk_percent: 0.01, metadata: { stop_loss: 145, take_profit: 160 }, component: 'trading', level: 'INFO' },
  );
  assert.equal(exit!.message, 'Trade exit: AAPL 100 @ $155.75, P&L: $550.00');
  assert.equal(exit!.pnl, 550);
  assert.deepEqual(exit!.metadata, { exit_reason: 'take_profit_hit', hold_time_minutes: 45 });
  assert.deepEqual(health!.metadata, { status: 'healthy', response_time_ms: 125 });
  assert.equal(error!.level, 'ERROR');
  assert.equal(error!.component, 'alpaca_client');
  assert.equal(error!.metadata.error_type, 'Error');
  assert.equal(error!.metadata.error_message, 'ECONNRESET');
  assert.match(error!.metadata.traceback, /ECONNRESET/);
  assert.equal(error!.metadata.retry_count, 3);
  assert.equal(signal!.strategy_name, 'momentum_strategy');
  assert.equal(signal!.symbol, 'TSLA');
  assert.equal(signal!.component, 'strategy');
  assert.equal(apiDebug!.level, 'DEBUG');
  assert.equal(heat!.level, 'WARNING', 'risk events default to WARNING');
  assert.equal(plainError!.component, 'trading');
  assert.equal(all[10]!.latency_ms, 125.5);
  assert.deepEqual(all[10]!.metadata, { endpoint: '/v2/positions', method: 'GET', status_code: 200 });
  assert.deepEqual(all[11]!.metadata, { metric_name: 'cycle_time', value: 2.5, unit: 'seconds' });
  assert.equal(all[9]!.portfolio_heat, 0.12);
});

test('events are routed by category, as the guide lists the files', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, sessionId: 's', ...quiet });
  a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 });
  a.logStopLossHit({ symbol: 'X', price: 0.9 });
  a.logSystemEvent(EventType.MARKET_STATUS, 'Market open');
  a.logApiCall({ endpoint: '/o', method: 'POST', statusCode: 201, latencyMs: 3 });
  a.logRiskEvent(EventType.DAILY_LOSS_LIMIT, 'Daily loss limit', { dailyPnl: -500 });
  a.logStrategyEvent(EventType.SYMBOL_SCAN, 'Scanned', 's1');
  a.logPerformanceMetric('cycle_time', 1.2, 'seconds');
  a.logError('boom', 'broker', { level: LogLevel.CRITICAL });
  a.logTradeExit({ symbol: 'X', quantity: 1, price: 2, pnl: 1, level: LogLevel.ERROR });
  await a.close();
  const types = (f: string) => readLines(join(dir, f)).map((e) => e.event_type);
  assert.deepEqual(types('audit.log'), ['system_start', 'trade_entry', 'stop_loss_hit', 'market_status', 'api_call', 'daily_loss_limit', 'symbol_scan', 'performance_metric', 'system_error', 'trade_exit', 'system_stop']);
  assert.deepEqual(types('trades.log'), ['trade_entry', 'stop_loss_hit', 'trade_exit']);
  assert.deepEqual(types('system.log'), ['system_start', 'market_status', 'api_call', 'system_error', 'system_stop']);
  assert.deepEqual(types('errors.log'), ['system_error', 'trade_exit']);
  assert.deepEqual(types('performance.log'), ['performance_metric']);
});

test('the trade events of the guide: partial exit, stop loss, take profit, cancelled, adjusted', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, sessionId: 's', ...quiet });
  a.logTradePartialExit({ symbol: 'AAPL', quantity: 50, price: 150, pnl: -12.5, reason: 'scale_out' });
  a.logStopLossHit({ symbol: 'AAPL', price: 145, quantity: 50, pnl: -262.5 });
  a.logTakeProfitHit({ symbol: 'AAPL', price: 160 });
  a.logTradeCancelled({ orderId: 'o9', symbol: 'AAPL', reason: 'timeout' });
  a.logPositionAdjusted({ symbol: 'AAPL', quantity: 150, previousQuantity: 100, reason: 'add' });
  await a.close();
  const e = readLines(join(dir, 'trades.log'));
  assert.deepEqual(e.map((x) => [x.event_type, x.message]), [
    ['trade_partial_exit', 'Trade partial exit: AAPL 50 @ $150, P&L: $-12.50'],
    ['stop_loss_hit', 'Stop loss hit: AAPL @ $145'],
    ['take_profit_hit', 'Take profit hit: AAPL @ $160'],
    ['trade_cancelled', 'Trade cancelled: order o9 AAPL'],
    ['position_adjusted', 'Position adjusted: AAPL 100 -> 150'],
  ]);
  assert.deepEqual(e[0]!.metadata, { exit_reason: 'scale_out' });
  assert.deepEqual(e[3]!.metadata, { cancel_reason: 'timeout' });
  assert.deepEqual(e[4]!.metadata, { previous_quantity: 100, adjust_reason: 'add' });
});

test('fileLevel and consoleLevel filter independently; console is plain off a terminal, colored on one', async (t) => {
  const dir = tempDir(t);
  const plain = new Capture();
  const a = new AuditLogger({ logDir: dir, sessionId: 's', fileLevel: LogLevel.INFO, consoleLevel: LogLevel.WARNING, consoleStream: plain, env: {} });
  a.logApiCall({ endpoint: '/x', method: 'GET', statusCode: 200 }); // DEBUG: nowhere
  a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 }); // INFO: file only
  a.logRiskEvent(EventType.RISK_LIMIT_HIT, 'Limit\nhit'); // WARNING: both
  await a.close();
  assert.deepEqual(readLines(join(dir, 'audit.log')).map((e) => e.event_type), ['system_start', 'trade_entry', 'risk_limit_hit', 'system_stop']);
  assert.equal(plain.text.split('\n').length, 2, 'one console line');
  assert.match(plain.text, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} WARNING +risk_limit_hit +Limit\\nhit\n$/);
  assert.doesNotMatch(plain.text, /\x1b\[/);

  const tty = new Capture();
  tty.isTTY = true;
  const b = new AuditLogger({ logDir: dir, sessionId: 's', consoleStream: tty, env: {} });
  await b.close();
  assert.match(tty.text, /\x1b\[32mINFO/);
  const noColor = new Capture();
  noColor.isTTY = true;
  const c = new AuditLogger({ logDir: dir, sessionId: 's', consoleStream: noColor, env: { NO_COLOR: '1' } });
  await c.close();
  assert.doesNotMatch(noColor.text, /\x1b\[/);
});

test('session ids are generated when not given; system_start says who wrote the log', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, ...quiet });
  await a.close();
  const [start] = readLines(join(dir, 'audit.log'));
  assert.match(a.sessionId, /^session_\d{8}_\d{6}_[0-9a-f]{1,6}$/);
  assert.equal(start!.session_id, a.sessionId);
  assert.equal(start!.environment, 'development');
  assert.equal((start!.metadata as Record<string, unknown>).pid, process.pid);
});

test('environment variables configure the logger; options win; a bad value stops start-up', async (t) => {
  const dir = tempDir(t);
  const fromEnv = new AuditLogger({ env: { DAYBOT_LOG_DIR: dir, DAYBOT_LOG_MAX_SIZE: '1MB', DAYBOT_LOG_BACKUP_COUNT: '3', DAYBOT_LOG_LEVEL: 'ERROR' }, consoleStream: new Capture() });
  assert.equal(fromEnv.logDir, dir);
  assert.equal(fromEnv.maxFileSize, 1024 * 1024);
  assert.equal(fromEnv.backupCount, 3);
  await fromEnv.close();
  const other = join(dir, 'other');
  const options = new AuditLogger({ logDir: other, maxFileSize: 2048, env: { DAYBOT_LOG_DIR: dir, DAYBOT_LOG_MAX_SIZE: '1MB' }, ...quiet });
  assert.equal(options.logDir, other);
  assert.equal(options.maxFileSize, 2048);
  await options.close();
  assert.throws(() => new AuditLogger({ logDir: dir, env: { DAYBOT_LOG_BACKUP_COUNT: 'many' } }), /DAYBOT_LOG_BACKUP_COUNT="many"/);
  assert.throws(() => new AuditLogger({ logDir: dir, maxFileSize: -1 }), (e: unknown) => e instanceof DaybookError && e.code === 'DAYBOOK_E_CONFIG_OPTION');
  assert.throws(() => new AuditLogger({ logDir: dir, durability: { trading: 'fast' as never } }), /durability.trading=fast/);
});

test('a log directory that cannot be created fails at initialization with a clear error', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, '');
  assert.throws(
    () => new AuditLogger({ logDir: join(file, 'logs') }),
    (e: unknown) => e instanceof DaybookError && e.code === 'DAYBOOK_E_LOG_DIR' && e.message.includes('not-a-dir') && e.message.includes('chmod'),
  );
});

test('after close, log calls resolve false and say so; close is idempotent', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, ...quiet });
  const errors: DaybookError[] = [];
  a.on('error', (e: DaybookError) => errors.push(e));
  await a.close();
  await a.close();
  assert.equal(await a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 }), false);
  assert.equal(errors[0]?.code, 'DAYBOOK_E_CLOSED');
  assert.equal(readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'system_stop').length, 1);
});

test('sync durability: the promise resolves after the line is on disk', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, durability: { trading: 'sync' }, ...quiet });
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: i, price: 1 })));
  assert.ok(results.every((r) => r === true));
  // Read before close: everything acknowledged is already in the file.
  assert.equal(readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'trade_entry').length, 100);
  await a.close();
});

test('captureCaller adds the module, function and line of the caller, as the Python logger did', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, captureCaller: true, ...quiet });
  function placeOrder(): void {
    void a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 });
  }
  placeOrder();
  await a.close();
  const entry = readLines(join(dir, 'audit.log')).find((e) => e.event_type === 'trade_entry')!;
  assert.equal(entry.module, 'audit-logger.test');
  assert.equal(entry.function, 'placeOrder');
  assert.equal(typeof entry.line, 'number');
});

test('a second initializeAuditLogger closes the first, which writes its system_stop', async (t) => {
  const dir = tempDir(t);
  const warned = new Promise((resolve) => process.once('warning', resolve));
  const first = initializeAuditLogger({ logDir: dir, sessionId: 'one', ...quiet });
  const second = initializeAuditLogger({ logDir: dir, sessionId: 'two', ...quiet });
  assert.equal(((await warned) as { code?: string }).code, 'DAYBOOK_W_REINITIALIZED');
  assert.equal(first.closed, true);
  assert.equal(getAuditLogger(), second);
  await closeAuditLogger();
  await first.close();
  const stops = readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'system_stop').map((e) => e.session_id);
  assert.deepEqual(stops.sort(), ['one', 'two']);
});

test('a clock option sets the timestamps (backfills and simulations), ids stay ordered', async (t) => {
  const dir = tempDir(t);
  let now = Date.UTC(2025, 0, 6, 14, 30);
  const a = new AuditLogger({ logDir: dir, sessionId: 'sim', clock: () => (now += 60_000), ...quiet });
  a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 });
  a.logTradeExit({ symbol: 'X', quantity: 1, price: 2, pnl: 1 });
  await a.close();
  const events = readLines(join(dir, 'audit.log'));
  const stamps = events.map((e) => e.timestamp as string);
  assert.equal(stamps.length, 4);
  for (const s of stamps) assert.match(s, /^2025-01-06T14:3\d:00\.000Z$/);
  assert.deepEqual([...new Set(stamps)].sort(), stamps, 'one simulated minute per call, increasing');
  const ids = events.map((e) => e.event_id as string);
  assert.deepEqual([...ids].sort(), ids);
});

test('a clock with fractions of a millisecond, or none at all, still gives valid timestamps and ids', async (t) => {
  const dir = tempDir(t);
  let now = Date.UTC(2025, 0, 6, 14, 30) + 0.05;
  const a = new AuditLogger({ logDir: dir, sessionId: 'sim', clock: () => (now += 0.1), ...quiet });
  for (let i = 0; i < 25; i++) a.logApiCall({ endpoint: '/x', method: 'GET', statusCode: 200, latencyMs: 1 });
  now = NaN;
  a.logApiCall({ endpoint: '/x', method: 'GET', statusCode: 200, latencyMs: 1 });
  await a.close();
  const events = readLines(join(dir, 'audit.log'));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  for (const e of events) {
    assert.match(e.event_id as string, uuid);
    assert.equal(new Date(e.timestamp as string).toISOString(), e.timestamp);
  }
  // 0.1 ms a call: ten events a millisecond, in whole milliseconds, ids in order.
  assert.deepEqual(events.slice(1, 4).map((e) => e.timestamp), ['2025-01-06T14:30:00.000Z', '2025-01-06T14:30:00.000Z', '2025-01-06T14:30:00.000Z']);
  assert.equal(events[25]!.timestamp, '2025-01-06T14:30:00.002Z');
  const ids = events.slice(0, 26).map((e) => e.event_id as string);
  assert.deepEqual([...ids].sort(), ids);
  // No number at all: the time of the machine.
  assert.ok(Math.abs(Date.parse(events[26]!.timestamp as string) - Date.now()) < 60_000);
});

test('awaited trade acks resolve true in a process that has nothing else to keep it alive', (t) => {
  const dir = tempDir(t);
  const script = `
    import { AuditLogger } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
    const a = new AuditLogger({ logDir: ${JSON.stringify(dir)}, consoleLevel: false });
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: i, price: 1 }));
    await a.close();
    console.log(JSON.stringify(acks));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, `exit ${run.status}: ${run.stderr}`);
  assert.deepEqual(JSON.parse(run.stdout), [true, true, true, true, true]);
});

test('a full buffer drops DEBUG and INFO events, counted and reported, but never trades, warnings or system_stop', async (t) => {
  const dir = tempDir(t);
  const a = new AuditLogger({ logDir: dir, bufferSize: 4096, ...quiet });
  const warnings: DaybookError[] = [];
  a.on('warning', (w: DaybookError) => warnings.push(w));
  const dropped: Promise<boolean>[] = [];
  for (let i = 0; i < 500; i++) dropped.push(a.logApiCall({ endpoint: '/v2/quotes', method: 'GET', statusCode: 200, latencyMs: i }));
  for (let i = 0; i < 200; i++) void a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: i, price: 1 });
  void a.logRiskEvent(EventType.RISK_LIMIT_HIT, 'limit');
  await a.flush();
  await a.close();
  const events = readLines(join(dir, 'audit.log'));
  const count = (type: string) => events.filter((e) => e.event_type === type).length;
  assert.equal(count('trade_entry'), 200);
  assert.equal(count('risk_limit_hit'), 1);
  assert.equal(count('system_stop'), 1);
  const apiWritten = count('api_call');
  assert.ok(apiWritten < 500, 'some API calls were dropped');
  assert.equal((await Promise.all(dropped)).filter((ok) => !ok).length, 500 - apiWritten, 'each dropped call resolved false');
  const note = events.find((e) => (e.metadata as Record<string, unknown>).error_type === 'buffer_full');
  const reported = warnings.some((w) => w.code === 'DAYBOOK_E_BUFFER_FULL');
  assert.ok(note !== undefined || reported, 'the drop is written as an event or reported');
});
