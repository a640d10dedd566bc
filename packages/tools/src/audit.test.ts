import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { audit } from './audit.js';
import { FIXTURES } from './test/fixtures.js';

const brief = (issues: { file: string; line: number; rule: string }[]): string[] => issues.map((i) => `${i.file}:${i.line} ${i.rule}`);

test('drift fleet: exactly the expected findings, none on the clean bots and helpers', () => {
  const r = audit(join(FIXTURES, 'drift-fleet'));
  assert.deepEqual(r.apps, [
    { name: 'setup-wallet', entry: 'scripts/setup-wallet.ts', classification: 'utility' },
    { name: 'hedge-bot', entry: 'src/bots/hedge-bot.ts', classification: 'critical' },
    { name: 'jit-mm-swift', entry: 'src/bots/jit-mm-swift.ts', classification: 'critical' },
    { name: 'trend-bot', entry: 'src/bots/trend-bot.ts', classification: 'critical' },
    { name: 'orchestrator', entry: 'src/orchestrator/orchestrator.ts', classification: 'critical' },
  ]);
  assert.deepEqual(brief(r.critical_issues), [
    'src/bots/hedge-bot.ts:28 no-file-log',
    'src/bots/trend-bot.ts:4 no-file-log',
    'src/orchestrator/risk-manager.ts:1 silent-module',
  ]);
  assert.deepEqual(brief(r.warnings), [
    'src/bots/hedge-bot.ts:9 console-in-critical',
    'src/bots/hedge-bot.ts:13 console-in-critical',
    'src/bots/hedge-bot.ts:14 trade-without-audit',
    'src/bots/hedge-bot.ts:15 console-in-critical',
    'src/bots/hedge-bot.ts:20 console-in-critical',
    'src/bots/hedge-bot.ts:22 console-in-critical',
    'src/bots/hedge-bot.ts:28 unhandled-rejection',
    'src/bots/trend-bot.ts:20 swallowed-catch',
  ]);
  assert.match(r.critical_issues[1]!.message, /winston with no file destination/);
  assert.equal(r.recommendations.length, 6);
});

test('fastify service: the framework logger to stdout is found, the store and health route are clean', () => {
  const r = audit(join(FIXTURES, 'order-gateway'));
  // The bin points at dist/server.js; the audit maps it back to the source.
  assert.deepEqual(r.apps, [{ name: 'order-gateway', entry: 'src/server.ts', classification: 'critical' }]);
  assert.deepEqual(brief(r.critical_issues), ['src/server.ts:6 no-file-log']);
  assert.match(r.critical_issues[0]!.message, /fastify with no file destination/);
  assert.deepEqual(brief(r.warnings), [
    'src/server.ts:14 trade-without-audit',
    'src/server.ts:17 swallowed-catch',
    'src/server.ts:23 unhandled-rejection',
    'src/server.ts:24 console-in-critical',
  ]);
});

test('plain CommonJS: require() graph, console-only app, swallowed promise, utility tool left alone', () => {
  const r = audit(join(FIXTURES, 'plain-js'));
  assert.deepEqual(r.apps, [
    { name: 'price-feed', entry: 'index.js', classification: 'critical' },
    { name: 'debug-dump', entry: 'tools/debug-dump.js', classification: 'utility' },
  ]);
  assert.deepEqual(brief(r.critical_issues), ['index.js:13 no-file-log', 'lib/feed.js:1 silent-module']);
  assert.deepEqual(brief(r.warnings), [
    'index.js:9 console-in-critical',
    'index.js:13 unhandled-rejection',
    'index.js:14 console-in-critical',
    'lib/feed.js:11 swallowed-catch',
  ]);
});

test('path aliases: modules reached through tsconfig paths are audited', () => {
  const r = audit(join(FIXTURES, 'path-aliases'));
  assert.deepEqual(r.apps, [{ name: 'execution-engine', entry: 'src/main.ts', classification: 'critical' }]);
  // position-book.ts is only reachable through '@lib/position-book'.
  assert.deepEqual(brief(r.critical_issues), ['src/lib/position-book.ts:1 silent-module']);
  assert.deepEqual(brief(r.warnings), ['src/lib/order-router.ts:17 console-in-critical']);
});

