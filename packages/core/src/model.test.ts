import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CATEGORY_OF, EVENT_TYPES, EventType, categoryOf, isEventType } from './event-type.js';
import { LEVEL_VALUE, LogLevel, parseLevel } from './level.js';

// The event types the DayBot guide lists (7 trading, 5 system, 4 risk, 4 strategy, 3 API,
// 2 performance: 25, although the issue says 27), with the values its Python logger wrote.
const SEED_TYPES: Record<string, string> = {
  TRADE_ENTRY: 'trade_entry', TRADE_EXIT: 'trade_exit', TRADE_PARTIAL_EXIT: 'trade_partial_exit',
  STOP_LOSS_HIT: 'stop_loss_hit', TAKE_PROFIT_HIT: 'take_profit_hit', TRADE_CANCELLED: 'trade_cancelled',
  POSITION_ADJUSTED: 'position_adjusted', SYSTEM_START: 'system_start', SYSTEM_STOP: 'system_stop',
  SYSTEM_ERROR: 'system_error', HEALTH_CHECK: 'health_check', MARKET_STATUS: 'market_status',
  RISK_LIMIT_HIT: 'risk_limit_hit', POSITION_SIZE_CALCULATED: 'position_size_calculated',
  DAILY_LOSS_LIMIT: 'daily_loss_limit', PORTFOLIO_HEAT_WARNING: 'portfolio_heat_warning',
  STRATEGY_SIGNAL: 'strategy_signal', SYMBOL_SCAN: 'symbol_scan', ENTRY_SIGNAL: 'entry_signal',
  EXIT_SIGNAL: 'exit_signal', API_CALL: 'api_call', API_ERROR: 'api_error', RATE_LIMIT: 'rate_limit',
  PERFORMANCE_METRIC: 'performance_metric', LATENCY_MEASUREMENT: 'latency_measurement',
};

test('EventType has every seed type with the seed value', () => {
  assert.equal(Object.keys(SEED_TYPES).length, 25);
  for (const [key, value] of Object.entries(SEED_TYPES)) {
    assert.equal((EventType as Record<string, string>)[key], value, key);
  }
});

test('EventType: the guide groups are its categories', () => {
  assert.equal(categoryOf(EventType.TRADE_ENTRY), 'trading');
  assert.equal(categoryOf(EventType.POSITION_ADJUSTED), 'trading');
  assert.equal(categoryOf(EventType.MARKET_STATUS), 'system');
  assert.equal(categoryOf(EventType.PORTFOLIO_HEAT_WARNING), 'risk');
  assert.equal(categoryOf(EventType.SYMBOL_SCAN), 'strategy');
  assert.equal(categoryOf(EventType.RATE_LIMIT), 'api');
  assert.equal(categoryOf(EventType.LATENCY_MEASUREMENT), 'performance');
  assert.deepEqual(new Set(EVENT_TYPES), new Set(Object.values(EventType)), 'every type has a category');
  assert.equal(Object.keys(CATEGORY_OF).length, Object.keys(EventType).length);
});

test('isEventType accepts values only, not keys or prototype names', () => {
  assert.equal(isEventType('trade_entry'), true);
  assert.equal(isEventType('TRADE_ENTRY'), false);
  assert.equal(isEventType('toString'), false);
  assert.equal(isEventType('__proto__'), false);
  assert.equal(isEventType(42), false);
});

test('LogLevel: five levels ordered, parsed case-insensitively with aliases', () => {
  assert.deepEqual(Object.values(LogLevel), ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
  const values = Object.values(LogLevel).map((l) => LEVEL_VALUE[l]);
  assert.deepEqual(values, [...values].sort((a, b) => a - b));
  assert.equal(parseLevel('warn'), 'WARNING');
  assert.equal(parseLevel(' debug '), 'DEBUG');
  assert.equal(parseLevel('fatal'), 'CRITICAL');
  assert.equal(parseLevel('verbose'), undefined);
  assert.equal(parseLevel('constructor'), undefined);
});
