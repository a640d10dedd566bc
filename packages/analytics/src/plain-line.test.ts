import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { emptyBadLines } from './bad-lines.js';
import { LineSplitter, type LineSink } from './lines.js';
import { numberAt, PlainLine, V } from './plain-line.js';
import { SegmentBuilder, type Segment } from './segment.js';

// PlainLine reads plain event lines in place instead of JSON.parse. It is a fast path: the
// segment of any line must be the one JSON.parse's object gives. Each line below is read both
// ways, through readLine with its bytes (the fast path where it applies) and through a sink
// without addPlain (every line parsed), and the segments compared.

/** The segment of `lines` read as files are (their bytes split into lines: the fast path where it applies), and read with every line parsed. */
function bothWays(lines: readonly string[]): { fast: Segment; parsed: Segment; plain: number } {
  const fast = new SegmentBuilder('t');
  const parsed = new SegmentBuilder('t');
  let plain = 0;
  const counting: LineSink = { bad: fast.bad, add: (o, ts, line, digest) => fast.add(o, ts, line, digest), addAppLine: (...a) => fast.addAppLine(...a), addPlain: (p, ts, digest) => fast.addPlain(p, ts, digest) && ++plain > 0 };
  const slow: LineSink = { bad: parsed.bad, add: (o, ts, line, digest) => parsed.add(o, ts, line, digest), addAppLine: (...a) => parsed.addAppLine(...a) };
  const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  new LineSplitter(counting).push(bytes);
  new LineSplitter(slow).push(bytes);
  return { fast: fast.finish(), parsed: parsed.finish(), plain };
}

const UUID = '0195617d-93c5-7000-bfce-15b95043ebe0';
const base = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  timestamp: '2025-03-04T14:09:34.661Z', level: 'DEBUG', logger: 'daybook_audit', message: 'API call', event_id: UUID,
  event_type: 'api_call', component: 'api', session_id: 'bench_day_57', environment: 'bench', latency_ms: 67.9,
  metadata: { endpoint: '/v2/clock', method: 'POST', status_code: 200 }, ...over,
});
const HASH = ',"hash":"2b62bfa5b5ebfe7e7296ecacbdc0481fadcd666981da5d861139f272a4549ff8"}';
const chained = (o: Record<string, unknown>): string => JSON.stringify(o).slice(0, -1) + HASH;

