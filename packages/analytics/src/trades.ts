import { inRange, isoOf, US_PER_MS, type TimeRange } from './dates.js';
import { isSelected, type EventSet, type Selection } from './event-set.js';
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
  /** The segment (index in the EventSet) the event was read from. */
  readonly seg: number;
  /** The trade it belongs to; undefined for an event that does not link (no position_id, not an entry or exit). */
  readonly trade: LinkedTrade | undefined;
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
    linked = link(set);
    cache.set(set, linked);
  }
  return linked;
}

/** The counted trading records of a set and their segments, in timestamp order (ties: read order). */
function ordered(set: EventSet): { records: TradeRecord[]; segs: number[] } {
  let records: TradeRecord[] = [];
  let segs: number[] = [];
  let sorted = true;
  let last = -Infinity;
  set.segments.forEach((s, si) => {
    const keep = set.keep[si]!;
    for (const t of s.trades) {
      if (keep[t.row] !== 1) continue;
      if (t.ts < last) sorted = false;
      last = t.ts;
      records.push(t);
      segs.push(si);
    }
  });
  // One stream read oldest first is already in order: no sort, no index array.
  if (!sorted) {
    const order = Array.from(records.keys()).sort((a, b) => records[a]!.ts - records[b]!.ts || a - b);
    records = order.map((i) => records[i]!);
    segs = order.map((i) => segs[i]!);
  }
  return { records, segs };
}

function link(set: EventSet): Linked {
  const { records, segs } = ordered(set);
  const byPosition = new Map<string, LinkedTrade>();
  // session → symbol → open trades without position_id, oldest first
  const fifo = new Map<string, Map<string, LinkedTrade[]>>();
  const queueOf = (t: TradeRecord): LinkedTrade[] | undefined => fifo.get(t.session)?.get(t.symbol);
  const trades: LinkedTrade[] = [];
  const events: LinkedEvent[] = new Array(records.length);
  const open = (t: TradeRecord): LinkedTrade => {
    const trade: LinkedTrade = { id: t.eventId, positionId: t.positionId, session: t.session, symbol: t.symbol, entry: undefined, events: [], closedAt: undefined, closedBy: undefined };
    trades.push(trade);
    return trade;
  };
  for (let i = 0; i < records.length; i++) {
    const t = records[i]!;
    let trade: LinkedTrade | undefined;
    if (t.positionId !== '') {
      trade = byPosition.get(t.positionId);
      if (trade === undefined) {
        trade = open(t);
        byPosition.set(t.positionId, trade);
      }
      if (closes(t.type)) byPosition.delete(t.positionId);
    } else if (t.type === 'trade_entry') {
      trade = open(t);
      let bySymbol = fifo.get(t.session);
      if (bySymbol === undefined) fifo.set(t.session, (bySymbol = new Map()));
      const queue = bySymbol.get(t.symbol);
      if (queue === undefined) bySymbol.set(t.symbol, [trade]);
      else queue.push(trade);
    } else if (isExit(t.type)) {
      const queue = queueOf(t);
      trade = queue?.[0];
      if (trade !== undefined && t.type === 'trade_exit') queue!.shift();
      // An exit with no open trade stands alone: a trade of its own, closed by it.
      trade ??= open(t);
    }
    if (trade !== undefined && t.type === 'trade_entry' && trade.entry === undefined) trade.entry = t;
    const record = isExit(t.type) ? resolveExit(t, trade?.entry) : t.strategy === '' ? { ...t, strategy: trade?.entry?.strategy || 'unknown' } : t;
    const event: LinkedEvent = { record, seg: segs[i]!, trade };
    events[i] = event;
    if (trade === undefined) continue;
    trade.events.push(event);
    if (closes(t.type)) {
      trade.closedAt = t.ts;
      trade.closedBy = record;
    }
  }
  return { events, trades };
}

/** The linked trading events of a selection (first copies in its range), in linking order. */
export function selectLinked(sel: Selection): LinkedEvent[] {
  return linkTrades(sel.set).events.filter((e) => isSelected(sel, e.seg, e.record.row, e.record.ts));
}

/** Trades open at the end of `range`: entered at or before it, not closed at or before it. */
export function openTradesAt(set: EventSet, range: TimeRange): LinkedTrade[] {
  return linkTrades(set).trades.filter((t) => isOpenAt(t, range));
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
