import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EVENT_TYPES } from '@daybook/core';
import { LineSplitter } from './lines.js';
import { TRADE_NEEDLES, TradeLineFilter } from './prefilter.js';
import { SegmentBuilder, TRADE_EVENT_TYPES, tradeRowsOnly, type Segment } from './segment.js';

// The prefilter must never skip a trading event: whatever the bytes, the trading rows it
// gives are exactly those of a full read of the same bytes, pushed in the same pieces.

/** The trading rows of `bytes` as the full reader gives them, and as the prefilter does. */
function both(bytes: Buffer, cuts: readonly number[], maxLineBytes: number): { full: Segment; filtered: Segment } {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const to = Math.min(bytes.length, c);
    if (to > at) pieces.push(bytes.subarray(at, to));
    at = Math.max(at, to);
  }
  pieces.push(bytes.subarray(at));
  const a = new SegmentBuilder('full');
  const splitter = new LineSplitter(a, true, maxLineBytes);
  const b = new SegmentBuilder('filtered');
  const filter = new TradeLineFilter(b, maxLineBytes);
  for (const p of pieces) {
    splitter.push(p);
    filter.push(p);
  }
  return { full: tradeRowsOnly(a.finish()), filtered: tradeRowsOnly(b.finish()) };
}

/** A segment's rows as plain values (session and text ids by value: the tables differ). */
function rowsOf(s: Segment): unknown[] {
  return Array.from({ length: s.n }, (_, r) => [s.ts[r], [...s.id.subarray(r * 4, r * 4 + 4)], s.digest[r], s.type[r], s.level[r], s.flags[r], s.session[r]! < 0 ? null : s.sessions[s.session[r]!], s.textIds.get(r), s.latency[r]]);
}

function assertSame(full: Segment, filtered: Segment): void {
  assert.deepEqual(rowsOf(filtered), rowsOf(full));
  assert.deepEqual(filtered.trades, full.trades);
  assert.deepEqual(filtered.errors, full.errors);
  assert.deepEqual(filtered.values, full.values);
}

const hex4 = (c: number, upper: boolean): string => {
  const h = c.toString(16).padStart(4, '0');
  return upper ? h.toUpperCase() : h;
};

/** A JSON string literal of `s`, each character written as itself or as a \u escape (either hex case) as `escape` says. */
function spell(s: string, escape: readonly boolean[], upper: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (escape[i % Math.max(1, escape.length)] === true || c < 0x20 || c === 0x22 || c === 0x5c) out += `\\u${hex4(c, upper)}`;
    else out += s[i];
  }
  return out + '"';
}

const tradeType = fc.constantFrom(...TRADE_EVENT_TYPES);
const anyType = fc.oneof(tradeType, fc.constantFrom(...EVENT_TYPES), fc.constantFrom('Trade_Entry', 'trade_entry ', 'trade_', 'stop_loss', 'position adjusted', ''), fc.string({ maxLength: 12 }));
const timestamp = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((t) => new Date(t).toISOString());
const eventId = fc.oneof(fc.uuid(), fc.string({ maxLength: 10 }));
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('take_profit_hit', 'stop_loss_hit', 'x\\u0041', 'é€😀', '\n'));
const extra = fc.dictionary(fc.constantFrom('symbol', 'side', 'position_id', 'session_id', 'strategy_name', 'message', 'component', 'level'), text, { maxKeys: 4 });
const numbers = fc.dictionary(fc.constantFrom('pnl', 'price', 'quantity', 'fee', 'latency_ms', 'portfolio_value'), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer()), { maxKeys: 3 });

/** A JSON event line, with its keys and values spelled in any way JSON allows. */
const eventLine = fc
  .record({
    ts: timestamp, id: eventId, type: anyType, second: fc.option(anyType), extra, numbers, reason: fc.option(text),
    escape: fc.array(fc.boolean(), { maxLength: 16 }), upper: fc.boolean(), spaced: fc.boolean(), leading: fc.boolean(),
    link: fc.boolean(), cr: fc.boolean(),
  })
  .map((e) => {
    const sp = e.spaced ? ' ' : '';
    const str = (s: string, keyed = true): string => (keyed ? spell(s, e.escape, e.upper) : JSON.stringify(s));
    const members: string[] = [];
    // daybook's own lines begin with their timestamp, spelled plainly (lines.ts holds them to it).
    if (e.leading) members.push(`"timestamp":"${e.ts}"`);
    else members.push(`${str('timestamp')}:${sp}${str(e.ts)}`);
    members.push(`${str('event_id')}:${sp}${str(e.id)}`, `${str('event_type')}:${sp}${str(e.type)}`);
    for (const [k, v] of Object.entries(e.extra)) members.push(`${str(k)}:${sp}${str(v)}`);
    for (const [k, v] of Object.entries(e.numbers)) members.push(`${str(k)}:${sp}${JSON.stringify(v)}`);
    if (e.reason !== null) members.push(`${str('metadata')}:${sp}{${str('reason')}:${sp}${str(e.reason)}}`);
    // A repeated key: JSON.parse keeps the last.
    if (e.second !== null) members.push(`${str('event_type')}:${sp}${str(e.second)}`);
    let line = `{${members.join(`,${sp}`)}}`;
    if (e.link) line = `${line.slice(0, -1)},"hash":"${'ab12'.repeat(16)}"}`;
    return e.cr ? `${line}\r` : line;
  });

