import assert from 'node:assert/strict';
import { renameSync, appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogAnalyzer } from './analyzer.js';
import { isoOf, parseTimestamp } from './dates.js';
import type { EventSet } from './event-set.js';
import { FileSource } from './source.js';
import { linkTrades, openTradesAt, type Linked } from './trades.js';
import { chunked, ev, growingSets, lines, random, tempDir } from './test/helpers.js';

// Linking resumes from the previous set's state when the new set extends it (trades.ts
// resumed); the answer must be what linking everything again gives, whatever the appends hold:
// position ids reused after an exit, first-in-first-out trades without ids, partial exits,
// exits without pnl (derived from the entry), rows older than the last one linked, copies of
// events read before. The random streams are seeded: a failure names its seed.

const BASE = parseTimestamp('2024-03-01T00:00:00.000Z')!;
const MINUTE = 60_000_000;

/** A stream of trading events (and some others), mostly in time order; `late` of them a few minutes older than the one before. */
function tradingStream(seed: number, count: number, late = 0.05): { events: Record<string, unknown>[]; end: number } {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const events: Record<string, unknown>[] = [];
  let t = BASE;
  for (let i = 0; i < count; i++) {
    t += Math.floor(rnd() * 3) * MINUTE; // ties too
    const ts = rnd() < late ? t - Math.floor(1 + rnd() * 5) * MINUTE : t;
    const timestamp = isoOf(ts);
    const session = pick(['s1', 's2']);
    const symbol = pick(['AAPL', 'MSFT']);
    const positionId = rnd() < 0.5 ? pick(['p1', 'p2', 'p3']) : undefined;
    const common = { timestamp, session_id: session, symbol, component: 'trading', ...(positionId === undefined ? {} : { position_id: positionId }) };
    const r = rnd();
    if (r < 0.3) events.push(ev({ ...common, event_type: 'trade_entry', side: pick(['buy', 'sell', 'SHORT']), price: 100 + Math.floor(rnd() * 10), quantity: 1 + Math.floor(rnd() * 3), ...(rnd() < 0.5 ? { strategy_name: pick(['mom', 'fade']) } : {}) }));
    else if (r < 0.5) events.push(ev({ ...common, event_type: 'trade_exit', price: 100 + Math.floor(rnd() * 10), quantity: 1, ...(rnd() < 0.4 ? { pnl: Math.floor(rnd() * 20) - 10 } : {}) }));
    else if (r < 0.6) events.push(ev({ ...common, event_type: 'trade_partial_exit', price: 100 + Math.floor(rnd() * 10), quantity: 1 }));
    else if (r < 0.65) events.push(ev({ ...common, event_type: 'trade_cancelled' }));
    else if (r < 0.7) events.push(ev({ ...common, event_type: 'position_adjusted', quantity: 2 }));
    else if (r < 0.75) events.push(ev({ ...common, event_type: 'stop_loss_hit', price: 95 }));
    else events.push(ev({ timestamp, session_id: session, event_type: 'api_call', latency_ms: 5, metadata: { status_code: 200 } }));
  }
  return { events, end: t };
}

/**
 * What linking gives, as plain data (records by value, trades by their events' ids). `rows:
 * false` leaves out each record's row in its segment, which merged segments renumber.
 */
function view(l: Linked, rows = true): unknown {
  const record = (r: object): object => {
    const { row: _row, ...rest } = r as { row: number };
    return rows ? { ...r } : rest;
  };
  return {
    events: l.events.map((e) => record(e.record)),
    trades: l.trades.map((t) => ({
      id: t.id, positionId: t.positionId, session: t.session, symbol: t.symbol, entry: t.entry?.eventId, closedAt: t.closedAt,
      closedBy: t.closedBy === undefined ? undefined : record(t.closedBy), events: t.events.map((e) => e.record.eventId),
    })),
    open: l.open.map((t) => t.id),
    lastTs: l.lastTs,
    curve: { ts: [...l.curve.ts], pnl: [...l.curve.pnl], fee: [...l.curve.fee] },
  };
}

/** The same set without its lineage: linked from scratch. */
const alone = (set: EventSet): EventSet => ({ ...set, lineage: undefined });

