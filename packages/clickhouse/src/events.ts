import type { TimeRange } from '@daybook/analytics';
import { EVENT_ROW_COLUMNS, eventOf, type EventRow } from './event-row.js';
import type { QueryRunner } from './runner.js';
import { ident } from './schema.js';
import { conditions, eventsTable, from, IS_APP_LINE, num, str, strList, where, type FleetFilter } from './sql.js';

// The events of the fleet, one page or one stream at a time: /audit/events, the live stream
// and the export over ClickHouse. Every query reads `events FINAL` (a line shipped twice is
// one event) with the filters in SQL, in the fleet's event order: by time, ties by bot, host
// and event_id. (The reports break ties by file and offset, "file order"; a cursor cannot:
// the copies of a re-sent line differ in file and offset, and FINAL may keep either, so a
// page boundary there could skip or repeat a row. core's event ids are UUIDv7 with a counter,
// strictly increasing per process, so within one bot's session the id order is its file order.)

export const LEVEL_NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

/** What /audit/events, the stream and the export select. */
export interface EventQuery extends FleetFilter {
  range: TimeRange;
  /** Exact event types; none: every type. */
  types?: readonly string[];
  /** Minimum level (a LEVEL_NAMES value, any case). */
  minLevel?: string;
  symbols?: readonly string[];
  sessions?: readonly string[];
}

/** A place in the fleet's event order: after it come the events with a greater key. */
export interface EventKey {
  ts: number;
  bot: string;
  host: string;
  id: string;
}

export const keyOf = (row: EventRow): EventKey => ({ ts: Number(row.ts), bot: row.bot, host: row.host, id: row.event_id });

/** The key as an opaque cursor (base64url: what the server's cursor parameters accept). */
export function encodeEventKey(k: EventKey): string {
  return Buffer.from(JSON.stringify(['ch', k.ts, k.bot, k.host, k.id])).toString('base64url');
}

/** A cursor of encodeEventKey, or undefined when `text` is not one. */
export function decodeEventKey(text: string): EventKey | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 5 && v[0] === 'ch') {
      const [, ts, bot, host, id] = v as unknown[];
      if (Number.isSafeInteger(ts) && typeof bot === 'string' && typeof host === 'string' && typeof id === 'string') return { ts: ts as number, bot, host, id };
    }
  } catch {
    // not a cursor
  }
  return undefined;
}

/**
 * The SQL conditions of a query. App text lines (`<app>.log`) are left out unless `appLines`:
 * the event index behind /audit/events and the stream lists audit events only, while the
 * file export writes app lines too (as app_log events).
 */
function eventConditions(q: EventQuery, appLines = false): string[] {
  const out = conditions(q.range, q);
  if (!appLines) out.push(`NOT (${IS_APP_LINE})`);
  if (q.types !== undefined && q.types.length > 0) out.push(`event_type IN ${strList(q.types)}`);
  if (q.minLevel !== undefined) {
    // The event index's rule: the level as written, else upper-cased; an unknown one is below DEBUG.
    const min = LEVEL_NAMES.indexOf(q.minLevel.toUpperCase() as (typeof LEVEL_NAMES)[number]) + 1;
    out.push(`indexOf([${LEVEL_NAMES.map(str).join(', ')}], upperUTF8(level)) >= ${num(min)}`);
  }
  if (q.symbols !== undefined && q.symbols.length > 0) out.push(`symbol IN ${strList(q.symbols)}`);
  if (q.sessions !== undefined && q.sessions.length > 0) out.push(`session_id IN ${strList(q.sessions)}`);
  return out;
}

/** Rows after `k` in `order` (before it, for desc). Spelled out: 18.16 compares no tuples. */
export function afterKey(k: EventKey, order: 'asc' | 'desc'): string {
  const op = order === 'asc' ? '>' : '<';
  return `(ts ${op} ${num(k.ts)} OR (ts = ${num(k.ts)} AND (bot ${op} ${str(k.bot)} OR (bot = ${str(k.bot)} AND (host ${op} ${str(k.host)} OR (host = ${str(k.host)} AND event_id ${op} ${str(k.id)}))))))`;
}

const eventOrder = (order: 'asc' | 'desc'): string => (order === 'asc' ? 'ts, bot, host, event_id' : 'ts DESC, bot DESC, host DESC, event_id DESC');

const COLUMNS_SQL = EVENT_ROW_COLUMNS.map(ident).join(', ');

/** The SELECT of the events of `q` after `after`, in `order`, at most `limit` rows (undefined: all). */
export function eventsSql(database: string, q: EventQuery, order: 'asc' | 'desc', after?: EventKey, limit?: number, appLines = false): string {
  const conds = eventConditions(q, appLines);
  if (after !== undefined) conds.push(afterKey(after, order));
  return `SELECT ${COLUMNS_SQL} FROM ${from(database)} ${where(conds)} ORDER BY ${eventOrder(order)}${limit === undefined ? '' : ` LIMIT ${num(limit)}`}`;
}

export interface EventPage {
  events: Record<string, unknown>[];
  /** The cursor of the next page, or null at the end. */
  next_cursor: string | null;
}

/** Reads the fleet's events. */
export class ClickHouseEvents {
  constructor(
    private readonly runner: QueryRunner,
    readonly database: string,
  ) {}

  /** One page: up to `limit` events after the cursor's, and the next cursor when more follow. */
  async page(q: EventQuery, limit: number, order: 'asc' | 'desc', after?: EventKey): Promise<EventPage> {
    const rows = await this.runner.rows<EventRow>(eventsSql(this.database, q, order, after, limit + 1));
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const last = kept.at(-1);
    return { events: kept.map(eventOf), next_cursor: more && last !== undefined ? encodeEventKey(keyOf(last)) : null };
  }

  /**
   * The stream's poll (follow.ts): up to `limit` rows of `q` that match `cond`, oldest first,
   * one per (bot, host, event_id). Not FINAL: the follower's keys already leave out the older
   * copy of a re-sent line, and FINAL would merge the whole month's keys every poll.
   */
  newRows(q: EventQuery, cond: string, limit: number): Promise<EventRow[]> {
    return this.runner.rows<EventRow>(`SELECT ${COLUMNS_SQL} FROM ${eventsTable(this.database)} ${where([...eventConditions(q), cond])} ORDER BY ${eventOrder('asc')} LIMIT 1 BY bot, host, event_id LIMIT ${num(limit)}`);
  }

  /** Per (bot, host) of `q`: its latest time (where a new stream starts following it). */
  async latest(q: EventQuery): Promise<{ bot: string; host: string; ts: number }[]> {
    const rows = await this.runner.rows<{ bot: string; host: string; ts: string | number }>(`SELECT bot, host, max(ts) AS ts FROM ${eventsTable(this.database)} ${where(eventConditions(q))} GROUP BY bot, host`);
    return rows.map((r) => ({ bot: r.bot, host: r.host, ts: Number(r.ts) }));
  }

  /** Every row of `q`, app text lines included, oldest first, streamed (bounded memory): the export. */
  async *each(q: EventQuery): AsyncGenerator<EventRow> {
    if (this.runner.stream === undefined) {
      // A runner without streaming (chdb in tests): pages of 10,000.
      let after: EventKey | undefined;
      for (;;) {
        const rows = await this.runner.rows<EventRow>(eventsSql(this.database, q, 'asc', after, 10_000, true));
        yield* rows;
        if (rows.length < 10_000) return;
        after = keyOf(rows.at(-1)!);
      }
    }
    yield* this.runner.stream<EventRow>(eventsSql(this.database, q, 'asc', undefined, undefined, true));
  }
}
