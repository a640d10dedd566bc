import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factsOf, hasLogging, parseSource } from './facts.js';

const facts = (text: string, path = 'x.ts') => factsOf(parseSource(path, text));

test('file destinations: winston File transport, pino destination and transports, daybook setups', () => {
  const dest = (text: string, path?: string): boolean[] => facts(text, path).creations.map((c) => c.fileDestination);
  assert.deepEqual(dest(`import winston from 'winston';\nconst l = winston.createLogger({ transports: [new winston.transports.Console()] });`), [false]);
  assert.deepEqual(dest(`import winston from 'winston';\nconst l = winston.createLogger({ transports: [new winston.transports.File({ filename: 'a.log' })] });`), [true]);
  assert.deepEqual(dest(`import { createLogger, transports } from 'winston';\nconst l = createLogger({});\nl.add(new transports.File({ filename: 'a.log' }));`), [true]);
  assert.deepEqual(dest(`import pino from 'pino';\nconst a = pino();\nconst b = pino(pino.destination(1));\nconst c = pino(pino.destination('./app.log'));`), [false, false, true]);
  assert.deepEqual(dest(`import pino from 'pino';\nconst a = pino({ transport: { target: 'pino/file', options: { destination: 1 } } });\nconst b = pino({ transport: { target: 'pino/file', options: { destination: 'x.log' } } });`), [false, true]);
  assert.deepEqual(dest(`const pino = require('pino');\nconst a = pino({ transport: { target: 'pino-roll', options: { file: 'x' } } });`, 'x.js'), [true]);
  // Destinations made a line before, by name (the bench's own loggers: --replace-loggers took them for console ones).
  assert.deepEqual(dest(`import pino from 'pino';\nconst dest = pino.destination({ dest: file, sync: false });\nconst a = pino({ base: {} }, dest);`), [true]);
  assert.deepEqual(dest(`import pino from 'pino';\nconst t = pino.transport({ target: 'pino/file', options: { destination: file } });\nconst a = pino({}, t);`), [true]);
  assert.deepEqual(dest(`import pino from 'pino';\nconst t = pino.transport({ target: 'pino-roll', options: { file: 'x' } });\nconst a = pino(t);`), [true]);
  assert.deepEqual(dest(`import pino from 'pino';\nasync function f(roll) { const s = await roll({ file: 'x' }); const a = pino(s); }`), [true]);
  assert.deepEqual(dest(`import pino from 'pino';\nfunction f(stream) { return pino(stream); }`), [true]);
  assert.deepEqual(dest(`import winston from 'winston';\nimport DailyRotateFile from 'winston-daily-rotate-file';\nconst t = new DailyRotateFile({ filename: 'x-%DATE%.log' });\nconst l = winston.createLogger({ transports: [t] });`), [true]);
  // Two functions with a `transport` each: the nearest one is read.
  assert.deepEqual(dest(`import pino from 'pino';\nimport winston from 'winston';\nimport DailyRotateFile from 'winston-daily-rotate-file';\nfunction a() { const transport = pino.transport({ target: 'pino-pretty' }); return pino(transport); }\nfunction b() { const transport = new DailyRotateFile({ filename: 'x' }); return winston.createLogger({ transports: [transport] }); }`), [false, true]);
  // The console, named or not, stays a console logger.
  assert.deepEqual(dest(`import pino from 'pino';\nconst o = { level: 'info' };\nconst a = pino(o);\nconst b = pino(o, process.stdout);\nconst one = pino.destination(1);\nconst c = pino(o, one);\nconst t = pino.transport({ target: 'pino-pretty' });\nconst d = pino(t);`), [false, false, false, false]);
  assert.deepEqual(dest(`import winston from 'winston';\nconst t = new winston.transports.Console();\nconst l = winston.createLogger({ transports: [t] });`), [false]);
  assert.deepEqual(dest(`import { setupCriticalLogging, setupUtilityLogging, setupLogging, initializeAuditLogger } from '@daybook/core';
const a = setupCriticalLogging('a');
const b = setupCriticalLogging('b', { enableFileLogging: false });
const c = setupUtilityLogging('test-helper');
const d = setupLogging('hedge-bot');
const e = setupLogging('debug-tool');
initializeAuditLogger({});`), [true, false, false, true, false, true]);
  // A type-only import creates nothing.
  assert.deepEqual(dest(`import type { AppLogger } from '@daybook/core';\nlet l: AppLogger;`), []);
});

