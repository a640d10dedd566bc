import { eventSetOf, SegmentBuilder, TRADE_EVENT_TYPES, type EventSet, type TimeRange } from '@daybook/analytics';
import type { QueryRunner } from './runner.js';
import { conditions, distinctRows, READ_ORDER, strList, type FleetFilter } from './sql.js';

// The order-dependent trading figures (linking an exit to its entry, drawdown, streaks, the
// daily series behind Sharpe and Sortino) are analytics' pure functions over an EventSet. This
// builds that EventSet from ClickHouse: only the trading events (seven event types, a few per
// cent of a bot's rows), every one up to the range's end (linking needs the entries made
// before the range), in read order. Cost: one sorted SELECT of those rows, and their transfer
// and parsing in Node, instead of every row.

interface TradeRow {
  ts: number | string;
  event_id: string;
  event_type: string;
  symbol: string | null;
  side: string | null;
  quantity: number | null;
  price: number | null;
  pnl: number | null;
  fee: number | null;
  strategy_name: string | null;
  position_id: string | null;
  session_id: string;
  exit_reason: string;
  hold_minutes: number | null;
}

export function tradingEventsSql(database: string, range: TimeRange, filter: FleetFilter): string {
  const conds = [`event_type IN ${strList(TRADE_EVENT_TYPES)}`, ...conditions(range, filter, true)];
  const columns = ['ts', 'event_id', 'event_type', 'symbol', 'side', 'quantity', 'price', 'pnl', 'fee', 'strategy_name', 'position_id', 'session_id', 'exit_reason', 'hold_minutes'];
  return `SELECT ${columns.join(', ')}
FROM ${distinctRows(database, columns, conds)}
ORDER BY ts, ${READ_ORDER}`;
}

/**
 * The trading events of `filter` up to the end of `range` as an EventSet (one segment, in
 * read order). The row's columns hold what analytics' SegmentBuilder reads (the exit reason
 * and hold time were extracted from metadata when shipping by its rules), so the records are
 * the ones the file analyzer builds.
 */
export async function tradingEventSet(runner: QueryRunner, database: string, range: TimeRange, filter: FleetFilter): Promise<EventSet> {
  const rows = await runner.rows<TradeRow>(tradingEventsSql(database, range, filter));
  const b = new SegmentBuilder(`clickhouse:${database}`, Math.max(16, rows.length));
  for (const r of rows) {
    const o: Record<string, unknown> = {
      event_id: r.event_id,
      event_type: r.event_type,
      session_id: r.session_id,
      metadata: { exit_reason: r.exit_reason, hold_time_minutes: r.hold_minutes },
    };
    if (r.symbol !== null) o.symbol = r.symbol;
    if (r.side !== null) o.side = r.side;
    if (r.quantity !== null) o.quantity = r.quantity;
    if (r.price !== null) o.price = r.price;
    if (r.pnl !== null) o.pnl = r.pnl;
    if (r.fee !== null) o.fee = r.fee;
    if (r.strategy_name !== null) o.strategy_name = r.strategy_name;
    if (r.position_id !== null) o.position_id = r.position_id;
    // The digest only tells copies of one event_id apart; FINAL left one row per event.
    b.add(o, Number(r.ts), r.event_id);
  }
  return eventSetOf([b.finish()]);
}