/** A member as written: a key (maybe escaped) and a value's JSON text. */
const raw = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '[]', '{}', '[1,{"a":[null]}]', '"x"', '"a\\"b"', '"\\ud800"', '"\\u00e9"', '-0', '0.5', '1e2', '1E+400', '-12.25e-3', '[[[[[]]]]]', '{"k":{"j":[1,2,{"x":"\\n"}]}}'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.string({ unit: 'binary-ascii', maxLength: 6 }).map((s) => JSON.stringify(s)),
);
const values: Record<string, fc.Arbitrary<string>> = {
  timestamp: fc.constantFrom('"2025-03-04T14:09:34.661Z"', '"2025-03-04T14:09:34.661234+00:00"', '"2025-03-04 14:09:34"', '"not a time"', '"2025-03-04T14:09:34.661\\u005a"', '17'),
  event_id: fc.constantFrom(`"${UUID}"`, `"${UUID.toUpperCase()}"`, '"evt-1"', '7', `"${UUID.slice(0, 35)}\\u0030"`, `"${UUID.slice(0, 8)}"`),
  event_type: fc.constantFrom('"api_call"', '"health_check"', '"system_start"', '"trade_exit"', '"trade_entry"', '"app_log"', '"whatever"', '"api\\u005fcall"', '3', 'null'),
  level: fc.constantFrom('"DEBUG"', '"INFO"', '"info"', '"WARNING"', '"ERROR"', '"critical"', '"ERR\\u004fR"', '"LOUD"', '5'),
  session_id: fc.constantFrom('"s1"', '"s2"', '"a-much-longer-session-name"', '"s\\u0031"', '12', 'null', '""'),
  latency_ms: fc.oneof(raw, fc.constantFrom('12', '12.5', '0.1', '1e400', '-0', '123456789012345678', '0.30000000000000004')),
  metadata: fc.oneof(
    raw,
    fc.array(fc.tuple(fc.constantFrom('status_code', 'status', 'endpoint', 'portfolio_heat', 'daily_pnl', 'st\\u0061tus', 'nested'), fc.oneof(raw, fc.constantFrom('200', '429', '503', '503.0', '"503"', '1e3', '"healthy"', '"healthy "', '"degraded"', '"he\\u0061lthy"'))), { maxLength: 4 })
      .map((ms) => `{${ms.map(([k, v]) => `"${k}":${v}`).join(',')}}`),
  ),
  portfolio_value: raw,
  daily_pnl: raw,
  message: raw,
  pnl: raw,
  symbol: fc.constantFrom('"AAPL"', '7'),
};
const member = fc.constantFrom(...Object.keys(values)).chain((k) => fc.tuple(fc.constantFrom(k, k, k, k.replace('_', '\\u005f')), values[k]!));
/** Mostly what a plain line holds, in daybook's order. */
const usual: [string, fc.Arbitrary<string>][] = [
  ['timestamp', fc.constantFrom('"2025-03-04T14:09:34.661Z"', '"2025-03-04T14:09:34.661234+00:00"')],
  ['level', fc.constantFrom('"DEBUG"', '"INFO"', '"WARNING"')],
  ['event_id', fc.constant(`"${UUID}"`)],
  ['event_type', fc.constantFrom('"api_call"', '"api_call"', '"health_check"', '"system_start"')],
  ['session_id', fc.constantFrom('"s1"', '"s2"', '"a-much-longer-session-name"')],
  ['latency_ms', fc.constantFrom('12', '12.5', '0.1', '101.3')],
  ['metadata', fc.constantFrom('{"status_code":200}', '{"status_code":503}', '{"status_code":429}', '{"status":"healthy"}', '{"status":"degraded"}', '{"endpoint":"/v2/clock","status_code":200}')],
];
const space = fc.constantFrom('', '', '', ' ', '\t', '\r', ' \r');

/**
 * A line: daybook's members, each now and then with another value or left out, then others in
 * any order (repeats too); whitespace between tokens; a chain link now and then.
 */
interface Parts { members: [string, string][]; ws: string[]; link: boolean }
const parts: fc.Arbitrary<Parts> = fc
  .tuple(
    fc.tuple(...usual.map(([k, v]) => fc.oneof({ weight: 12, arbitrary: v.map((x) => [k, x]) }, { weight: 1, arbitrary: values[k]!.map((x) => [k, x]) }, { weight: 1, arbitrary: fc.constant(undefined) }))),
    fc.array(member, { maxLength: 2 }),
    fc.array(space, { minLength: 60, maxLength: 60 }),
    fc.boolean(),
  )
  .map(([own, more, ws, link]) => ({ members: [...own.filter((m) => m !== undefined), ...more] as [string, string][], ws, link }));
function render({ members, ws, link }: Parts): string {
  let w = 0;
  const s = (): string => ws[w++ % ws.length]!;
  const body = members.map(([k, v]) => `${s()}"${k}"${s()}:${s()}${v}${s()}`).join(',');
  return `{${body}${link ? HASH.slice(0, -1) : ''}}${s()}`;
}
const line = parts.map(render);
/** `l` broken at `at`: cut short, a character replaced or put in. */
const CUTS = ['', '"', '\\', ',', '}', ']', '{', ':', ' ', 'x', '\u0001', '\u001f', '\t', '0', '.', 'e', '-'];
function breakAt(l: string, at: number, c: string): string {
  const i = at % (l.length + 1);
  return at % 3 === 0 ? l.slice(0, i) : at % 3 === 1 ? l.slice(0, i) + c + l.slice(i + 1) : l.slice(0, i) + c + l.slice(i);
}
const broken = fc.tuple(line, fc.nat(), fc.constantFrom(...CUTS)).map(([l, at, c]) => breakAt(l, at, c));
/**
 * Lines of one shape (plain-line.ts Shape): one line's members in its order, with each value now
 * and then drawn anew (of any kind: the bytes around the values agree, the values must still
 * be read as a full scan reads them), and now and then broken.
 */
