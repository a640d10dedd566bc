import { queryEvents } from '@daybook/analytics';
import { parseCommand, usageError } from '../args.js';
import { failed, table } from './report.js';

const HELP = `Usage: daybook query "SQL" [options]

Runs SQL (DuckDB) over the events of log directories, loaded as the table \`events\` with
the columns of the CSV export (de-duplicated; timestamp is a UTC TIMESTAMP, numbers DOUBLE,
metadata JSON text: metadata->>'$.status_code').

  daybook query "SELECT symbol, sum(pnl) FROM events WHERE event_type = 'trade_exit' GROUP BY 1"

Options:
  --dir DIR          log directory (repeat for a fleet; default logs)
  --from DATE        load events from DATE (YYYY-MM-DD or ISO-8601)
  --to DATE          load events up to DATE (a plain date: the whole day)
  --json             print rows as JSON
  -h, --help         this help

Needs the optional dependency @duckdb/node-api. Exit codes: 0 ok, 1 the query failed, 2 bad usage.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand('query', HELP, argv, {
    dir: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
  }, true);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { dir?: string[]; from?: string; to?: string; json?: boolean };
  if (positionals.length !== 1) return usageError('query', HELP, 'give one SQL statement, quoted');
  try {
    const r = await queryEvents(values.dir ?? ['logs'], positionals[0]!, { start: values.from, end: values.to });
    if (values.json) process.stdout.write(JSON.stringify(r.rows, null, 2) + '\n');
    else process.stdout.write(table(r.columns, r.rows.map((row) => r.columns.map((c) => row[c]))));
    return 0;
  } catch (e) {
    return failed('query', e, (code) => code !== 'DAYBOOK_E_QUERY_SQL' && code !== 'DAYBOOK_E_QUERY_ENGINE');
  }
}
