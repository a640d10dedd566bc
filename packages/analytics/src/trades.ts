import { inRange, isoOf, US_PER_MS, type TimeRange } from './dates.js';
import type { EventSet, Selection } from './event-set.js';
import type { TradeEventType, TradeRecord } from './segment.js';

// Linking, exactly as docs/metrics.md "Trades" defines it: the trading events of everything
// read (not only a report's range, so an entry made before the range links to an exit in
// it) are taken in timestamp order (ties: read order) and grouped into trades, by
// `position_id` when an event has one, else first-in-first-out per session and symbol. Each
// exit and partial exit then gets what linking derives: its pnl from the entry when it has
// none, the entry's strategy when it has none, the hold time from the entry's time. Every
// metric reads these derived records (selectTrades), never the raw ones, so a report, the
// trade view and the dashboard cannot disagree.

/** A trading event after linking: pnl, strategy and holdMinutes are the derived values. */
export interface LinkedEvent {
  /** The record with the derived pnl (exits), strategy ('unknown' when none) and hold minutes (exits). */
  readonly record: TradeRecord;
}

export interface LinkedTrade {
  /** The event_id of its first event: unique, unlike a position_id, which may be reused after an exit. */
  readonly id: string;
  readonly positionId: string;
  readonly session: string;
  readonly symbol: string;
  /** Its first trade_entry; undefined for exits that found no entry. */
  entry: TradeRecord | undefined;
  readonly events: LinkedEvent[];
  /** When a trade_exit or trade_cancelled closed it (µs), else undefined. */
  closedAt: number | undefined;
  /** The event that closed it. */
  closedBy: TradeRecord | undefined;
}

export interface Linked {
  /** Every counted trading event, in linking order. */
  readonly events: readonly LinkedEvent[];
  readonly trades: readonly LinkedTrade[];
  /** The trades open after the last event (entered, not closed), in the order of `trades`: those open at the end of any range that ends after it. */
  readonly open: readonly LinkedTrade[];
  /** The timestamp of the last event (-Infinity: none). */
  readonly lastTs: number;
  /** Per event, as columns: what the money figures read in a loop, without a record per event. */
  readonly curve: PnlCurve;
  /**
   * The linking this is a snapshot of: the snapshots of one origin hold the same events at the
   * same places, each a longer list than the one before (trade-reports.ts resumes its passes so).
   */
  readonly origin: object;
}

/**
 * Columns of the linked events, index for index: `ts`; `pnl`, the derived pnl of a closed
 * trade (an exit or partial exit that has one) and 0 for every other event; `fee`, its fee or
 * 0. Adding those zeros leaves a sum started at +0 exactly as it was (x + 0 = x for every x but
 * -0, which such a sum never is), so a pass over a span of the columns gives the doubles a pass
 * over its closed trades and fees gives (trading.ts pnlFigures).
 */
export interface PnlCurve {
  readonly ts: Float64Array;
  readonly pnl: Float64Array;
  readonly fee: Float64Array;
}

const isExit = (t: TradeEventType): boolean => t === 'trade_exit' || t === 'trade_partial_exit';
const closes = (t: TradeEventType): boolean => t === 'trade_exit' || t === 'trade_cancelled';

/** +1 for buy/long, -1 for sell/short (any case), undefined otherwise. */
function sideSign(side: string): 1 | -1 | undefined {
  const s = side.toLowerCase();
  if (s === 'buy' || s === 'long') return 1;
  if (s === 'sell' || s === 'short') return -1;
  return undefined;
}

/** An exit's pnl: its own, else (exit − entry price) × exit quantity × side, else undefined. */
function derivedPnl(exit: TradeRecord, entry: TradeRecord | undefined): number | undefined {
  if (exit.pnl !== undefined) return exit.pnl;
  if (entry === undefined || entry.price === undefined || exit.price === undefined || exit.quantity === undefined) return undefined;
  const sign = sideSign(entry.side);
  return sign === undefined ? undefined : (exit.price - entry.price) * exit.quantity * sign;
}

/**
 * What an exit or partial exit derives from its entry (metrics.md "Trades"): the record
 * itself when it has all three of its own (no copy), else a copy with them filled in.
 */
