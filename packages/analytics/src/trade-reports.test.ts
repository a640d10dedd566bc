import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoOf, parseTimestamp, type TimeRange } from './dates.js';
import { select, type EventSet } from './event-set.js';
import { computeReport } from './report.js';
import { symbolPerformance } from './symbols.js';
import { MAX_STARTS } from './trade-reports.js';
import { selectTrades, tradingMetrics, TradingFold } from './trading.js';
import { openTradesAt } from './trades.js';
import { chunked, ev, growingSets, random } from './test/helpers.js';

// A report of a range that ends later than the last one, over a linking resumed after appends,
// adds the new trading events to the folds of the last report (trade-reports.ts). Its figures
// must be the doubles a pass over every trade gives (tradingMetrics and symbolPerformance over
// selectTrades, on the same events linked from scratch), exactly: the same additions in the
// same order.

const BASE = parseTimestamp('2024-03-01T00:00:00.000Z')!;
const MINUTE = 60_000_000;

/** Trading events over weeks (days without trades, weekends), a few out of order when `late`. */
function stream(seed: number, count: number, late: number): Record<string, unknown>[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: Record<string, unknown>[] = [];
  let t = BASE;
  for (let i = 0; i < count; i++) {
    t += Math.floor(rnd() * 4) * 30 * MINUTE + (rnd() < 0.02 ? 3 * 24 * 60 * MINUTE : 0);
    const ts = rnd() < late ? t - 5 * MINUTE : t;
    const common = { timestamp: isoOf(ts), session_id: pick(['s1', 's2']), symbol: pick(['AAPL', 'MSFT', '__proto__']), component: 'trading' };
    const r = rnd();
    if (r < 0.35) out.push(ev({ ...common, event_type: 'trade_entry', side: pick(['buy', 'sell']), price: 100 + Math.floor(rnd() * 10), quantity: 1 + Math.floor(rnd() * 3), fee: rnd() < 0.5 ? 0.1 * Math.floor(rnd() * 10) : undefined, ...(rnd() < 0.6 ? { strategy_name: pick(['mom', 'fade', 'constructor']) } : {}) }));
    else if (r < 0.6) out.push(ev({ ...common, event_type: 'trade_exit', price: 100 + Math.floor(rnd() * 10), quantity: 1, ...(rnd() < 0.4 ? { pnl: (Math.floor(rnd() * 2000) - 1000) / 7 } : {}), metadata: { exit_reason: pick(['tp', 'sl', 'toString']), ...(rnd() < 0.3 ? { hold_time_minutes: rnd() * 90 } : {}) } }));
    else if (r < 0.7) out.push(ev({ ...common, event_type: 'trade_partial_exit', price: 100 + Math.floor(rnd() * 10), quantity: 1 }));
    else if (r < 0.75) out.push(ev({ ...common, event_type: 'trade_cancelled' }));
    else if (r < 0.8) out.push(ev({ timestamp: isoOf(ts), event_type: 'portfolio_update', component: 'trading', portfolio_value: 10_000 + Math.floor(rnd() * 1000) }));
    else out.push(ev({ timestamp: isoOf(ts), event_type: 'api_call', latency_ms: 5 }));
  }
  return out;
}

/** What a pass over every trade gives, on the set linked from scratch (no lineage). */
function fromScratch(set: EventSet, range: TimeRange, startingEquity: number | null) {
  const alone = { ...set, lineage: undefined };
  const trades = selectTrades(select(alone, range));
  return {
    trading: tradingMetrics(trades, { periodsPerYear: 252, startingEquity, openTrades: openTradesAt(alone, range).length }),
    symbols: symbolPerformance(trades),
  };
}

const range = (start: number, end: number): TimeRange => ({ start, end, endExclusive: false });

describe('trading metrics and symbol performance resumed after appends', () => {
  it('are the doubles a pass over every trade gives, report after report (random streams, several ranges and equities)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const events = stream(seed, 700, seed % 3 === 0 ? 0.05 : 0);
      const rnd = random(seed * 11);
      const sets = growingSets(chunked(events, rnd));
      sets.forEach((set, k) => {
        const ranges: [string, TimeRange, number | undefined][] = [
          ['all time', range(-Infinity, Infinity), undefined],
          ['all time, equity 5,000', range(-Infinity, Infinity), 5000],
          ['from day 3', range(BASE + 3 * 1440 * MINUTE, Infinity), undefined],
          // Ends that move back and forth: a fold that went past the end is not used.
          ['from day 3 to a moving end', range(BASE + 3 * 1440 * MINUTE, BASE + ((k * 7919) % 20) * 1440 * MINUTE), undefined],
        ];
        for (const [what, r, equity] of ranges) {
          const report = computeReport(set, r, { periodsPerYear: 252, ...(equity === undefined ? {} : { startingEquity: equity }) });
          const expected = fromScratch(set, r, report.trading_metrics.starting_equity);
          assert.deepEqual(report.trading_metrics, expected.trading, `seed ${seed}, set ${k}, ${what}`);
          assert.deepEqual(report.symbol_performance, expected.symbols, `seed ${seed}, set ${k}, ${what}`);
        }
      });
      // An earlier set asked after the last (a report still holding it): from its own events.
      const early = sets[Math.floor(sets.length / 2)]!;
      const all = range(-Infinity, Infinity);
      const report = computeReport(early, all, { periodsPerYear: 252 });
      assert.deepEqual(report.trading_metrics, fromScratch(early, all, report.trading_metrics.starting_equity).trading);
    }
  });

  it('a report after appends adds only the new trading events to its passes', (t) => {
    const events = stream(7, 400, 0);
    const sets = growingSets(chunked(events, random(77)));
    // Counts the events the real fold is given (the call goes through).
    let added = 0;
    const add = TradingFold.prototype.add;
    t.mock.method(TradingFold.prototype, 'add', function (this: TradingFold, ...args: Parameters<typeof add>) {
      added++;
      return add.apply(this, args);
    });
    const all = range(-Infinity, Infinity);
    let before = 0;
    for (const set of sets) {
      added = 0;
      const r = computeReport(set, all, { periodsPerYear: 252, startingEquity: 1000 });
      const trading = selectTrades(select(set, all)).length;
      assert.equal(added, trading - before, 'the new events only');
      before = trading;
      assert.ok(r.trading_metrics.total_trades > 0 || trading < 20);
    }
    // Rolling starts (each at a later trade): each new start is one pass over its range, and
    // only the last MAX_STARTS are kept: the first asked again is passed over again.
    const last = sets[sets.length - 1]!;
    const trades = selectTrades(select(last, all));
    const starts = Array.from({ length: MAX_STARTS + 2 }, (_, i) => range(trades[(i + 1) * 20]!.ts, Infinity));
    for (const r of [...starts, starts[0]!]) {
      added = 0;
      computeReport(last, r, { periodsPerYear: 252, startingEquity: 1000 });
      assert.equal(added, selectTrades(select(last, r)).length);
    }
  });
});
