import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LogAnalyzer } from './analyzer.js';
import { computeReport } from './report.js';
import { eventSetOf, MAX_CUTS, select } from './event-set.js';
import { parseRange } from './dates.js';
import { SegmentBuilder, type Segment } from './segment.js';
import { ev, lines, tempDir } from './test/helpers.js';

// memo.ts keeps the metrics' per-segment passes between reports. A report that finds them
// (the same segments and keep masks as before) must equal one computed from nothing.

const TYPES = ['api_call', 'health_check', 'system_start', 'risk_limit_hit', 'position_size_calculated', 'trade_exit', 'api_error', 'rate_limit', 'system_error'];
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

const event = fc.record({
  type: fc.constantFrom(...TYPES),
  level: fc.constantFrom(...LEVELS),
  day: fc.integer({ min: 0, max: 4 }),
  second: fc.integer({ min: 0, max: 86_399 }),
  latency: fc.oneof(fc.constant(undefined), fc.double({ min: -5, max: 500, noNaN: true })),
  status: fc.constantFrom(200, 429, 503),
  session: fc.constantFrom('a', 'b', 'c'),
  pnl: fc.integer({ min: -100, max: 100 }),
  heat: fc.oneof(fc.constant(undefined), fc.double({ min: 0, max: 1, noNaN: true })),
});
type Gen = typeof event extends fc.Arbitrary<infer T> ? T : never;

function toEvent(g: Gen): Record<string, unknown> {
  const timestamp = new Date(Date.UTC(2024, 0, 1 + g.day) + g.second * 1000).toISOString();
  return ev({
    timestamp, level: g.level, event_type: g.type, session_id: g.session, latency_ms: g.latency, portfolio_heat: g.heat,
    ...(g.type === 'trade_exit' ? { symbol: 'AAPL', quantity: 1, price: 2, pnl: g.pnl } : {}),
    metadata: { status_code: g.status, ...(g.type === 'health_check' ? { status: g.status === 200 ? 'healthy' : 'degraded' } : {}) },
  });
}

function segmentOf(events: readonly Record<string, unknown>[], source: string): Segment {
  const b = new SegmentBuilder(source);
  for (const e of events) b.add(e, Date.parse(e.timestamp as string) * 1000);
  return b.finish();
}

