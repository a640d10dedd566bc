import { queryEvents } from '@daybook/analytics';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { clickhouseFailed, clickhouseUsage, openFleet, withClickHouseOptions, type ClickHouseValues } from '../clickhouse.js';
import { RELATIVE_DATES, resolveDate } from '../dates.js';
import { metric } from '../format.js';
import { table } from '../table.js';
import { failed } from './report.js';

export const command = () => withClickHouseOptions(defineCommand('query', '"SQL" [options]',
  `Runs SQL (DuckDB) over the events of log directories, loaded as the table \`events\` with the
columns of the CSV export (de-duplicated; timestamp is a UTC TIMESTAMP, numbers DOUBLE, metadata
JSON text: metadata->>'$.status_code').`,
  `Closed trades are trade_exit and trade_partial_exit events with a pnl (docs/metrics.md), so the
P&L per symbol that \`daybook report symbols\` shows is:
  daybook query "SELECT symbol, sum(pnl) AS pnl FROM events WHERE event_type IN ('trade_exit', 'trade_partial_exit') GROUP BY 1 ORDER BY 2 DESC"

With --clickhouse URL the SQL runs in ClickHouse, read-only, with --database as the default
database: \`events\` is the fleet's table (the event's fields as columns, ts in µs since the
epoch, bot, host). Read it as \`events FINAL\` so that a line shipped twice counts once:
  daybook query --clickhouse http://127.0.0.1:8123 "SELECT bot, count() FROM events FINAL GROUP BY bot"

Dates: YYYY-MM-DD, an ISO-8601 timestamp, or ${RELATIVE_DATES}.
Needs the optional dependency @duckdb/node-api (not with --clickhouse). Exit codes: 0 ok, 1 the query failed, 2 bad usage.`)
  .argument('[sql]', 'one SQL statement, quoted')
  .allowExcessArguments(true)
  .option('--dir <dir>', 'log directory (repeat for a fleet; default logs)', repeatable)
  .option('--from <date>', 'load events from this date (a date or an ISO-8601 timestamp)')
  .option('--to <date>', 'load events up to this date (a plain date: the whole day)')
  .option('--json', 'print rows as JSON'), false);

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { dir?: string[]; from?: string; to?: string; json?: boolean } & ClickHouseValues;
  if (positionals.length !== 1) return usageError(cmd, 'give one SQL statement, quoted');
  const chUsage = clickhouseUsage(values, values.dir) ?? (values.clickhouse !== undefined && (values.from !== undefined || values.to !== undefined) ? '--from/--to narrow what is loaded from files; over ClickHouse, put the range in the SQL (WHERE ts >= ...)' : undefined);
  if (chUsage !== undefined) return usageError(cmd, chUsage);
  try {
    let r: { columns: string[]; rows: Record<string, unknown>[] };
    if (values.clickhouse !== undefined) {
      const fleet = await openFleet('query', { ...values, clickhouse: values.clickhouse });
      if (typeof fleet === 'number') return fleet;
      try {
        r = await fleet.query(positionals[0]!);
      } finally {
        await fleet.close();
      }
    } else r = await queryEvents(values.dir ?? ['logs'], positionals[0]!, { start: resolveDate(values.from), end: resolveDate(values.to) });
    // Columns named like a metric (pnl, win_rate, latency_ms) are shown as one: money, percentages, milliseconds.
    if (values.json) process.stdout.write(JSON.stringify(r.rows, null, 2) + '\n');
    else process.stdout.write(table(r.columns, r.rows.map((row) => r.columns.map((c) => row[c])), (c, v) => metric(c, v)));
    return 0;
  } catch (e) {
    if (values.clickhouse !== undefined) return clickhouseFailed('query', e);
    return failed('query', e, (code) => code !== 'DAYBOOK_E_QUERY_SQL' && code !== 'DAYBOOK_E_QUERY_ENGINE');
  }
}
