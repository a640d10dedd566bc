import type { Selection } from './event-set.js';
import { SymbolFold } from './symbols.js';
import { linkedRange } from './trades.js';
import { TradingFold } from './trading.js';

// A report after appends asks for the trading metrics and symbol performance of a range that
// ends later than last time (a report up to now) over the same linking, resumed (trades.ts):
// the events before are the same, at the same places. Passing over every trade again was most
// of what such a report cost beyond reading the new lines (~5,700 trades of the Python bench:
// 10-25 ms of code V8 had run once). The folds of the last few ranges' starts are kept per
// linking and take the new events only; the figures are the same doubles (TradingFold).

/** The folds over linked events [lo, done) of one linking, for one starting equity. */
interface Resumable {
  readonly lo: number;
  readonly equity: number | null;
  done: number;
  readonly trading: TradingFold;
  readonly symbols: SymbolFold;
}

/** Per linking (Linked.origin), the folds of the last MAX_STARTS (start, equity) asked. */
const folds = new WeakMap<object, Resumable[]>();

/** A dashboard's rolling windows start somewhere new at every refresh: only the last few are kept. */
export const MAX_STARTS = 4;

/**
 * The folds of tradingMetrics and symbolPerformance over selectTrades(sel) at `equity`, from
 * those of an earlier report of the same linking, start and equity when one ended at or
 * before this range's end; the caller asks each for what it reports (`metrics`, `performance`).
 */
export function tradeFolds(sel: Selection, equity: number | null): { trading: TradingFold; symbols: SymbolFold } {
  const { linked, lo, end } = linkedRange(sel);
  let kept = folds.get(linked.origin);
  if (kept === undefined) folds.set(linked.origin, (kept = []));
  let f = kept.find((k) => k.lo === lo && Object.is(k.equity, equity) && k.done <= end);
  if (f === undefined) {
    f = { lo, equity, done: lo, trading: new TradingFold(equity), symbols: new SymbolFold() };
    kept.push(f);
    if (kept.length > MAX_STARTS) kept.shift();
  }
  for (let i = f.done; i < end; i++) {
    const r = linked.events[i]!.record;
    f.trading.add(r);
    f.symbols.add(r);
  }
  f.done = end;
  return f;
}