function resolveExit(exit: TradeRecord, entry: TradeRecord | undefined): TradeRecord {
  if (exit.pnl !== undefined && exit.strategy !== '' && exit.holdMinutes !== undefined) return exit;
  return {
    ...exit,
    pnl: derivedPnl(exit, entry),
    strategy: exit.strategy || entry?.strategy || 'unknown',
    holdMinutes: exit.holdMinutes ?? (entry === undefined ? undefined : (exit.ts - entry.ts) / (60_000 * US_PER_MS)),
  };
}

const cache = new WeakMap<EventSet, Linked>();

/** The trades of everything in `set` (memoized per set: a report asks several times). */
export function linkTrades(set: EventSet): Linked {
  let linked = cache.get(set);
  if (linked === undefined) {
    linked = set.lineage === undefined ? new Linker().extend(ordered(set, keysOf(set).segs)).snapshot() : resumed(set);
    cache.set(set, linked);
  }
  return linked;
}

/** The segments of a set that hold trading rows, and their keys (EventSet.tradeKeys). */
function keysOf(set: EventSet): { keys: object[]; segs: number[] } {
  const keys: object[] = [];
  const segs: number[] = [];
  set.segments.forEach((s, si) => {
    if (s.trades.length === 0) return;
    keys.push(set.tradeKeys?.[si] ?? set.keep[si]!);
    segs.push(si);
  });
  return { keys, segs };
}

/** The counted trading records of some segments of a set, in timestamp order (ties: read order). */
function ordered(set: EventSet, segs: readonly number[]): TradeRecord[] {
  let records: TradeRecord[] = [];
  let sorted = true;
  let last = -Infinity;
  for (const si of segs) {
    const keep = set.keep[si]!;
    for (const t of set.segments[si]!.trades) {
      if (keep[t.row] !== 1) continue;
      if (t.ts < last) sorted = false;
      last = t.ts;
      records.push(t);
    }
  }
  // One stream read oldest first is already in order: no sort, no index array.
  if (!sorted) {
    const r = records;
    records = Array.from(r.keys()).sort((a, b) => r[a]!.ts - r[b]!.ts || a - b).map((i) => r[i]!);
  }
  return records;
}

/** The linking state of each lineage's last set (EventSet.lineage), and the keys it linked. */
const lineages = new WeakMap<object, { keys: readonly object[]; linker: Linker; linked: Linked }>();

/**
 * Linking resumed from the lineage's last set when this one extends it: the same keys first
 * (the same counted trading rows: nothing linked before changed), then segments none of whose
 * trading rows is older than the last row linked. Those rows then come after all the others in
 * timestamp order (ties: read order, and they are read later), so linking them on top of the
 * last state gives what linking everything would. Otherwise everything is linked again.
 */
function resumed(set: EventSet): Linked {
  const lineage = set.lineage!;
  const { keys, segs } = keysOf(set);
  const was = lineages.get(lineage);
  if (was !== undefined && keys.length >= was.keys.length && was.keys.every((k, i) => k === keys[i])) {
    if (keys.length === was.keys.length) return was.linked;
    const tail = ordered(set, segs.slice(was.keys.length));
    if (tail.length === 0 || tail[0]!.ts >= was.linker.lastTs) {
      const linked = tail.length === 0 ? was.linked : was.linker.extend(tail).snapshot();
      lineages.set(lineage, { keys, linker: was.linker, linked });
      return linked;
    }
  }
  const linker = new Linker().extend(ordered(set, segs));
  const linked = linker.snapshot();
  lineages.set(lineage, { keys, linker, linked });
  return linked;
}

/**
 * Segments whose counted trading rows were named `parts` (in order) are now one segment named
 * `merged` (source.ts merges a growing file's reads): where the lineage's last set linked them
 * one after another, its state names them so, and the next set resumes from it instead of
 * linking everything again. Otherwise nothing changes (the next set is linked whole).
 */
export function mergeKeys(lineage: object, parts: readonly object[], merged: object): void {
  const was = lineages.get(lineage);
  if (was === undefined || parts.length === 0) return;
  const at = was.keys.indexOf(parts[0]!);
  if (at < 0 || !parts.every((k, i) => was.keys[at + i] === k)) return;
  lineages.set(lineage, { ...was, keys: [...was.keys.slice(0, at), merged, ...was.keys.slice(at + parts.length)] });
}

