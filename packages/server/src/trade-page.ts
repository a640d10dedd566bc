import { parseTimestamp, type Trade } from '@daybook/analytics';
import { ServerError } from './errors.js';

// Pages of /audit/trades. The list is newest first by each trade's first event (ties by
// trade_id, as analytics' tradesIn sorts it), so a cursor is that key of the last trade
// shown: the next page starts after it wherever it now stands. A trade that arrives later
// has a newer first event and sorts before the cursor: pages neither repeat nor skip while a
// bot writes. Opaque to clients: base64url of a small JSON array [µs, trade_id].

export interface TradeCursor {
  /** The trade's first event (µs since the epoch). */
  readonly first: number;
  readonly id: string;
}

/** The sort key of a trade: its first event's time (µs) and its id. */
export function keyOf(t: Trade): TradeCursor {
  const at = t.events[0]?.timestamp ?? t.opened_at;
  return { first: (at === null ? undefined : parseTimestamp(at)) ?? Number.MIN_SAFE_INTEGER, id: t.trade_id };
}

export function encodeTradeCursor(c: TradeCursor): string {
  return Buffer.from(JSON.stringify([c.first, c.id])).toString('base64url');
}

export function decodeTradeCursor(text: string): TradeCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2) {
      const [first, id] = v as unknown[];
      if (typeof first === 'number' && Number.isFinite(first) && typeof id === 'string' && id !== '') return { first: first as number, id };
    }
  } catch {
    // falls through to the error below
  }
  throw new ServerError('DAYBOOK_E_SERVER_BAD_CURSOR', 'cursor is not a cursor of /audit/trades', { field: 'cursor' });
}

/** Whether `k` comes after the cursor `c` in the list's order (first descending, id ascending). */
const after = (k: TradeCursor, c: TradeCursor): boolean => k.first < c.first || (k.first === c.first && k.id > c.id);

/** One page of `trades` (in the list's order): up to `limit` after `cursor`, and the cursor of the next page. */
export function tradePage(trades: readonly Trade[], limit: number, cursor?: TradeCursor): { trades: Trade[]; next_cursor: string | null } {
  let from = 0;
  if (cursor !== undefined) while (from < trades.length && !after(keyOf(trades[from]!), cursor)) from++;
  const page = trades.slice(from, from + limit);
  const more = from + limit < trades.length;
  return { trades: page, next_cursor: more ? encodeTradeCursor(keyOf(page.at(-1)!)) : null };
}
