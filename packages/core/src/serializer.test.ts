import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger } from './audit-logger.js';
import { setupCriticalLogging } from './app-logger.js';
import { createSecretKeyTest } from './redact.js';
import { EventSerializer } from './serializer.js';
import { Capture, readLines, tempDir } from './test/helpers.js';

const quiet = { consoleLevel: false as const };
const warningsOf = (e: Record<string, unknown>): string[] => ((e.metadata as Record<string, unknown>)._daybook_warnings as string[] | undefined) ?? [];

test('a 10 MB symbol, order id and message are cut before they are copied: a short line, the cut marked and noted', async (t) => {
  const dir = tempDir(t);
  const audit = new AuditLogger({ logDir: dir, ...quiet });
  const huge = 'S'.repeat(10_000_000);
  assert.equal(await audit.logTradeEntry({ symbol: huge, side: 'buy', quantity: 1, price: 2, orderId: huge, strategyName: huge }), true);
  await audit.logSystemEvent('health_check', 'm'.repeat(200_000));
  await audit.close();
  const text = readFileSync(join(dir, 'audit.log'), 'utf8');
  assert.ok(text.length < 200_000, `${text.length} characters in audit.log`);
  const [entry, health] = readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'trade_entry' || e.event_type === 'health_check');
  assert.equal(entry!.symbol, 'S'.repeat(256) + '…[cut 9999744 characters]');
  assert.equal(entry!.order_id, entry!.symbol);
  assert.equal(entry!.strategy_name, entry!.symbol);
  // The message holds the symbol cut the same way (it is built from the caller's values).
  assert.equal(entry!.message, `Trade entry: buy 1 ${entry!.symbol} @ $2`);
  assert.deepEqual(warningsOf(entry!), [
    'symbol was 10000000 characters; cut to 256',
    'order_id was 10000000 characters; cut to 256',
    'strategy_name was 10000000 characters; cut to 256',
  ]);
  assert.equal((health!.message as string).length, 65_536 + '…[cut 134464 characters]'.length);
  assert.deepEqual(warningsOf(health!), ['message was 200000 characters; cut to 65536']);
});

test('lineLimits are options; a line over maxLineLength is written without its metadata and says so', async (t) => {
  const dir = tempDir(t);
  const audit = new AuditLogger({ logDir: dir, ...quiet, lineLimits: { maxFieldLength: 8, maxMessageLength: 100, maxLineLength: 2000 }, metadataLimits: { maxBytes: 100_000 } });
  await audit.logTradeExit({ symbol: 'ABCDEFGHIJ', quantity: 1, price: 1, orderId: 'o1', metadata: { blob: 'b'.repeat(5000) } });
  await audit.close();
  const exit = readLines(join(dir, 'audit.log')).find((e) => e.event_type === 'trade_exit')!;
  assert.equal(exit.symbol, 'ABCDEFGH…[cut 2 characters]');
  assert.equal(exit.order_id, 'o1');
  assert.equal((exit.metadata as Record<string, unknown>).blob, undefined);
  const [over, ...rest] = warningsOf(exit);
  assert.match(over!, /^the line was \d+ characters, over maxLineLength 2000; written without its metadata, the message cut to 100$/);
  assert.deepEqual(rest, ['symbol was 10 characters; cut to 8'], 'each repair once');
});

test('secrets in the message, an endpoint, an error and its stack never reach the file or the console', async (t) => {
  const dir = tempDir(t);
  const consoleStream = new Capture();
  const audit = new AuditLogger({ logDir: dir, consoleLevel: 'DEBUG', consoleStream });
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fw';
  await audit.logApiCall({ endpoint: '/v2/orders?apikey=AKIA5SECRET&sig=c0ffee11&symbol=AAPL', method: 'POST', statusCode: 401 });
  await audit.logError(`auth failed with Authorization: Bearer ${jwt}`, 'broker', { error: new Error(`token ${jwt} rejected; retry with password=hunter2`) });
  await audit.logSystemEvent('health_check', 'db at postgres://bot:pg-S3CRET@db:5432 ok', { metadata: { headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'xk-1' } } });
  await audit.close();
  const file = readFileSync(join(dir, 'audit.log'), 'utf8');
  for (const secret of ['AKIA5SECRET', 'c0ffee11', jwt, 'SflKxwRJ', 'hunter2', 'pg-S3CRET', 'dXNlcjpwYXNz', 'xk-1']) {
    assert.ok(!file.includes(secret), `${secret} is in audit.log`);
    assert.ok(!consoleStream.text.includes(secret), `${secret} is on the console`);
  }
  const api = readLines(join(dir, 'audit.log')).find((e) => e.event_type === 'api_call')!;
  assert.equal((api.metadata as Record<string, unknown>).endpoint, '/v2/orders?apikey=[REDACTED]&sig=[REDACTED]&symbol=AAPL');
  assert.equal(api.message, 'API call: POST /v2/orders?apikey=[REDACTED]&sig=[REDACTED]&symbol=AAPL -> 401');
});

test('redactValues: false writes values as given (keys are still redacted)', () => {
  const s = new EventSerializer({ sessionId: 's', environment: 'e', isSecret: createSecretKeyTest(), maskValues: false });
  const line = JSON.parse(s.serialize(0, 'INFO', 'api_call', 'api', 'GET /x?apikey=K1', { metadata: { token: 't', url: '/y?apikey=K2' } }, undefined)) as Record<string, unknown>;
  assert.equal(line.message, 'GET /x?apikey=K1');
  assert.deepEqual(line.metadata, { token: '[REDACTED]', url: '/y?apikey=K2' });
});

test('app loggers cut and mask their messages too', async (t) => {
  const dir = tempDir(t);
  const log = setupCriticalLogging('serializer-test-app', { logDir: dir, enableConsoleLogging: false, maxMessageLength: 50 });
  log.info('GET https://api.example.com/v1/ticker?apikey=AK-LEAK&symbol=SOL');
  log.info('x'.repeat(1000));
  await log.close();
  const lines = readFileSync(join(dir, 'serializer-test-app.log'), 'utf8').trimEnd().split('\n');
  assert.doesNotMatch(lines[0]!, /AK-LEAK/);
  assert.match(lines[0]!, /apikey=\[REDACTED\]/);
  assert.match(lines[1]!, / \| x{50}…\[cut 950 characters\]$/);
});

test('a limit or timeout that is not a positive whole number stops start-up, naming it', (t) => {
  const dir = tempDir(t);
  assert.throws(() => new AuditLogger({ logDir: dir, ...quiet, lineLimits: { maxFieldLength: 0 } }), /lineLimits\.maxFieldLength=0 must be a positive whole number.*DAYBOOK_E_CONFIG_OPTION/);
  assert.throws(() => new AuditLogger({ logDir: dir, ...quiet, metadataLimits: { maxNodes: NaN } }), /metadataLimits\.maxNodes=NaN/);
  assert.throws(() => new AuditLogger({ logDir: dir, ...quiet, ackTimeoutMs: -1 }), /ackTimeoutMs=-1 must be a positive whole number of ms/);
});