test('daybook.config.json reclassifies an app and names an entry point', () => {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-audit-'));
  try {
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'worker.ts'), 'export async function tick(): Promise<void> {\n  console.log("tick");\n}\n');
    writeFileSync(join(dir, 'daybook.config.json'), JSON.stringify({ entries: ['src/worker.ts'], apps: { 'src/worker.ts': 'settlement' }, utility: ['/^settle/'] }));
    let r = audit(dir);
    assert.deepEqual(r.apps, [{ name: 'settlement', entry: 'src/worker.ts', classification: 'utility' }]);
    assert.deepEqual(r.critical_issues, []);
    writeFileSync(join(dir, 'daybook.config.json'), JSON.stringify({ entries: ['src/worker.ts'], apps: { 'src/worker.ts': 'settlement' }, critical: ['settlement'] }));
    r = audit(dir);
    assert.deepEqual(brief(r.critical_issues), ['src/worker.ts:1 no-file-log']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loggers built in several files are reported at each site; one central module is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-audit-'));
  try {
    const pinoFile = "import pino from 'pino';\nexport const log = pino(pino.destination('logs/x.log'));\n";
    writeFileSync(join(dir, 'log.ts'), pinoFile);
    writeFileSync(join(dir, 'order-bot.ts'), "import { log } from './log.js';\nasync function main() {\n  log.info('up');\n}\nmain();\n");
    writeFileSync(join(dir, 'hedge-bot.ts'), "import { log } from './log.js';\nasync function main() {\n  log.info('up');\n}\nmain();\n");
    let r = audit(dir);
    assert.deepEqual(brief([...r.critical_issues, ...r.warnings].filter((f) => f.rule !== 'unhandled-rejection')), []);
    writeFileSync(join(dir, 'hedge-bot.ts'), "import winston from 'winston';\nimport './log.js';\nconst log = winston.createLogger({ transports: [new winston.transports.File({ filename: 'h.log' })] });\nasync function main() {\n  log.info('up');\n}\nmain();\n");
    r = audit(dir);
    assert.deepEqual(brief(r.warnings.filter((f) => f.rule === 'scattered-loggers')), ['hedge-bot.ts:3 scattered-loggers', 'log.ts:2 scattered-loggers']);
    // order-bot uses the shared logger only: it is not reported for it.
    assert.match(r.warnings.find((f) => f.file === 'log.ts')!.message, /^pino logger created here and in hedge-bot\.ts \(app hedge-bot\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad config is a usage error with a code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-audit-'));
  try {
    writeFileSync(join(dir, 'daybook.config.json'), JSON.stringify({ critical: ['/(unclosed/'] }));
    assert.throws(() => audit(dir), (e: Error & { code?: string; isUsage?: boolean }) => e.code === 'DAYBOOK_E_TOOLS_CONFIG' && e.isUsage === true);
    assert.throws(() => audit(join(dir, 'missing')), { code: 'DAYBOOK_E_TOOLS_PATH' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an order call inside a callback (a retry wrapper) is audited by the function that hands the callback over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-audit-'));
  try {
    const bot = (audited: boolean): string => [
      "import { initializeAuditLogger } from '@daybook/core';",
      'const audit = initializeAuditLogger({});',
      'declare const broker: { submitOrder(o: object): Promise<{ price: number }> };',
      'async function retry<T>(f: () => Promise<T>): Promise<T> { return f(); }',
      'async function enter(): Promise<void> {',
      '  const fill = await retry(() => broker.submitOrder({ qty: 1 }));',
      audited ? "  await audit.logTradeEntry({ symbol: 'SOL', side: 'buy', quantity: 1, price: fill.price });" : '  void fill;',
      '}',
      'void main();',
      'async function main(): Promise<void> { await enter(); }',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'order-bot.ts'), bot(true));
    assert.deepEqual(brief(audit(dir).warnings).filter((w) => w.endsWith('trade-without-audit')), []);
    writeFileSync(join(dir, 'order-bot.ts'), bot(false));
    assert.deepEqual(brief(audit(dir).warnings).filter((w) => w.endsWith('trade-without-audit')), ['order-bot.ts:6 trade-without-audit']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("daybook's own repository passes its audit: no critical finding (daybook.config.json says what is a utility)", () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const r = audit(root);
  assert.deepEqual(brief(r.critical_issues), []);
  // The configuration is what makes it pass, and it keeps the simulated bots under audit.
  assert.deepEqual(r.apps.filter((a) => a.classification === 'critical').map((a) => a.name), ['demo-bots']);
  assert.ok(r.files > 150, `${r.files} files read`);
});

test('a risk check that does no I/O and logs nothing is critical when a refusal is logged nowhere (the Drift risk manager); a logged caller and a pure helper are not', () => {
  const r = audit(join(FIXTURES, 'risk-check'));
  assert.deepEqual(r.apps.map((a) => `${a.name} ${a.classification}`), ['arb-bot critical', 'grid-bot critical']);
  // limits.ts: no await, no throw, no timer, so not "work"; it decides, and `if (!withinLimits(o)) continue;` drops the refusal.
  assert.deepEqual(brief(r.critical_issues), ['src/risk/limits.ts:9 silent-module']);
  assert.match(r.critical_issues[0]!.message, /^withinLimits\(\) decides \(a limit compared\) but the module has no logging, nor does its caller at src\/bots\/grid-bot\.ts:13/);
  // exposure.ts decides too, but arb-bot logs the refusal where it calls it; pricing.ts compares without deciding.
  assert.deepEqual(brief(r.warnings), []);
});
