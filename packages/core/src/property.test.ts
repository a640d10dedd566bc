// The rule the log call lives by: whatever the caller passes, each call yields exactly one
// valid JSON line (schema-valid, no forged field, no second line), the call never throws, and
// every repaired input is reported as a warning.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AuditLogger } from './audit-logger.js';
import { EVENT_FIELDS } from './event.js';
import { EventType } from './event-type.js';
import { eventJsonSchema } from './schema.js';
import { Capture, readLines, tempDir } from './test/helpers.js';

const hostileKey = fc.oneof(
  fc.constantFrom('level', 'event_id', 'timestamp', '__proto__', 'constructor', 'toString', 'a"b', 'x\ny', '\u2028', '_daybook_warnings', 'api_key', ''),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const leaf = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MAX_VALUE),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: false }),
  fc.constant(new Error('boom')),
  fc.constant(Buffer.from('bytes')),
  fc.constant(new Map<unknown, unknown>([[1, NaN], ['k', new Set([1n])]])),
  fc.constant(Symbol('s')),
  fc.constant(() => 1),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(hostileKey, tie('node'), { maxKeys: 4 })),
})).node;
/** Metadata, sometimes with a cycle, sometimes very deep or very large. */
const metadata = fc.oneof(
  fc.dictionary(hostileKey, value, { maxKeys: 6 }),
  fc.dictionary(hostileKey, value, { maxKeys: 3 }).map((m) => {
    const o = m as Record<string, unknown>;
    o.self = o;
    return o;
  }),
  fc.integer({ min: 10, max: 60 }).map((n) => {
    let o: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < n; i++) o = { d: o };
    return o;
  }),
  fc.integer({ min: 1, max: 3 }).map((n) => ({ blob: 'z'.repeat(n * 40_000), arr: Array.from({ length: n * 800 }, (_, i) => ({ i })) })),
  value,
);
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('line\nbreak', 'sep\u2028x\u0085y', '"}\n{"level":"CRITICAL"'), value);
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom('150.25', 'abc', null), value);
const level = fc.oneof(fc.constantFrom('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'), fc.constantFrom('LOUD', undefined), value);
const eventType = fc.oneof(fc.constantFrom(...Object.values(EventType)), fc.constantFrom('bogus', '__proto__'), value);
const fields = fc.record(
  {
    symbol: text, side: text, quantity: num, price: num, orderId: text, positionId: text, pnl: num, fee: num, riskPercent: num,
    portfolioValue: num, dailyPnl: num, portfolioHeat: num, latencyMs: num, strategyName: text, metadata, level,
    reason: text, endpoint: text, method: text, statusCode: num, previousQuantity: num, error: value, component: text,
  },
  { requiredKeys: [] },
);

/**
 * Option objects that throw on every read: a getter, and a Proxy that refuses everything.
 * Made inside the call (as thunks): fast-check itself would trip on them while generating.
 */
const makeHostile = (kind: 'getter' | 'proxy'): object =>
  kind === 'getter'
    ? Object.defineProperty({ symbol: 'X' }, 'side', { enumerable: true, get: () => { throw new Error('getter'); } })
    : new Proxy({}, { get: () => { throw new Error('proxy get'); }, ownKeys: () => { throw new Error('proxy keys'); }, has: () => { throw new Error('proxy has'); } });
const options = fc.oneof(
  { weight: 9, arbitrary: fields.map((f) => () => f) },
  { weight: 1, arbitrary: fc.constantFrom('getter' as const, 'proxy' as const).map((k) => () => makeHostile(k)) },
);
const use = (x: unknown): unknown => (typeof x === 'function' ? (x as () => unknown)() : x);