const otherLine = fc.oneof(
  fc.constant(''),
  fc.constant('   '),
  fc.string({ maxLength: 60 }),
  fc.constant('2024-01-01 10:00:00,000 | app | ERROR | trade_entry failed'),
  fc.constant('{"event_type":"trade_entry"'),
  fc.constant('not json \\u0074rade_exit'),
);

const lineBytes = fc.oneof(
  { weight: 6, arbitrary: eventLine.map((l) => Buffer.from(l, 'utf8')) },
  { weight: 2, arbitrary: otherLine.map((l) => Buffer.from(l, 'utf8')) },
  // Not UTF-8: never an event, needle or not.
  { weight: 1, arbitrary: eventLine.map((l) => Buffer.concat([Buffer.from(l, 'utf8'), Buffer.from([0xff, 0xfe])])) },
);

const file = fc.record({
  bom: fc.boolean(),
  lines: fc.array(lineBytes, { maxLength: 25 }),
  torn: fc.boolean(),
  cuts: fc.array(fc.nat({ max: 6000 }), { maxLength: 8 }),
  maxLineBytes: fc.constantFrom(4096, 300, 120),
});

describe('trading-line prefilter', () => {
  it('gives exactly the trading rows of a full read, whatever the lines and the pieces they come in', () => {
    fc.assert(
      fc.property(file, (f) => {
        const body = Buffer.concat(f.lines.flatMap((l) => [l, Buffer.from('\n')]));
        const bytes = Buffer.concat([f.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), f.torn && body.length > 0 ? body.subarray(0, -1) : body]);
        const { full, filtered } = both(bytes, f.cuts, f.maxLineBytes);
        assertSame(full, filtered);
      }),
      { numRuns: 400, seed: Number(process.env.DAYBOOK_PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
  });

  it('every line the full reader takes for a trading event holds one of the needles', () => {
    fc.assert(
      fc.property(eventLine, (line) => {
        const b = new SegmentBuilder('one');
        new LineSplitter(b).push(Buffer.from(`${line}\n`));
        if (b.finish().trades.length === 1) assert.ok(TRADE_NEEDLES.some((n) => line.includes(n)), line);
      }),
      { numRuns: 2000, seed: Number(process.env.DAYBOOK_PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
  });

  it('finds trading events spelled with escapes, in Python\'s spacing, across pieces, and skips the rest unparsed', () => {
    const lines = [
      '\ufeff{"timestamp":"2024-01-01T00:00:00.000Z","event_id":"a","event_type":"trade_entry","symbol":"X","side":"buy","price":1}',
      '{"timestamp": "2024-01-01T00:00:01.000Z", "event_id": "b", "event_type": "position_adjusted"}',
      '{"timestamp":"2024-01-01T00:00:02.000Z","event_id":"c","event_type":"tr\\u0061de_exit","pnl":3}',
      '{"timestamp":"2024-01-01T00:00:03.000Z","event_id":"d","ev\\u0065nt_type":"take_profit_hit"}',
      '{"timestamp":"2024-01-01T00:00:04.000Z","event_id":"e","event_type":"api_call","latency_ms":5}',
      `{"timestamp":"2024-01-01T00:00:05.000Z","event_id":"f","event_type":"stop_loss_hit","hash":"${'0'.repeat(64)}"}\r`,
      '{"timestamp":"2024-01-01T00:00:06.000Z","event_id":"g","event_type":"trade_cancelled"}',
    ];
    const bytes = Buffer.from(lines.join('\n') + '\n');
    for (const cut of [0, 5, 100, 101, 250, bytes.length - 3]) {
      const { full, filtered } = both(bytes, [cut], 4096);
      assertSame(full, filtered);
      assert.deepEqual(filtered.trades.map((t) => t.eventId), ['a', 'b', 'c', 'd', 'f', 'g']);
    }
    // The api_call line is not parsed: a sink that counts what it is given sees six lines.
    let parsed = 0;
    const sink = new SegmentBuilder('count');
    const counting = { bad: sink.bad, add: (...a: Parameters<SegmentBuilder['add']>) => (parsed++, sink.add(...a)), addAppLine: () => undefined };
    new TradeLineFilter(counting).push(bytes);
    assert.equal(parsed, 6);
  });
});