const oneShape = fc
  .tuple(parts, fc.array(fc.tuple(fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(raw, ...Object.values(values)) }), { minLength: 12, maxLength: 12 }), fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...CUTS)) })), { minLength: 2, maxLength: 40 }))
  .map(([p, variants]) =>
    variants.map(([vs, cut]) => {
      const l = render({ ...p, members: p.members.map(([k, v], i) => [k, vs[i % vs.length] ?? v]) });
      return cut === null ? l : breakAt(l, cut[0], cut[1]);
    }),
  );

describe('plain lines read in place', () => {
  it('give the segment JSON.parse gives, on daybook\'s own lines', () => {
    const lines = [
      chained(base()),
      chained(base({ latency_ms: 101.3, metadata: { status_code: 503 } })),
      chained(base({ metadata: { status_code: 429 }, session_id: 's2' })),
      chained(base({ event_type: 'health_check', metadata: { status: 'degraded' } })),
      chained(base({ event_type: 'health_check', metadata: { status: 'healthy' } })),
      chained(base({ event_type: 'health_check', metadata: { status: null } })),
      chained(base({ level: 'WARNING', event_type: 'system_start' })),
      // Not plain: parsed (a trade, an error, a value, an id that is not a canonical UUID).
      chained(base({ event_type: 'trade_exit', symbol: 'AAPL', pnl: 3 })),
      chained(base({ level: 'ERROR' })),
      chained(base({ portfolio_value: 1000 })),
      chained(base({ event_id: 'evt-1' })),
      JSON.stringify(base()),
      `{"timestamp": "2025-03-04T14:09:34.661234+00:00", "level": "INFO", "event_id": "${UUID}", "event_type": "api_call", "latency_ms": 12, "metadata": {"status_code": 200}}`,
    ];
    const { fast, parsed, plain } = bothWays(lines);
    assert.deepEqual(fast, parsed);
    assert.equal(plain, 9);
  });

  it('give the segment JSON.parse gives, on random lines and broken ones', () => {
    let took = 0;
    let read = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(line, line, broken), { minLength: 1, maxLength: 20 }), (lines) => {
        const { fast, parsed, plain } = bothWays(lines);
        assert.deepEqual(fast, parsed);
        took += plain;
        read += lines.length;
      }),
      { numRuns: 3000, seed: 7 },
    );
    // Both ways were taken often.
    assert.ok(took > read / 8 && took < read * 0.8, `${took} of ${read} lines read in place`);
  });

  it('give the segment JSON.parse gives on lines of one shape, whose values vary and break', () => {
    let followed = 0;
    let read = 0;
    fc.assert(
      fc.property(oneShape, (lines) => {
        const before = PlainLine.followed;
        const { fast, parsed } = bothWays(lines);
        assert.deepEqual(fast, parsed);
        followed += PlainLine.followed - before;
        read += lines.length;
      }),
      { numRuns: 2000, seed: 11 },
    );
    // Lines with every value as drawn first and not broken, about a quarter, follow the shape.
    assert.ok(followed > read / 6, `${followed} of ${read} lines followed a shape`);
  });

  it('read what a full scan reads, whatever shapes the lines before left', () => {
    /** What a scan gives: whether the line is taken, and each field's kind and place (the metadata object's kind only). */
    const fields = (p: PlainLine, l: Buffer): unknown => {
      const ok = p.scan(l, 0, l.length);
      return { ok, kind: [...p.kind], at: [...p.kind].map((k, f) => (k === 0 || k === V.OBJECT ? 0 : `${p.start[f]}-${p.end[f]}`)) };
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(oneShape, fc.array(fc.oneof(line, broken), { maxLength: 6 })), { minLength: 1, maxLength: 4 }), (batches) => {
        const p = new PlainLine();
        for (const l of batches.flat().map((x) => Buffer.from(x, 'latin1'))) assert.deepEqual(fields(p, l), fields(new PlainLine(), l), l.toString('latin1'));
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  it('follow the shape of the lines before: daybook\'s own lines', () => {
    const lines = Array.from({ length: 50 }, (_, i) => chained(base({ latency_ms: i * 7.5, message: `API call ${i}`, metadata: { endpoint: '/v2/clock', method: i % 2 === 0 ? 'POST' : 'GET', status_code: i % 10 === 0 ? 503 : 200 } })));
    const before = PlainLine.followed;
    const { fast, parsed, plain } = bothWays(lines);
    assert.deepEqual(fast, parsed);
    assert.equal(plain, 50);
    assert.ok(PlainLine.followed - before >= 49, `${PlainLine.followed - before} lines followed a shape`);
  });

  it('too large for a shape (over 48 values, over 1 KB around them) are read in full, line after line', () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`m${i}`, i]));
    const longKeys = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${'k'.repeat(100)}${i}`, 'v']));
    for (const extra of [many, longKeys]) {
      const lines = Array.from({ length: 5 }, (_, i) => chained(base({ latency_ms: i, metadata: { status_code: 200, ...extra } })));
      const before = PlainLine.followed;
      const { fast, parsed, plain } = bothWays(lines);
      assert.deepEqual(fast, parsed);
      assert.equal(plain, 5);
      assert.equal(PlainLine.followed - before, 0);
    }
  });

  it('are checked as strictly as JSON.parse: every invalid line is counted invalid', () => {
    const ok = chained(base());
    const bad = [
      ok.replace('"DEBUG"', '"DE\u0001BUG"'), ok.replace('"DEBUG"', '"DE\\xBUG"'), ok.replace('"DEBUG"', '"DE\\u12G4"'), ok.replace('67.9', '067.9'),
      ok.replace('67.9', '67.'), ok.replace('67.9', '.9'), ok.replace('67.9', '+67.9'), ok.replace('67.9', '6e'), ok.replace('67.9', '-'),
      ok.replace('200}', '200,}'), ok.replace('"POST"', "'POST'"), ok.replace('"POST"', 'nul'), ok.replace('"POST"', 'True'), ok + 'x',
      ok.replace(',"session_id"', ' "session_id"'), ok.replace('"metadata":{', '"metadata":{{'), ok.replace('"POST"', '[1,]'), ok.replace('"POST"', '[1 2]'),
      ok.replace('"POST"', '\u00a0"POST"'), ok.replace('"POST"', `${'['.repeat(300)}${']'.repeat(299)}`), `{"a":1}{"b":2}`, '{',
    ];
    const { fast, parsed, plain } = bothWays(bad);
    assert.equal(plain, 0);
    assert.equal(fast.n, 0);
    assert.deepEqual(fast.bad, { ...emptyBadLines(), invalid_json: bad.length });
    assert.deepEqual(parsed.bad, fast.bad);
    // Deep nesting is no error: JSON.parse takes it, and so does the scan (no recursion).
    const deep = bothWays([ok.replace('"POST"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)]);
    assert.equal(deep.plain, 1);
    assert.deepEqual(deep.fast, deep.parsed);
    const p = new PlainLine();
    assert.equal(p.scan(Buffer.from(ok, 'latin1'), 0, ok.length), true);
  });
});

describe('numberAt', () => {
  it('is Number() of a JSON number\'s text, to the bit', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)), fc.tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,17})$/), fc.stringMatching(/^[0-9]{0,17}$/)).map(([neg, a, b]) => `${neg ? '-' : ''}${a}${b === '' ? '' : `.${b}`}`)), (text) => {
        assert.ok(Object.is(numberAt(Buffer.from(`x${text}y`, 'latin1'), 1, 1 + text.length), Number(text)), text);
      }),
      { numRuns: 20_000, seed: 3 },
    );
  });
});
