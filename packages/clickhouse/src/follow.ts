import { eventOf, type EventRow } from './event-row.js';
import { afterKey, encodeEventKey, keyOf, type ClickHouseEvents, type EventKey, type EventQuery } from './events.js';
import { num, str } from './sql.js';

// The live stream over ClickHouse (/audit/stream with --clickhouse): polls for rows that are
// new since the last poll. ClickHouse has no insertion order to follow, and the fleet's rows
// do not arrive in time order (each host's shipper has its own lag: a bot's shipper that was
// down sends an hour of rows after another bot's current ones). They do arrive in order per
// stream of files: one shipper reads one bot's files oldest first, line by line. So the
// follower keeps a key per (bot, host), the last event handed over, and asks each poll for
// the rows after it, per pair; a pair it has not seen yet starts at the stream's start. A
// lagging shipper's rows are streamed when they arrive, none twice; a re-sent (older) copy
// of a line is not after its pair's key and is left out.
//
// The keys are bounded (MAX_PAIRS, the most recent kept): each is a condition of the poll's
// SQL, and a fleet whose hosts come and go (containers) would otherwise grow the query past
// ClickHouse's max_query_size (256 KiB). A pair dropped counts from the base again, which
// then moves past the pair's key if it was not already: what the pair handed over is never
// sent twice, at the price of skipping rows of pairs never seen between the two bases.
//
// Not streamed, on purpose: rows of one (bot, host) that arrive out of their time order
// (several processes writing one directory, each shipped by... the same shipper in file
// order, whose interleaving is by write time: only ties within a millisecond across the
// processes can be out of order), and rows older than the stream's start (a shipper catching
// up on history: those are in /audit/events and every report).

const PAIR_SEP = '\u0000';

/** The most (bot, host) keys a follower keeps: ~40 KB of SQL. */
const MAX_PAIRS = 256;

export interface FollowStart {
  /** Resume after this key (an id the stream sent: Last-Event-ID). */
  after?: EventKey;
  /** The most (bot, host) keys kept (default MAX_PAIRS). */
  maxPairs?: number;
}

export class ClickHouseFollower {
  /** Per `bot\0host`: the key of the last row handed over, or where following it began. */
  private readonly keys = new Map<string, EventKey>();
  /** Rows of pairs not in `keys` count from here (a new stream: after the newest row at connect). */
  private base: EventKey | { ts: number } | undefined;

  private constructor(
    private readonly events: ClickHouseEvents,
    private readonly q: EventQuery,
    private readonly maxPairs: number,
  ) {}

  /**
   * A follower of `q`: from now (each pair after its latest row at connect; a pair that
   * appears later, from the newest time seen at connect), or after `start.after`.
   */
  static async start(events: ClickHouseEvents, q: EventQuery, start: FollowStart = {}): Promise<ClickHouseFollower> {
    const f = new ClickHouseFollower(events, q, start.maxPairs ?? MAX_PAIRS);
    if (start.after !== undefined) {
      f.base = start.after;
      return f;
    }
    const latest = await events.latest(q);
    let newest = -Infinity;
    for (const p of latest) {
      // '\uffff' sorts after every event id: the row at the latest time itself is not new.
      f.keys.set(p.bot + PAIR_SEP + p.host, { ts: p.ts, bot: p.bot, host: p.host, id: '\uffff' });
      newest = Math.max(newest, p.ts);
    }
    f.base = { ts: Number.isFinite(newest) ? newest + 1 : Date.now() * 1000 };
    f.bound();
    return f;
  }

  /** The condition of the next poll: each known pair after its key, any other pair after the base. */
  private condition(): string {
    const parts: string[] = [];
    const pairs: string[] = [];
    for (const k of this.keys.values()) {
      // Within the pair, after its key is after its time and id (afterKey's bot and host terms are equal here).
      parts.push(`(bot = ${str(k.bot)} AND host = ${str(k.host)} AND (ts > ${num(k.ts)} OR (ts = ${num(k.ts)} AND event_id > ${str(k.id)})))`);
      pairs.push(`(${str(k.bot)}, ${str(k.host)})`);
    }
    const base = this.base === undefined ? '1' : 'id' in this.base ? afterKey(this.base, 'asc') : `ts >= ${num(this.base.ts)}`;
    parts.push(pairs.length === 0 ? base : `((bot, host) NOT IN (${pairs.join(', ')}) AND ${base})`);
    return `(${parts.join(' OR ')})`;
  }

  /** The next rows (at most `limit`), oldest first, as stream ids and events; none when nothing is new. */
  async next(limit = 500): Promise<{ id: string; event: Record<string, unknown> }[]> {
    const rows: EventRow[] = await this.events.newRows(this.q, this.condition(), limit);
    const out: { id: string; event: Record<string, unknown> }[] = [];
    for (const row of rows) {
      const key = keyOf(row);
      const pair = key.bot + PAIR_SEP + key.host;
      const had = this.keys.get(pair);
      if (had !== undefined && !isAfter(key, had)) continue;
      this.keys.set(pair, key);
      out.push({ id: encodeEventKey(key), event: eventOf(row) });
    }
    this.bound();
    return out;
  }

  /** Drops the oldest keys past maxPairs, moving the base past each one it does not already cover. */
  private bound(): void {
    if (this.keys.size <= this.maxPairs) return;
    const oldest = [...this.keys].sort(([, a], [, b]) => (isAfter(a, b) ? 1 : isAfter(b, a) ? -1 : 0));
    for (const [pair, k] of oldest.slice(0, this.keys.size - this.maxPairs)) {
      this.keys.delete(pair);
      const base = this.base;
      const covered = base !== undefined && ('id' in base ? !isAfter(k, base) : k.ts < base.ts);
      if (!covered) this.base = k;
    }
  }
}

/** Whether `a` comes after `b` in the fleet's event order. */
function isAfter(a: EventKey, b: EventKey): boolean {
  if (a.ts !== b.ts) return a.ts > b.ts;
  if (a.bot !== b.bot) return a.bot > b.bot;
  if (a.host !== b.host) return a.host > b.host;
  return a.id > b.id;
}
