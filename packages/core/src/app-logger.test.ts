import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setupCriticalLogging, setupLogging, setupUtilityLogging } from './app-logger.js';
import { CRITICAL_APPS, classifyApp } from './classify.js';
import { DaybookError } from './errors.js';
import { Capture, tempDir } from './test/helpers.js';

const COMPACT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| /;

test("the summary's examples: critical apps log compact lines to logs/<app>.log and verbose ones to the console", async (t) => {
  const dir = tempDir(t);
  const out = new Capture();
  const logger = setupCriticalLogging('jit-mm-swift', { logLevel: 'DEBUG', enableFileLogging: true, enableConsoleLogging: true, logFormat: undefined, logDir: dir, consoleStream: out, env: {} });
  const orderId = 'o-1';
  const symbol = 'SOL-PERP';
  function testLoggingFunctionality(): void {
    logger.debug('Detailed debugging information');
    logger.info(`Processing order ${orderId} for ${symbol}`);
    logger.warning('Warning messages for potentially problematic situations');
    logger.error('Failed to connect to %s: %s', 'rpc', new Error('timeout').message);
    logger.critical('Critical messages for fatal errors');
  }
  testLoggingFunctionality();
  await logger.close();
  const file = readFileSync(join(dir, 'jit-mm-swift.log'), 'utf8').trimEnd().split('\n');
  assert.equal(file.length, 5);
  for (const line of file) assert.match(line, COMPACT);
  assert.match(file[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| jit-mm-swift \| INFO \| Processing order o-1 for SOL-PERP$/);
  assert.match(file[2]!, / \| WARNING \| /);
  assert.match(file[3]!, / \| ERROR \| Failed to connect to rpc: timeout$/);
  const consoleLines = out.text.trimEnd().split('\n');
  assert.equal(consoleLines.length, 5);
  assert.match(consoleLines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| jit-mm-swift \| INFO \| testLoggingFunctionality:\d+ \| Processing order o-1 for SOL-PERP$/);
});

test('utility apps log to the console only', async (t) => {
  const dir = tempDir(t);
  const out = new Capture();
  const logger = setupUtilityLogging('my-utility', { logDir: dir, consoleStream: out, env: {} });
  logger.info('hello');
  await logger.close();
  assert.equal(existsSync(join(dir, 'my-utility.log')), false);
  assert.match(out.text, /\| my-utility \| INFO \| .*:\d+ \| hello\n$/);
});

test('calling setup again with other options reconfigures the same logger (the Python one ignored them)', async (t) => {
  const dir = tempDir(t);
  const out = new Capture();
  const first = setupCriticalLogging('hedge-bot', { logDir: dir, logLevel: 'INFO', consoleStream: out, env: {} });
  first.debug('dropped at INFO');
  const second = setupCriticalLogging('hedge-bot', { logDir: dir, logLevel: 'DEBUG', logFormat: 'compact', enableConsoleLogging: false, env: {} });
  assert.equal(second, first);
  assert.equal(second.level, 'DEBUG');
  second.debug('kept at DEBUG');
  await second.close();
  const text = readFileSync(join(dir, 'hedge-bot.log'), 'utf8');
  assert.doesNotMatch(text, /dropped at INFO/);
  assert.match(text, /\| hedge-bot \| DEBUG \| kept at DEBUG\n$/);
  assert.equal(out.text, '', 'console was switched off by the second call');
});

test('the json format writes the event schema; multi-line messages stay on one line', async (t) => {
  const dir = tempDir(t);
  const logger = setupCriticalLogging('trend-bot', { logDir: dir, logFormat: 'json', enableConsoleLogging: false, env: {} });
  logger.error('stack:\nline two\u2028three');
  await logger.close();
  const lines = readFileSync(join(dir, 'trend-bot.log'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 1);
  const event = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(event.event_type, 'app_log');
  assert.equal(event.level, 'ERROR');
  assert.equal(event.logger, 'trend-bot');
  assert.equal(event.component, 'trend-bot');
  assert.equal(event.message, 'stack:\nline two\u2028three');

  const compact = setupCriticalLogging('orchestrator', { logDir: dir, enableConsoleLogging: false, env: {} });
  compact.error('a\nb\r\nc');
  await compact.close();
  assert.equal(readFileSync(join(dir, 'orchestrator.log'), 'utf8').split('\n').length, 2, 'one line and the final newline');
});

test('LOG_LEVEL and LOG_FILE_ENABLED apply unless options say otherwise; bad values name the variable', async (t) => {
  const dir = tempDir(t);
  const noFile = setupCriticalLogging('risk-manager', { logDir: dir, enableConsoleLogging: false, env: { LOG_FILE_ENABLED: 'false', LOG_LEVEL: 'ERROR' } });
  assert.equal(noFile.level, 'ERROR');
  assert.equal(noFile.filePath, undefined);
  const forced = setupCriticalLogging('risk-manager', { logDir: dir, enableFileLogging: true, logLevel: 'INFO', enableConsoleLogging: false, env: { LOG_FILE_ENABLED: 'false', LOG_LEVEL: 'ERROR' } });
  assert.equal(forced.level, 'INFO');
  assert.equal(forced.filePath, join(dir, 'risk-manager.log'));
  await forced.close();
  assert.throws(() => setupCriticalLogging('x-bot', { logDir: dir, env: { LOG_FILE_ENABLED: 'perhaps' } }), (e: unknown) => e instanceof DaybookError && /LOG_FILE_ENABLED/.test(e.message));
  assert.throws(() => setupCriticalLogging('x-bot', { logDir: dir, logLevel: 'LOUD', env: {} }), /logLevel LOUD/);
});

test('classification: the nine Drift apps, utility-looking names, critical-looking names, configurable', () => {
  for (const app of CRITICAL_APPS) assert.equal(classifyApp(app), 'critical', app);
  assert.equal(CRITICAL_APPS.length, 9);
  for (const name of ['test-order-client', 'setup-wallet', 'debug-rpc', 'migrate_logging', 'unit-tests']) assert.equal(classifyApp(name), 'utility', name);
  for (const name of ['sol-trader', 'order-router', 'broker-gateway', 'funding-bot']) assert.equal(classifyApp(name), 'critical', name);
  assert.equal(classifyApp('debug-rpc', { critical: ['debug-rpc'] }), 'critical');
  assert.equal(classifyApp('hedge-bot', { utility: [/hedge/] }), 'utility');
  assert.equal(classifyApp('weather', { fallback: 'utility' }), 'utility');
});

test('setupLogging picks critical or utility by classification', async (t) => {
  const dir = tempDir(t);
  const critical = setupLogging('order-management', { logDir: dir, enableConsoleLogging: false, env: {} });
  const utility = setupLogging('setup-script', { logDir: dir, enableConsoleLogging: false, env: {} });
  assert.equal(critical.filePath, join(dir, 'order-management.log'));
  assert.equal(utility.filePath, undefined);
  await critical.close();
  await utility.close();
});

test('an app logger whose directory cannot be used fails at setup with a clear error', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  assert.throws(() => setupCriticalLogging('swift-client', { logDir: join(file, 'logs'), env: {} }), (e: unknown) => e instanceof DaybookError && e.code === 'DAYBOOK_E_LOG_DIR' && e.message.includes('a-file'));
});