type Call = (a: AuditLogger) => Promise<boolean>;
const call: fc.Arbitrary<Call> = fc.oneof(
  options.map((o) => (a: AuditLogger) => a.logTradeEntry(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logTradeExit(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logTradePartialExit(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logStopLossHit(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logTakeProfitHit(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logTradeCancelled(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logPositionAdjusted(use(o) as never)),
  options.map((o) => (a: AuditLogger) => a.logApiCall(use(o) as never)),
  fc.tuple(eventType, text, fc.oneof(level, options)).map(([t, m, o]) => (a: AuditLogger) => a.logSystemEvent(t as never, m as never, use(o) as never)),
  fc.tuple(text, text, options).map(([m, c, o]) => (a: AuditLogger) => a.logError(m as never, c as never, use(o) as never)),
  fc.tuple(eventType, text, text, options).map(([t, m, s, o]) => (a: AuditLogger) => a.logStrategyEvent(t as never, m as never, s as never, use(o) as never)),
  fc.tuple(eventType, text, options).map(([t, m, o]) => (a: AuditLogger) => a.logRiskEvent(t as never, m as never, use(o) as never)),
  fc.tuple(text, num, text, options).map(([n, v, u, o]) => (a: AuditLogger) => a.logPerformanceMetric(n as never, v as never, u as never, use(o) as never)),
  fc.tuple(eventType, text, options).map(([t, m, o]) => (a: AuditLogger) => a.logEvent(t as never, m as never, use(o) as never)),
  fc.constant((a: AuditLogger) => a.logTradeEntry(undefined as never)),
  fc.constant((a: AuditLogger) => a.logApiCall(null as never)),
);

test('any input to any log method yields exactly one valid, schema-conforming line', async (t) => {
  const dir = tempDir(t);
  const consoleOut = new Capture();
  // A buffer large enough for the whole run: the calls are made synchronously, so nothing is
  // written until the end, and dropping (tested in file-sink tests) is not what this checks.
  const logger = new AuditLogger({ logDir: dir, sessionId: 'prop', consoleLevel: 'DEBUG', consoleStream: consoleOut, colors: false, bufferSize: 1 << 30 });
  const warned: string[] = [];
  logger.on('warning', (w: Error) => warned.push(w.message));
  let calls = 0;
  const runs = 3000;
  fc.assert(
    fc.property(call, (c) => {
      calls++;
      const result = c(logger); // must not throw
      assert.ok(result instanceof Promise);
    }),
    { numRuns: runs, seed: Number(process.env.DAYBOOK_PROPERTY_SEED ?? Date.now() % 2 ** 31) },
  );
  await logger.close();

  const raw = readFileSync(join(dir, 'audit.log'), 'utf8');
  const physical = raw.split('\n');
  assert.equal(physical.pop(), '', 'the file ends with a newline');
  assert.equal(physical.length, calls + 2, 'one line per call, plus system_start and system_stop');
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(eventJsonSchema());
  const known = new Set(Object.keys(EVENT_FIELDS));
  let repaired = 0;
  for (const [i, line] of physical.entries()) {
    assert.doesNotMatch(line, /[\r\u2028\u2029\u0085]/, `line ${i + 1} holds a raw separator`);
    const event = JSON.parse(line) as Record<string, unknown>;
    assert.ok(validate(event), `line ${i + 1} does not match the schema: ${JSON.stringify(validate.errors)}\n${line.slice(0, 500)}`);
    for (const key of Object.keys(event)) assert.ok(known.has(key), `line ${i + 1} has a forged field ${key}`);
    assert.equal(event.session_id, 'prop', 'a field was overwritten');
    assert.ok(line.length < 200_000, `line ${i + 1} is ${line.length} bytes`);
    if ((event.metadata as Record<string, unknown>)._daybook_warnings !== undefined) repaired++;
    else assert.ok(!warned.some((w) => w.includes(event.event_id as string)), `a warning names ${event.event_id} but its line does not say what was repaired: ${line.slice(0, 2000)}`);
  }
  assert.ok(repaired > runs / 10, `generated inputs should often need repair (${repaired})`);
  const ids = new Set(physical.map((l) => (JSON.parse(l) as { event_id: string }).event_id));
  const stray = warned.filter((w) => ![...w.matchAll(/event (\S+):/g)].some((m) => ids.has(m[1]!)));
  assert.deepEqual(stray.slice(0, 3), [], 'warnings that name no line');
  assert.equal(warned.length, repaired, 'every repaired line raised exactly one warning');
  const consoleLines = consoleOut.text.split('\n');
  assert.equal(consoleLines.pop(), '');
  assert.equal(consoleLines.length, calls + 2, 'the console too gets one line per call');
  assert.deepEqual(readLines(join(dir, 'audit.log')).length, calls + 2);
});