describe('per-segment memo of the metrics', () => {
  it('a report over segments met before equals the report computed afresh, for any range', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 30 }), { minLength: 1, maxLength: 4 }), fc.array(event, { maxLength: 30 }), fc.constantFrom(undefined, '2024-01-02', '2024-01-03T06:00:00Z'), (parts, more, start) => {
        const events = parts.map((p) => p.map(toEvent));
        const segments = events.map((e, i) => segmentOf(e, `f${i}`));
        const range = parseRange(start, undefined);
        const before = eventSetOf(segments);
        computeReport(before, range); // fills the memo
        computeReport(before, parseRange()); // and for another range
        // The same segments and masks, one segment more (an append): the old ones come from the memo.
        const moreEvents = more.map(toEvent);
        const added = segmentOf(moreEvents, 'new');
        const after = { ...before, segments: [...segments, added], keep: [...before.keep, eventSetOf([added]).keep[0]!] };
        const fresh = eventSetOf([...events.map((e, i) => segmentOf(e, `f${i}`)), segmentOf(moreEvents, 'new')]);
        // Fresh masks: ids are unique, so every row is kept in both.
        for (const r of [range, parseRange(), range]) assert.deepEqual(computeReport(after, r), computeReport(eventSetOf(fresh.segments), r));
        // The new segment first (another file read before them): the parts met before are
        // combined after it, from another running sum (system.ts carries the latency sum).
        const front = { ...before, segments: [added, ...segments], keep: [eventSetOf([added]).keep[0]!, ...before.keep] };
        const freshFront = eventSetOf([segmentOf(moreEvents, 'new'), ...events.map((e, i) => segmentOf(e, `f${i}`))]);
        for (const r of [parseRange(), range]) assert.deepEqual(computeReport(front, r), computeReport(freshFront, r));
      }),
      { numRuns: 150 },
    );
  });

  it('a range that cuts a segment in time order gives the system figures of its rows read alone (counted from the segment\'s run index)', () => {
    // Segments longer than a few of system.ts's blocks of rows, half API calls (latencies with
    // ties, -0 and +0), the rest of every kind and level, in three sessions.
    const latency = fc.oneof(fc.constantFrom(-0, 0, 5, 5, 7.5), fc.double({ min: -5, max: 500, noNaN: true }));
    // Whole blocks too: a run to the end of a segment of 64 × k rows reads the counters after the last block.
    const lengths = fc.oneof(fc.constantFrom(64, 128, 192), fc.integer({ min: 1, max: 400 }));
    fc.assert(
      fc.property(lengths.chain((n) => fc.array(fc.tuple(event, latency, fc.boolean()), { minLength: n, maxLength: n })), fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 86_399 })), { minLength: 1, maxLength: 4 }), (gen, starts) => {
        const events = gen.map(([g, l, api]) => toEvent(api ? { ...g, type: 'api_call', latency: l } : g)).sort((a, b) => (a.timestamp as string).localeCompare(b.timestamp as string));
        const set = eventSetOf([segmentOf(events, 'f')]);
        const at = ([day, second]: [number, number]): string => new Date(Date.UTC(2024, 0, 1 + day) + second * 1000).toISOString();
        for (let i = 0; i < starts.length; i++) {
          // From an instant to the end, or between two.
          const [start, end] = i % 2 === 0 ? [at(starts[i]!), undefined] : [at(starts[i - 1]!), at(starts[i]!)].sort();
          const range = parseRange(start, end);
          const inRange = events.filter((e) => (e.timestamp as string) >= start! && (end === undefined || (e.timestamp as string) <= end));
          const alone = computeReport(eventSetOf([segmentOf(inRange, 'f')]), parseRange()).system_metrics;
          assert.deepEqual(computeReport(set, range).system_metrics, alone, start);
        }
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('selects the rows of any range, the same array for every range that holds a segment whole, and for every range that selects the same rows', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(event, { maxLength: 20 }), fc.boolean()), { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.integer({ min: -1, max: 25 }), fc.integer({ min: -1, max: 25 }), fc.boolean()), { minLength: 1, maxLength: 12 }), (parts, bounds) => {
        // Some segments in time order (as one writer writes a file), the others in any order.
        const byTime = (a: Record<string, unknown>, b: Record<string, unknown>): number => Date.parse(a.timestamp as string) - Date.parse(b.timestamp as string);
        const set = eventSetOf(parts.map(([p, sorted], i) => segmentOf(sorted ? p.map(toEvent).sort(byTime) : p.map(toEvent), `f${i}`)));
        /** Per segment, the cuts it keeps: the array each selection (as its rows' list) came in. */
        const seen = set.segments.map(() => new Map<string, Uint32Array>());
        const times = set.segments.flatMap((s) => [...s.ts]).sort((a, b) => a - b);
        // Bounds on the rows' own times (the edges a segment's span meets), and outside them.
        const at = (k: number): number => (k < 0 ? -Infinity : k >= times.length ? Infinity : times[k]!);
        for (const [a, b, endExclusive] of bounds) {
          const range = { start: Math.min(at(a), at(b)), end: Math.max(at(a), at(b)), endExclusive };
          const sel = select(set, range);
          set.segments.forEach((s, si) => {
            const want = [...Array(s.n).keys()].filter((r) => set.keep[si]![r] === 1 && s.ts[r]! >= range.start && (endExclusive ? s.ts[r]! < range.end : s.ts[r]! <= range.end));
            assert.deepEqual([...sel.rows[si]!], want);
            if (want.length === s.n && s.n > 0) assert.equal(sel.rows[si], select(set).rows[si], 'a segment held whole: the rows of every range holding it');
            // The metrics' per-segment results are kept per rows array: ranges that cut a
            // segment alike (an alert's windows) must share theirs, in time order or not.
            // A segment keeps its last MAX_CUTS cuts (the first made goes first): a cut met again
            // among those is the same array.
            if (want.length === 0 || want.length === s.n) return;
            const key = want.join();
            const mine = seen[si]!;
            const was = mine.get(key);
            if (was !== undefined) assert.equal(sel.rows[si], was, 'the same rows: the same array');
            else {
              if (mine.size >= MAX_CUTS) mine.delete(mine.keys().next().value!);
              mine.set(key, sel.rows[si]!);
            }
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a repeated report after an append equals a new reader\'s report', async () => {
    const dir = tempDir();
    const gen = fc.sample(event, { numRuns: 600, seed: 42 }).map(toEvent);
    writeFileSync(join(dir, 'audit.log'), lines(gen.slice(0, 400)));
    const analyzer = new LogAnalyzer(dir);
    await analyzer.getReport();
    await analyzer.getReport('2024-01-02', '2024-01-03');
    appendFileSync(join(dir, 'audit.log'), lines(gen.slice(400)));
    const again = await analyzer.getReport();
    const fresh = await new LogAnalyzer(dir, { persist: false }).getReport();
    assert.equal(again.system_metrics.total_events, 600);
    assert.deepEqual(again, fresh);
  });
});
