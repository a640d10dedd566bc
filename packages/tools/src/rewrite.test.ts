import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewriteSource, type RewriteOptions } from './rewrite.js';
import { parseSource, syntaxErrors } from './facts.js';

const opts: RewriteOptions = { appName: 'hedge-bot', critical: true, esm: true };
const rewrite = (text: string, path = 'bot.ts', o: Partial<RewriteOptions> = {}): string => rewriteSource(path, text, { ...opts, ...o }).text;

test('only the callee changes: arguments, template strings, comments and line breaks stay', () => {
  const before = [
    "import { a } from './a.js';",
    '',
    'export function f(x: number): void {',
    '  console.log(`x is ${x}`, { x }); // why',
    '  console.warn(',
    "    'multi %s',",
    '    x,',
    '  );',
    '  console.error(new Error("e"));',
    '  console.debug("%d items", x);',
    '  console.info("i");',
    '  console.table([x]);',
    '}',
    '',
  ].join('\n');
  const after = rewrite(before);
  assert.equal(after, [
    "import { a } from './a.js';",
    "import { setupCriticalLogging } from '@daybook/core';",
    '',
    "const logger = setupCriticalLogging('hedge-bot');",
    '',
    'export function f(x: number): void {',
    '  logger.info(`x is ${x}`, { x }); // why',
    '  logger.warning(',
    "    'multi %s',",
    '    x,',
    '  );',
    '  logger.error(new Error("e"));',
    '  logger.debug("%d items", x);',
    '  logger.info("i");',
    // Methods the logger has no counterpart for stay on the console.
    '  console.table([x]);',
    '}',
    '',
  ].join('\n'));
  assert.equal(rewrite(after), after, 'a second run changes nothing');
});

test('the setup goes after the last top-level import, never after an indented one', () => {
  const before = "import { a } from './a.js';\nfunction g() {\n  console.log('g');\n}\nif (a) {\n  console.log('x');\n}\n";
  const after = rewrite(before);
  assert.ok(after.startsWith("import { a } from './a.js';\nimport { setupCriticalLogging } from '@daybook/core';\n\nconst logger = setupCriticalLogging('hedge-bot');\nfunction g()"));
  assert.deepEqual(syntaxErrors(parseSource('bot.ts', after)), []);
});

test('utility code gets setupUtilityLogging; an existing core import is extended, an existing setup reused', () => {
  assert.match(rewrite("console.log('x');\n", 'tool.ts', { critical: false, appName: 'debug-tool' }), /setupUtilityLogging\('debug-tool'\)/);
  const extended = rewrite("import { EventType } from '@daybook/core';\nconsole.log(EventType.TRADE_ENTRY);\n");
  assert.match(extended, /^import \{ EventType, setupCriticalLogging \} from '@daybook\/core';\n\nconst logger = /);
  const reused = rewrite("import { setupCriticalLogging } from '@daybook/core';\nconst log = setupCriticalLogging('hedge-bot');\nconsole.log('x');\n");
  assert.equal(reused, "import { setupCriticalLogging } from '@daybook/core';\nconst log = setupCriticalLogging('hedge-bot');\nlog.info('x');\n");
});

test('CommonJS: a require after the leading requires and after "use strict"', () => {
  const cjs = rewrite("'use strict';\n\nconst fs = require('fs');\n\nconsole.log(fs.existsSync('x'));\n", 'index.js', { esm: false, appName: 'price-feed' });
  assert.equal(cjs, "'use strict';\n\nconst fs = require('fs');\nconst { setupCriticalLogging } = require('@daybook/core');\n\nconst logger = setupCriticalLogging('price-feed');\n\nlogger.info(fs.existsSync('x'));\n");
  const bare = rewrite("'use strict';\n// a header comment\nconsole.log(1);\n", 'x.cjs', { esm: false });
  assert.equal(bare, "'use strict';\n// a header comment\nconst { setupCriticalLogging } = require('@daybook/core');\n\nconst logger = setupCriticalLogging('hedge-bot');\n\nlogger.info(1);\n");
});

test('style follows the file: double quotes, no semicolons, CRLF', () => {
  const after = rewrite('import { a } from "./a"\r\nconsole.log(a)\r\n');
  assert.equal(after, 'import { a } from "./a"\r\nimport { setupCriticalLogging } from "@daybook/core"\r\n\r\nconst logger = setupCriticalLogging("hedge-bot")\r\nlogger.info(a)\r\n');
});

test('names already taken are not reused; a shadowed console is not the global one', () => {
  const taken = rewrite("const logger = { x: 1 };\nconsole.log(logger.x);\n");
  assert.match(taken, /const appLogger = setupCriticalLogging\('hedge-bot'\);/);
  assert.match(taken, /appLogger\.info\(logger\.x\)/);
  const shadowed = "function f(console: { log(x: string): void }) {\n  console.log('mine');\n}\n";
  assert.equal(rewrite(shadowed), shadowed);
});

test('a file that does not parse is left alone', () => {
  const broken = "console.log('x'\nfunction (\n";
  assert.equal(rewrite(broken), broken);
});

test('--replace-loggers swaps a console-only winston logger and drops its import', () => {
  const before = "import winston from 'winston';\nimport { x } from './x.js';\n\nconst logger = winston.createLogger({\n  transports: [new winston.transports.Console()],\n});\n\nlogger.info('hi', { x });\n";
  const r = rewriteSource('trend-bot.ts', before, { ...opts, appName: 'trend-bot', replaceLoggers: true });
  assert.equal(r.replaced, 1);
  assert.equal(r.text, "import { x } from './x.js';\nimport { setupCriticalLogging } from '@daybook/core';\n\nconst logger = setupCriticalLogging('trend-bot');\n\nlogger.info('hi', { x });\n");
  // pino in CommonJS: the require goes once nothing uses it.
  const cjs = "'use strict';\nconst pino = require('pino');\nconst log = pino();\nlog.info({ a: 1 }, 'hi');\n";
  assert.equal(rewriteSource('feed.js', cjs, { ...opts, esm: false, replaceLoggers: true }).text,
    "'use strict';\nconst { setupCriticalLogging } = require('@daybook/core');\nconst log = setupCriticalLogging('hedge-bot');\nlog.info({ a: 1 }, 'hi');\n");
  // One with a file destination is kept.
  const withFile = "import winston from 'winston';\nconst logger = winston.createLogger({ transports: [new winston.transports.File({ filename: 'a.log' })] });\n";
  assert.equal(rewriteSource('a.ts', withFile, { ...opts, replaceLoggers: true }).text, withFile);
});

test('console methods named as Object.prototype\'s properties stay as written; the file is still migrated', () => {
  const r = rewriteSource('bot.ts', "console.hasOwnProperty('table');\nconsole.log('x');\n", opts);
  assert.match(r.text, /console\.hasOwnProperty\('table'\);/);
  assert.match(r.text, /logger\.info\('x'\);/);
  assert.deepEqual(syntaxErrors(parseSource('bot.ts', r.text)), []);
});
