import type { TimeRange } from '@daybook/analytics';
import { EVENTS_TABLE, ident } from './schema.js';
import { APP_LINE_ID_PREFIX } from './row.js';

// SQL fragments shared by the analyzer's queries. Every query reads `FROM <db>.events FINAL`
// (copies of a line shipped twice count once, merged or not) and only what runs on
// ClickHouse 18.16 and current servers alike (no query parameters, no DateTime64, no
// JSONExtract, no quantileExactInclusive).

/** A string literal. */
export function str(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A finite number as SQL text (plain notation: ts bounds are ~1.7e15, below 1e21). */
export function num(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  return String(n);
}

/** Which part of the fleet a query reads. */
export interface FleetFilter {
  bot?: string;
  host?: string;
}

/** `<db>.events`. */
export const eventsTable = (database: string): string => `${ident(database)}.${ident(EVENTS_TABLE)}`;

/** `<db>.events FINAL`. */
export const from = (database: string): string => `${eventsTable(database)} FINAL`;

/**
 * The rows matching `conds`, one per (bot, day, event_id): a subquery to read FROM. For a
 * selective condition (errors, trading events: a few per cent of the rows) this costs a
 * fraction of FINAL, which merges every row's key before filtering. It equals FINAL wherever
 * the copies of an event are copies of one line (a line shipped twice: the same columns but
 * file and offset); two different lines under one event_id in one bot and day are a conflict
 * either way (FINAL keeps the last inserted, this any one).
 */
export function distinctRows(database: string, columns: readonly string[], conds: readonly string[]): string {
  const cols = [...new Set(['bot', 'host', 'file', 'offset', 'time', 'event_id', ...columns])];
  return `(SELECT ${cols.join(', ')} FROM ${eventsTable(database)} ${where(conds)} LIMIT 1 BY bot, toDate(time), event_id)`;
}

/**
 * The conditions of a range and filter. The range is on `ts` (µs, exact); the same bounds on
 * `time` (whole seconds, floor of ts) let the server skip partitions and key ranges.
 */
export function conditions(range: TimeRange, filter: FleetFilter, upToEndOnly = false): string[] {
  const out: string[] = [];
  if (filter.bot !== undefined) out.push(`bot = ${str(filter.bot)}`);
  if (filter.host !== undefined) out.push(`host = ${str(filter.host)}`);
  if (!upToEndOnly && Number.isFinite(range.start)) {
    out.push(`ts >= ${num(range.start)}`, `time >= toDateTime(${num(Math.floor(range.start / 1e6))})`);
  }
  if (Number.isFinite(range.end)) {
    out.push(`ts ${range.endExclusive ? '<' : '<='} ${num(range.end)}`, `time <= toDateTime(${num(Math.floor(range.end / 1e6))})`);
  }
  return out;
}

export const where = (conds: readonly string[]): string => (conds.length === 0 ? '' : `WHERE ${conds.join(' AND ')}`);

/** The level in upper case (metrics.md: compared case-insensitively). */
export const LEVEL = 'upperUTF8(level)';
export const IS_ERROR = `${LEVEL} IN ('ERROR', 'CRITICAL')`;
export const IS_WARNING = `${LEVEL} = 'WARNING'`;

/**
 * Read order after the timestamp, for ties (metrics.md: "ties: file order"): the bot (a fleet
 * is read bot by bot), its host, then per stream the oldest backup first (`audit.log.3.gz`
 * before `audit.log.1` before `audit.log`), then the line's offset.
 */
const READ_KEYS: readonly [string, 'ASC' | 'DESC'][] = [['bot', 'ASC'], ['host', 'ASC'], [`toUInt32OrZero(extract(file, '\\\\.log\\\\.([0-9]+)'))`, 'DESC'], ['file', 'ASC'], ['offset', 'ASC']];
export const READ_ORDER = READ_KEYS.map(([k, d]) => `${k} ${d}`).join(', ');
/** The read order backwards (the latest read first). */
export const READ_ORDER_REVERSED = READ_KEYS.map(([k, d]) => `${k} ${d === 'ASC' ? 'DESC' : 'ASC'}`).join(', ');

/** An app text line's row (row.ts appLineId): the file analyzer gives such an error no event_id, and the event index does not list it. */
export const IS_APP_LINE = `event_id LIKE '${APP_LINE_ID_PREFIX}%'`;

/** A latency that counts (metrics.md: api_call with a numeric latency_ms ≥ 0). */
export const COUNTED_LATENCY = `event_type = 'api_call' AND ifNull(latency_ms, -1) >= 0`;

/**
 * Percentile `p` (0-100) of the sorted array `a` of length `n`, numpy's linear interpolation
 * (its lerp, exact at both ends), with the float operations of analytics' stats.ts in the same
 * order. An empty array gives 0; callers answer null when n is 0.
 */
export function percentileSql(a: string, n: string, p: number, alias: string): string {
  const pos = `(${num(p)} / 100) * (greatest(${n}, 1) - 1)`;
  const lo = `floor(${alias}_pos)`;
  return [
    `${pos} AS ${alias}_pos`,
    `${alias}_pos - ${lo} AS ${alias}_t`,
    `arrayElement(${a}, toUInt64(${lo}) + 1) AS ${alias}_a`,
    `if(${alias}_t > 0, arrayElement(${a}, toUInt64(${lo}) + 2), ${alias}_a) AS ${alias}_b`,
    `if(${alias}_t >= 0.5, ${alias}_b - (${alias}_b - ${alias}_a) * (1 - ${alias}_t), ${alias}_a + (${alias}_b - ${alias}_a) * ${alias}_t) AS ${alias}`,
  ].join(',\n  ');
}

/** Strings as an SQL list of literals: `('a', 'b')`. */
export const strList = (xs: readonly string[]): string => `(${xs.map(str).join(', ')})`;