describe('linking resumed after appends', () => {
  it('gives what linking everything again gives, append after append (random streams)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const { events } = tradingStream(seed, 400, seed % 2 === 0 ? 0 : 0.05);
      const rnd = random(seed * 7);
      // A copy of an earlier event arrives now and then (identical: not counted).
      const withCopies = events.flatMap((e, i) => (i > 10 && rnd() < 0.03 ? [e, events[Math.floor(rnd() * i)]!] : [e]));
      for (const set of growingSets(chunked(withCopies, rnd))) {
        assert.deepEqual(view(linkTrades(set)), view(linkTrades(alone(set))), `seed ${seed}`);
      }
    }
  });

  it('a row older than the last one linked is linked with the others again, in time order', () => {
    const entry = ev({ timestamp: '2024-03-01T10:00:00.000Z', event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', price: 10, quantity: 1, session_id: 's1' });
    const exitLate = ev({ timestamp: '2024-03-01T12:00:00.000Z', event_type: 'trade_exit', symbol: 'AAPL', price: 12, quantity: 1, session_id: 's1' });
    // Read after the exit, earlier than it: a second FIFO entry, which the exit must not close.
    const entryEarly = ev({ timestamp: '2024-03-01T09:00:00.000Z', event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', price: 5, quantity: 1, session_id: 's1' });
    const [a, b] = growingSets([[entry, exitLate], [entryEarly]]);
    assert.equal(linkTrades(a!).trades[0]!.closedBy?.pnl, 2);
    const linked = linkTrades(b!);
    assert.deepEqual(view(linked), view(linkTrades(alone(b!))));
    // First in, first out: the earlier entry is the one closed, with pnl (12 - 5) × 1.
    assert.equal(linked.trades[0]!.entry?.price, 5);
    assert.equal(linked.trades[0]!.closedBy?.pnl, 7);
  });

  it('leaves what an earlier set linked as it was (a report still holding it)', () => {
    const entry = ev({ timestamp: '2024-03-01T10:00:00.000Z', event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', price: 10, quantity: 1, position_id: 'p1' });
    const partial = ev({ timestamp: '2024-03-01T11:00:00.000Z', event_type: 'trade_partial_exit', symbol: 'AAPL', price: 11, quantity: 1, position_id: 'p1' });
    const exit = ev({ timestamp: '2024-03-01T12:00:00.000Z', event_type: 'trade_exit', symbol: 'AAPL', price: 12, quantity: 1, position_id: 'p1' });
    const again = ev({ timestamp: '2024-03-01T13:00:00.000Z', event_type: 'trade_entry', symbol: 'AAPL', side: 'sell', price: 12, quantity: 1, position_id: 'p1' });
    const [a, b, c] = growingSets([[entry], [partial, exit], [again]]);
    const first = linkTrades(a!);
    const before = view(first);
    const end = { start: -Infinity, end: Infinity, endExclusive: false };
    assert.equal(openTradesAt(a!, end).length, 1);
    const third = linkTrades(c!);
    linkTrades(b!); // linked out of turn: from scratch, not from c's state
    assert.deepEqual(view(first), before);
    assert.equal(openTradesAt(a!, end).length, 1);
    // The position id reused after its exit opens a second trade.
    assert.deepEqual(third.trades.map((t) => [t.positionId, t.events.length, t.closedAt !== undefined]), [['p1', 3, true], ['p1', 1, false]]);
    assert.deepEqual(view(third), view(linkTrades(alone(c!))));
    // Open as of a range's end: the first trade until its exit, none between, the second after.
    const until = (iso: string) => ({ start: -Infinity, end: parseTimestamp(iso)!, endExclusive: false });
    assert.deepEqual(openTradesAt(c!, until('2024-03-01T11:30:00.000Z')).map((t) => t.events.length), [3]);
    assert.equal(openTradesAt(c!, until('2024-03-01T12:30:00.000Z')).length, 0);
    assert.deepEqual(openTradesAt(c!, until('2024-03-01T13:00:00.000Z')).map((t) => t.events.length), [1]);
    assert.equal(openTradesAt(c!, { ...until('2024-03-01T13:00:00.000Z'), endExclusive: true }).length, 0);
    assert.deepEqual(view(linkTrades(b!)), view(linkTrades(alone(b!))));
  });

  it('a set with no new trading rows shares the linking of the one before', () => {
    const entry = ev({ timestamp: '2024-03-01T10:00:00.000Z', event_type: 'trade_entry', symbol: 'AAPL', side: 'buy', price: 10, quantity: 1 });
    const api = ev({ timestamp: '2024-03-01T11:00:00.000Z', event_type: 'api_call', latency_ms: 3 });
    const [a, b] = growingSets([[entry], [api]]);
    assert.equal(linkTrades(b!), linkTrades(a!));
  });
});

describe('a file read after every append', () => {
  it('keeps about log2(reads) segments (a backup one), and linking resumes across their merges', async () => {
    const dir = tempDir();
    const { events } = tradingStream(21, 1500, 0);
    const source = new FileSource(dir, { persist: false });
    let prev: Linked | undefined;
    let reads = 0;
    for (let at = 0; at < events.length; reads++) {
      const n = 5 + (reads % 11);
      appendFileSync(join(dir, 'audit.log'), lines(events.slice(at, at + n)));
      at += n;
      const set = await source.load();
      // Each segment holds more than twice the next one's rows, but for the last read; reads of 5 to 15 lines.
      assert.ok(set.segments.length <= Math.log2(3 * (reads + 1)) + 2, `${set.segments.length} segments after ${reads + 1} reads`);
      const linked = linkTrades(set);
      // Resumed: what was linked before is the same objects, not linked again.
      if (prev !== undefined) assert.ok(prev.events.every((e, i) => linked.events[i] === e), `linked again at read ${reads + 1}`);
      if (reads % 25 === 0 || at >= events.length) assert.deepEqual(view(linked, false), view(linkTrades(alone(set)), false), `read ${reads + 1}`);
      prev = linked;
      if (reads === 60) {
        // Rotated: the backup no longer grows, and becomes one segment.
        renameSync(join(dir, 'audit.log'), join(dir, 'audit.log.1'));
        writeFileSync(join(dir, 'audit.log'), '');
        const rotated = await source.load();
        assert.equal(rotated.segments.length, 1);
        assert.equal(linkTrades(rotated), linked);
      }
    }
    assert.ok(reads > 100);
  });
});

describe('merged segments of copies', () => {
  it('a view whose merged reads dropped copies is read again when the first copies are gone', async () => {
    const dir = tempDir();
    const { events } = tradingStream(31, 400, 0);
    const source = new FileSource(dir, { persist: false, readViews: true });
    for (let at = 0; at < events.length; at += 40) {
      // The same lines in audit.log and its view: the view's rows are copies, compacted away.
      const chunk = lines(events.slice(at, at + 40));
      appendFileSync(join(dir, 'audit.log'), chunk);
      appendFileSync(join(dir, 'system.log'), chunk);
      await source.load();
    }
    const set = await source.load();
    const view = set.segments.filter((s) => s.dropped !== undefined);
    assert.equal(view.length, 1, 'the view\'s ten reads, compacted and merged into one');
    assert.equal(view[0]!.dropped!.words.length, 400 * 4);
    const kept = new LogAnalyzer(dir, { source });
    const all = { start: isoOf(BASE), end: isoOf(BASE + 10_000 * MINUTE) };
    const before = await kept.getTradingMetrics(all.start, all.end);
    // Retention deletes audit.log: the view's rows are the only copies now, and must count.
    rmSync(join(dir, 'audit.log'));
    const fresh = new LogAnalyzer(dir, { persist: false, readViews: true });
    assert.deepEqual(await kept.getTradingMetrics(all.start, all.end), await fresh.getTradingMetrics(all.start, all.end));
    assert.deepEqual(await kept.getTradingMetrics(all.start, all.end), before);
    assert.equal((await source.load()).segments.filter((s) => s.dropped !== undefined).length, 0);
  });
});

/** Trades and trading figures of the ranges an alert evaluation asks (windows ending at `end`), and of all time. */
async function figures(analyzer: LogAnalyzer, end: number): Promise<unknown> {
  const out: unknown[] = [];
  for (const minutes of [1, 15, 60, 6 * 60, 24 * 60, 100 * 24 * 60]) {
    const start = isoOf(end - minutes * MINUTE);
    const to = isoOf(end);
    const trades = await analyzer.getTrades({ start, end: to });
    out.push(minutes, await analyzer.getTradingMetrics(start, to), trades.trades, trades.open_trades, await analyzer.getSystemMetrics(start, to));
  }
  // A range that ends before the last event: open trades as of then.
  const mid = await analyzer.getTrades({ start: isoOf(BASE), end: isoOf(BASE + (end - BASE) / 2) });
  out.push(mid.trades, mid.open_trades);
  return out;
}

describe('a kept analyzer after appends, rotations and copies', () => {
  it('gives what a new analyzer gives, load after load (random streams, ranged loads)', async () => {
    for (const seed of [11, 12, 13]) {
      const dir = tempDir();
      const { events } = tradingStream(seed, 1200, 0.02);
      const rnd = random(seed * 13);
      // Backups of the first days, before every window below: left out of ranged loads, their
      // trading rows read alone.
      const old = events.slice(0, 300);
      writeFileSync(join(dir, 'audit.log.2'), lines(old.slice(0, 150)));
      writeFileSync(join(dir, 'audit.log.1'), lines(old.slice(150)));
      const kept = new LogAnalyzer(dir);
      let backups = 2;
      let at = 300;
      let last = BASE;
      while (at < events.length) {
        const n = 1 + Math.floor(rnd() * 120);
        const chunk = events.slice(at, at + n);
        at += n;
        // Now and then a copy of an earlier event (a backup's, left out, included).
        if (rnd() < 0.5) chunk.push(events[Math.floor(rnd() * Math.min(at, events.length))]!);
        appendFileSync(join(dir, 'audit.log'), lines(chunk));
        for (const e of chunk) last = Math.max(last, parseTimestamp(e.timestamp as string)!);
        if (rnd() < 0.3) {
          // A rotation between loads: the current file becomes audit.log.1.
          for (let k = backups; k >= 1; k--) renameSync(join(dir, `audit.log.${k}`), join(dir, `audit.log.${k + 1}`));
          renameSync(join(dir, 'audit.log'), join(dir, 'audit.log.1'));
          writeFileSync(join(dir, 'audit.log'), '');
          backups++;
        }
        const end = last + MINUTE;
        const fresh = new LogAnalyzer(dir, { persist: false });
        assert.deepEqual(await figures(kept, end), await figures(fresh, end), `seed ${seed}, ${at} events`);
      }
    }
  });

  it('a copy of a left-out backup trade arriving later is counted once, as a new analyzer counts it', async () => {
    const dir = tempDir();
    const entry = ev({ timestamp: '2024-03-01T10:00:00.000Z', event_type: 'trade_entry', component: 'trading', symbol: 'AAPL', side: 'buy', price: 10, quantity: 1, position_id: 'p9' });
    writeFileSync(join(dir, 'audit.log.1'), lines([entry, ev({ timestamp: '2024-03-01T10:30:00.000Z', event_type: 'api_call', latency_ms: 4 })]));
    writeFileSync(join(dir, 'audit.log'), lines([ev({ timestamp: '2024-03-05T10:00:00.000Z', event_type: 'api_call', latency_ms: 4 })]));
    const source = new FileSource(dir, { persist: false });
    const kept = new LogAnalyzer(dir, { source });
    const day = { start: '2024-03-05T00:00:00.000Z', end: '2024-03-05T23:59:59.999Z' };
    assert.equal((await kept.getTrades(day)).open_trades, 1);
    assert.ok(source.newestLeftOut() !== undefined, 'the backup is left out');
    // The same entry line again in the current file (re-shipped), then the exit.
    const exit = ev({ timestamp: '2024-03-05T11:00:00.000Z', event_type: 'trade_exit', component: 'trading', symbol: 'AAPL', price: 12, quantity: 1, position_id: 'p9' });
    appendFileSync(join(dir, 'audit.log'), lines([entry, exit]));
    const got = await kept.getTrades(day);
    const want = await new LogAnalyzer(dir, { persist: false }).getTrades(day);
    assert.deepEqual(got.trades, want.trades);
    assert.equal(got.open_trades, 0);
    assert.equal(got.trades.length, 1);
    assert.deepEqual(got.trades[0]!.events.map((e) => e.event_type), ['trade_entry', 'trade_exit']);
    assert.equal(got.trades[0]!.pnl, 2);
  });
});