/**
 * Links records given in linking order, in as many steps as they come (resumed). A snapshot
 * is never changed afterwards: the next step copies the lists, and a trade of an earlier step
 * that a new event joins, closes or completes is copied before it changes (open trades only:
 * a few), so a report still holding an earlier set's trades sees them as they were.
 */
class Linker {
  /** The timestamp of the last record linked. */
  lastTs = -Infinity;
  private events: LinkedEvent[] = [];
  private trades: LinkedTrade[] = [];
  /** position_id → index in `trades` of its open trade. */
  private readonly byPosition = new Map<string, number>();
  /** session → symbol → indexes of the open trades without position_id, oldest first. */
  private readonly fifo = new Map<string, Map<string, number[]>>();
  /** Whether `events` and `trades` belong to a snapshot. */
  private shared = false;
  /** Trades from this index on were made after the last snapshot: changed in place. */
  private fresh = 0;
  /** Indexes below `fresh` of trades copied since the last snapshot. */
  private readonly copied = new Set<number>();
  /** Indexes of the trades entered and not closed. */
  private readonly openNow = new Set<number>();
  /**
   * The curve's columns (PnlCurve) with room to grow. Only appended to: a snapshot's views
   * (subarrays up to its length) never change, and a grown column is a new buffer.
   */
  private ts = new Float64Array(64);
  private pnl = new Float64Array(64);
  private fee = new Float64Array(64);

  snapshot(): Linked {
    this.shared = true;
    const trades = this.trades;
    const open = [...this.openNow].sort((a, b) => a - b).map((i) => trades[i]!);
    const n = this.events.length;
    return { events: this.events, trades, open, lastTs: this.lastTs, curve: { ts: this.ts.subarray(0, n), pnl: this.pnl.subarray(0, n), fee: this.fee.subarray(0, n) }, origin: this };
  }

  extend(records: readonly TradeRecord[]): this {
    if (this.shared) {
      this.events = this.events.slice();
      this.trades = this.trades.slice();
      this.fresh = this.trades.length;
      this.copied.clear();
      this.shared = false;
    }
    for (const t of records) this.add(t);
    return this;
  }

  private column(i: number, record: TradeRecord): void {
    if (i === this.ts.length) {
      const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.ts = grow(this.ts);
      this.pnl = grow(this.pnl);
      this.fee = grow(this.fee);
    }
    this.ts[i] = record.ts;
    this.pnl[i] = record.pnl !== undefined && isExit(record.type) ? record.pnl : 0;
    this.fee[i] = record.fee ?? 0;
  }

  private open(t: TradeRecord): number {
    this.trades.push({ id: t.eventId, positionId: t.positionId, session: t.session, symbol: t.symbol, entry: undefined, events: [], closedAt: undefined, closedBy: undefined });
    return this.trades.length - 1;
  }

  /** The trade at `i`, copied first if a snapshot holds it. */
  private writable(i: number): LinkedTrade {
    const t = this.trades[i]!;
    if (i >= this.fresh || this.copied.has(i)) return t;
    const copy = { ...t, events: t.events.slice() };
    this.trades[i] = copy;
    this.copied.add(i);
    return copy;
  }

  private add(t: TradeRecord): void {
    let at: number | undefined;
    if (t.positionId !== '') {
      at = this.byPosition.get(t.positionId);
      if (at === undefined) {
        at = this.open(t);
        this.byPosition.set(t.positionId, at);
      }
      if (closes(t.type)) this.byPosition.delete(t.positionId);
    } else if (t.type === 'trade_entry') {
      at = this.open(t);
      let bySymbol = this.fifo.get(t.session);
      if (bySymbol === undefined) this.fifo.set(t.session, (bySymbol = new Map()));
      const queue = bySymbol.get(t.symbol);
      if (queue === undefined) bySymbol.set(t.symbol, [at]);
      else queue.push(at);
    } else if (isExit(t.type)) {
      const queue = this.fifo.get(t.session)?.get(t.symbol);
      at = queue?.[0];
      if (at !== undefined && t.type === 'trade_exit') queue!.shift();
      // An exit with no open trade stands alone: a trade of its own, closed by it.
      at ??= this.open(t);
    }
    this.lastTs = t.ts;
    const trade = at === undefined ? undefined : this.writable(at);
    if (trade !== undefined && t.type === 'trade_entry' && trade.entry === undefined) trade.entry = t;
    const record = isExit(t.type) ? resolveExit(t, trade?.entry) : t.strategy === '' ? { ...t, strategy: trade?.entry?.strategy || 'unknown' } : t;
    const event: LinkedEvent = { record };
    this.column(this.events.length, record);
    this.events.push(event);
    if (trade === undefined) return;
    trade.events.push(event);
    if (closes(t.type)) {
      trade.closedAt = t.ts;
      trade.closedBy = record;
    }
    if (trade.entry !== undefined && trade.closedAt === undefined) this.openNow.add(at!);
    else this.openNow.delete(at!);
  }
}

