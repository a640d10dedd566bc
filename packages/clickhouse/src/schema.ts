// The `events` table: one row per event line, a typed column for every field of the event
// schema (core's EVENT_FIELDS), plus where the row came from (bot, host, file, offset, the
// line's chain link) and the few values the metrics read out of `metadata`, extracted when
// shipping by the same rules as analytics' SegmentBuilder (ClickHouse 18.16 has no exact JSON
// functions; a figure computed in SQL must equal the file analyzer's to 1e-9).
//
// Written for ClickHouse 18.16 (Debian's) and current releases alike:
// - no DateTime64 in 18.16: `ts` is Int64 micro-seconds since the epoch (analytics' unit),
//   `time` a DateTime for partitions and humans;
// - LowCardinality needs `allow_experimental_low_cardinality_type = 1` before 19.x, a setting
//   current servers no longer know: createSettings(version);
// - ReplacingMergeTree keyed by (bot, day, event_id): a line shipped twice (a shipper killed
//   between its insert and saving its position) is one row after a merge, and every query
//   reads `FINAL` (or groups by event_id) so that not-yet-merged copies never count twice.
//   (Insert deduplication tokens would do this at insert time, but 18.16 has them only for
//   replicated tables.)

export const EVENTS_TABLE = 'events';
/** On a cluster: the per-shard table behind the Distributed `events`. */
export const LOCAL_TABLE = 'events_local';

/** `major.minor` of a `SELECT version()` answer ('18.16.1' → [18, 16]). */
export function versionOf(version: string): [number, number] {
  const [major, minor] = version.split('.').map((x) => Number.parseInt(x, 10));
  return [major ?? 0, minor ?? 0];
}

/** Settings the CREATE statements need on a server of `version` (see above). */
export function createSettings(version: string): Record<string, number> {
  return versionOf(version)[0] < 19 ? { allow_experimental_low_cardinality_type: 1 } : {};
}

/** Whether the server knows TTL clauses (19.6 and later). */
export function supportsTtl(version: string): boolean {
  const [major, minor] = versionOf(version);
  return major > 19 || (major === 19 && minor >= 6);
}

/** Column name → ClickHouse type, in table order. */
export const COLUMNS = [
  // where the row came from
  ['bot', 'LowCardinality(String)'],
  ['host', 'LowCardinality(String)'],
  ['file', 'String'], // the file's name when shipped (audit.log, audit.log.3.gz, ...)
  ['offset', 'UInt64'], // byte offset of the line in the file's uncompressed bytes
  ['hash', 'String'], // the line's chain link ('' when the line is not chained)
  // the event schema
  ['ts', 'Int64'], // µs since the epoch, parsed from `timestamp`
  ['time', 'DateTime'], // ts in seconds
  ['timestamp', 'String'], // as written
  ['level', 'LowCardinality(String)'],
  ['logger', 'LowCardinality(String)'],
  ['message', 'String'],
  ['event_id', 'String'],
  ['event_type', 'LowCardinality(String)'],
  ['component', 'LowCardinality(String)'],
  ['session_id', 'String'],
  ['environment', 'LowCardinality(String)'],
  ['module', 'Nullable(String)'],
  ['function', 'Nullable(String)'],
  ['line', 'Nullable(Int64)'],
  ['symbol', 'Nullable(String)'],
  ['side', 'Nullable(String)'],
  ['quantity', 'Nullable(Float64)'],
  ['price', 'Nullable(Float64)'],
  ['order_id', 'Nullable(String)'],
  ['position_id', 'Nullable(String)'],
  ['pnl', 'Nullable(Float64)'],
  ['fee', 'Nullable(Float64)'],
  ['risk_percent', 'Nullable(Float64)'],
  ['portfolio_value', 'Nullable(Float64)'],
  ['daily_pnl', 'Nullable(Float64)'],
  ['portfolio_heat', 'Nullable(Float64)'],
  ['latency_ms', 'Nullable(Float64)'],
  ['strategy_name', 'Nullable(String)'],
  ['metadata', 'String'], // JSON text
  // read out of metadata when shipping (analytics' SegmentBuilder rules)
  ['status_code', 'Nullable(Float64)'], // numeric metadata.status_code
  ['health_bad', 'UInt8'], // health_check whose metadata has a status other than "healthy"
  ['error_type', 'String'], // metadata.error_type when a non-empty string, else ''
  ['exit_reason', 'String'], // metadata.exit_reason, else metadata.reason, else 'unknown'
  ['hold_minutes', 'Nullable(Float64)'], // numeric metadata.hold_time_minutes
  ['meta_portfolio_heat', 'Nullable(Float64)'],
  ['meta_daily_pnl', 'Nullable(Float64)'],
] as const;

export type ColumnName = (typeof COLUMNS)[number][0];

export interface TableOptions {
  database: string;
  /** A cluster named in the servers' `remote_servers`: `events` becomes a Distributed table over per-shard `events_local`. */
  cluster?: string;
  /** Rows older than this many days are dropped by the server (TTL; ClickHouse 19.6 or later). */
  ttlDays?: number;
}

/** `name` as a quoted identifier. */
export const ident = (name: string): string => '`' + name.replaceAll('\\', '\\\\').replaceAll('`', '\\`') + '`';

/** The statements that create the database and the table(s), idempotent (IF NOT EXISTS). */
export function createStatements(o: TableOptions): string[] {
  const db = ident(o.database);
  const on = o.cluster === undefined ? '' : ` ON CLUSTER ${ident(o.cluster)}`;
  const columns = COLUMNS.map(([n, t]) => `  ${ident(n)} ${t}`).join(',\n');
  const ttl = o.ttlDays === undefined ? '' : `\nTTL time + INTERVAL ${Math.floor(o.ttlDays)} DAY`;
  const engine = `ENGINE = ReplacingMergeTree\nPARTITION BY toYYYYMM(time)\nORDER BY (bot, toDate(time), event_id)${ttl}`;
  const table = (name: string) => `CREATE TABLE IF NOT EXISTS ${db}.${ident(name)}${on} (\n${columns}\n)\n`;
  if (o.cluster === undefined) return [`CREATE DATABASE IF NOT EXISTS ${db}${on}`, table(EVENTS_TABLE) + engine];
  // Copies of an event must meet on one shard to be replaced: shard by event_id.
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}${on}`,
    table(LOCAL_TABLE) + engine,
    table(EVENTS_TABLE) + `ENGINE = Distributed(${ident(o.cluster)}, ${db}, ${ident(LOCAL_TABLE)}, cityHash64(event_id))`,
  ];
}