test('swallowed catches: logged, rethrown, handed on or explained are not', () => {
  const lines = (text: string): number[] => facts(text).swallowedCatches;
  assert.deepEqual(lines(`try { f(); } catch { }`), [1]);
  assert.deepEqual(lines(`try { f(); } catch (e) { return null; }`), [1]);
  assert.deepEqual(lines(`try { f(); } catch (e) { logger.error('f failed', e); }`), []);
  assert.deepEqual(lines(`try { f(); } catch (e) { throw new Error('wrapped'); }`), []);
  assert.deepEqual(lines(`try { f(); } catch (e) { reject(e); }`), []);
  assert.deepEqual(lines(`try { f(); } catch {\n  // the file may not exist yet: that is the normal first run\n}`), []);
  assert.deepEqual(lines(`p.catch(() => {});\nq.catch((e) => log.warn(e));\nr.catch(() => undefined);`), [1, 3]);
});

test('process starts: main(), listen, loops and main guards; a library call is not one', () => {
  const start = (text: string, path = 'x.ts') => facts(text, path).start?.kind;
  assert.equal(start(`async function main() {}\nmain().catch(console.error);`), 'main');
  assert.equal(start(`void runBot();`), 'main');
  assert.equal(start(`app.listen(3000);`), 'listen');
  assert.equal(start(`while (true) { step(); }`), 'loop');
  assert.equal(start(`if (require.main === module) { go(); }`, 'x.js'), 'guard');
  assert.equal(start(`register();\nexport const x = 1;`), undefined);
  assert.equal(start(`export function main() {}`), undefined);
});

test('trade calls: an order with an audit beside it, or inside a wrapper, is not flagged', () => {
  const flagged = (text: string): string[] => facts(text).unauditedTrades.map((t) => `${t.line}:${t.name}`);
  assert.deepEqual(flagged(`async function go() {\n  await client.placePerpOrder(o);\n}`), ['2:placePerpOrder']);
  assert.deepEqual(flagged(`async function go() {\n  const r = await client.placePerpOrder(o);\n  audit.logTradeEntry(r);\n}`), []);
  assert.deepEqual(flagged(`class C { async submitOrder(o) { return this.api.submitOrder(o); } }`), []);
  // Names that merely contain "order" are not order placement.
  assert.deepEqual(flagged(`sortOrders(x); getOrder(1); orderBook();`), []);
});

test('logging is recognized through logger-like receivers and created loggers, not any .info()', () => {
  assert.equal(hasLogging(facts(`export function f() { this.logger.info('x'); }`)), true);
  assert.equal(hasLogging(facts(`export function f(req) { req.log.error('x'); }`)), true);
  assert.equal(hasLogging(facts(`export function f(audit) { audit.logTradeExit({}); }`)), true);
  assert.equal(hasLogging(facts(`export function f(user) { return user.info(); }`)), false);
});

test('exported loggers are told apart from module-private ones', () => {
  const exported = (text: string): boolean[] => facts(text).creations.map((c) => c.exported);
  assert.deepEqual(exported(`import pino from 'pino';\nexport const log = pino();`), [true]);
  assert.deepEqual(exported(`import pino from 'pino';\nconst log = pino();\nexport { log };`), [true]);
  assert.deepEqual(exported(`const pino = require('pino');\nconst log = pino();\nmodule.exports = { log };`), [true]);
  assert.deepEqual(exported(`import pino from 'pino';\nconst log = pino();\nexport const x = 1;`), [false]);
});