/**
 * Where a selection's range lies in the linked events (first copies, in linking order): every
 * linked event is a first copy, and they are in timestamp order, so the range is found by a
 * binary search rather than a pass over every trading event read. `events[lo..end)`.
 */
export function linkedRange(sel: Selection): { linked: Linked; lo: number; end: number } {
  const linked = linkTrades(sel.set);
  const ts = linked.curve.ts;
  const { range } = sel;
  return { linked, lo: firstAtOrAfter(ts, range.start, false), end: firstAtOrAfter(ts, range.end, !range.endExclusive) };
}

/** The first index of ascending `ts` whose value is at or after `t` (after it, with `after`). */
function firstAtOrAfter(ts: Float64Array, t: number, after: boolean): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t || (after && ts[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The linked trading events of a selection (first copies in its range), in linking order. */
export function selectLinked(sel: Selection): LinkedEvent[] {
  const { linked, lo, end } = linkedRange(sel);
  return linked.events.slice(lo, end);
}

/** Trades open at the end of `range`: entered at or before it, not closed at or before it. */
export function openTradesAt(set: EventSet, range: TimeRange): LinkedTrade[] {
  const linked = linkTrades(set);
  // A range that ends at or after the last event (a report up to now): no pass over every trade.
  if (byEnd(range, linked.lastTs)) return [...linked.open];
  return linked.trades.filter((t) => isOpenAt(t, range));
}

/** Whether `t` (µs) is at or before the range's end (before it, for a plain date's exclusive end). */
const byEnd = (range: TimeRange, t: number): boolean => (range.endExclusive ? t < range.end : t <= range.end);
const isOpenAt = (t: LinkedTrade, range: TimeRange): boolean => t.entry !== undefined && byEnd(range, t.entry.ts) && (t.closedAt === undefined || !byEnd(range, t.closedAt));

// ---- the trade view (daybook trades, GET /audit/trades, the dashboard) -----------------------

export type TradeStatus = 'open' | 'closed' | 'cancelled';

/** One event of a trade, as the trade view lists it (derived pnl for exits). */
export interface TradeEvent {
  timestamp: string;
  event_type: TradeEventType;
  event_id: string;
  price: number | null;
  quantity: number | null;
  pnl: number | null;
  fee: number | null;
  /** Exit reason of an exit, partial exit, stop or take-profit; null for other events. */
  reason: string | null;
}

/** A trade from its entry to its exit, as of the end of the range it was asked for. */
export interface Trade {
  /** The event_id of its first event (a position_id may be reused after an exit). */
  trade_id: string;
  position_id: string | null;
  session_id: string | null;
  symbol: string;
  /** The entry's side; null without an entry or side. */
  side: string | null;
  /** The entry's strategy, else its first exit's, else "unknown". */
  strategy: string;
  /** As of the range's end: open (entered, not closed), closed (by an exit), cancelled. */
  status: TradeStatus;
  opened_at: string | null;
  closed_at: string | null;
  entry_price: number | null;
  /** The price of the last exit or partial exit. */
  exit_price: number | null;
  /** The entry's quantity. */
  quantity: number | null;
  /** Σ pnl of its exits and partial exits that have one (derived); null when none has. */
  pnl: number | null;
  /** Σ fee of its events (a rebate is negative). */
  fees: number;
  /** pnl − fees; null when pnl is. */
  net_pnl: number | null;
  /** The closing exit's hold minutes (derived); null while open. */
  hold_minutes: number | null;
  /** Minutes from the entry to the range's end (or now, whichever is earlier) while open; else null. */
  age_minutes: number | null;
  /** The closing exit's reason; "cancelled" for a cancelled trade; null while open. */
  exit_reason: string | null;
  events: TradeEvent[];
}

export interface TradeFilter {
  /** Only trades open at the range's end. */
  open?: boolean;
  symbol?: string;
  strategy?: string;
}

const REASONED: ReadonlySet<TradeEventType> = new Set(['trade_exit', 'trade_partial_exit', 'stop_loss_hit', 'take_profit_hit']);

function tradeEvent(e: LinkedEvent): TradeEvent {
  const r = e.record;
  return {
    timestamp: isoOf(r.ts), event_type: r.type, event_id: r.eventId,
    price: r.price ?? null, quantity: r.quantity ?? null, pnl: isExit(r.type) ? (r.pnl ?? null) : null, fee: r.fee ?? null,
    reason: REASONED.has(r.type) ? r.exitReason : null,
  };
}

/** The view of one linked trade as of the range's end (its events up to it), and of `asOf` (µs) for its age. */
function tradeView(t: LinkedTrade, range: TimeRange, asOf: number): Trade {
  const events = t.events.filter((e) => byEnd(range, e.record.ts));
  const closed = t.closedAt !== undefined && byEnd(range, t.closedAt) ? t.closedBy : undefined;
  let pnl: number | null = null;
  let fees = 0;
  let exitPrice: number | null = null;
  let firstExitStrategy: string | undefined;
  for (const e of events) {
    const r = e.record;
    if (r.fee !== undefined) fees += r.fee;
    if (!isExit(r.type)) continue;
    if (r.pnl !== undefined) pnl = (pnl ?? 0) + r.pnl;
    if (r.price !== undefined) exitPrice = r.price;
    firstExitStrategy ??= r.strategy;
  }
  const entry = t.entry !== undefined && byEnd(range, t.entry.ts) ? t.entry : undefined;
  const status: TradeStatus = closed === undefined ? 'open' : closed.type === 'trade_cancelled' ? 'cancelled' : 'closed';
  return {
    trade_id: t.id,
    position_id: t.positionId || null,
    session_id: t.session || null,
    symbol: t.symbol,
    side: entry?.side || null,
    strategy: entry?.strategy || firstExitStrategy || 'unknown',
    status,
    opened_at: entry === undefined ? null : isoOf(entry.ts),
    closed_at: closed === undefined ? null : isoOf(closed.ts),
    entry_price: entry?.price ?? null,
    exit_price: exitPrice,
    quantity: entry?.quantity ?? null,
    pnl,
    fees,
    net_pnl: pnl === null ? null : pnl - fees,
    hold_minutes: status === 'closed' ? (closed!.holdMinutes ?? null) : null,
    age_minutes: status === 'open' && entry !== undefined ? Math.max(0, (Math.min(range.end, asOf) - entry.ts) / (60_000 * US_PER_MS)) : null,
    exit_reason: status === 'closed' ? closed!.exitReason : status === 'cancelled' ? 'cancelled' : null,
    events: events.map(tradeEvent),
  };
}

/**
 * The trades of a range: each with an event in it, or open at its end (so an open position
 * shows whatever range is asked). Newest first: by the time of its first event, descending,
 * ties by trade_id. `asOf` (µs, default now) dates the age of open trades.
 */
export function tradesIn(set: EventSet, range: TimeRange, filter: TradeFilter = {}, asOf = Date.now() * US_PER_MS): Trade[] {
  const out: { first: number; trade: Trade }[] = [];
  for (const t of linkTrades(set).trades) {
    const touches = t.events.some((e) => inRange(range, e.record.ts));
    if (!touches && !isOpenAt(t, range)) continue;
    const view = tradeView(t, range, asOf);
    if (filter.open === true && view.status !== 'open') continue;
    if (filter.symbol !== undefined && view.symbol !== filter.symbol) continue;
    if (filter.strategy !== undefined && view.strategy !== filter.strategy) continue;
    out.push({ first: t.events[0]!.record.ts, trade: view });
  }
  out.sort((a, b) => b.first - a.first || (a.trade.trade_id < b.trade.trade_id ? -1 : a.trade.trade_id > b.trade.trade_id ? 1 : 0));
  return out.map((x) => x.trade);
}
