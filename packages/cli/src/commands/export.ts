import { AnalyticsError, formatOf, LogAnalyzer, parseRange, type ExportFormat } from '@daybook/analytics';
import { fleetEvents } from '@daybook/clickhouse';
import { clickhouseFailed, clickhouseUsage, openFleet, withClickHouseOptions } from '../clickhouse.js';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { RELATIVE_DATES, resolveDate } from '../dates.js';
import { count } from '../format.js';
import { NO_PROGRESS, startProgress } from '../progress.js';
import { failed } from './report.js';

export const command = () => withClickHouseOptions(defineCommand('export', '--out FILE [options]',
  `Writes the events of log directories to CSV (fixed columns, metadata as JSON), JSON Lines (the
lines as written) or Parquet, de-duplicated by event_id. With --clickhouse, the fleet's events
in ClickHouse (CSV or JSON Lines), oldest first.`,
  `Dates: YYYY-MM-DD, an ISO-8601 timestamp, or ${RELATIVE_DATES}.

Exit codes: 0 ok, 1 the file could not be written, 2 bad usage.`)
  .option('--dir <dir>', 'log directory (repeat for a fleet; default logs)', repeatable)
  .option('-o, --out <file>', 'output file (required); the format follows its extension')
  .option('--format <f>', 'csv, jsonl or parquet (default: from --out, else csv)')
  .option('--from <date>', 'start: a date (00:00 UTC) or an ISO-8601 timestamp')
  .option('--to <date>', 'end: a date (the whole day) or an ISO-8601 timestamp')
  .option('--date <date>', 'one UTC day')
  .option('--types <a,b>', 'only these event types (e.g. trade_entry,trade_exit,trade_partial_exit)')
  .option('--symbols <a,b>', 'only these symbols')
  .option('--sessions <a,b>', 'only these session ids')
  .option('--json', 'print the result (rows, bad lines) as JSON'));

const list = (s: string | undefined): string[] | undefined => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter((x) => x !== ''));

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as { clickhouse?: string; database?: string; bot?: string; host?: string; dir?: string[]; out?: string; format?: string; from?: string; to?: string; date?: string; types?: string; symbols?: string; sessions?: string; json?: boolean };
  if (values.out === undefined) return usageError(cmd, '--out FILE is required');
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) return usageError(cmd, '--date cannot be combined with --from/--to');
  const chUsage = clickhouseUsage(values, values.dir);
  if (chUsage !== undefined) return usageError(cmd, chUsage);
  if (values.clickhouse !== undefined) return exportFleet(values as typeof values & { clickhouse: string; out: string });
  const bar = values.json === true ? NO_PROGRESS : startProgress(process.stderr, { label: 'exporting' });
  const [date, from, to] = [resolveDate(values.date), resolveDate(values.from), resolveDate(values.to)];
  try {
    const result = await new LogAnalyzer(values.dir ?? ['logs']).exportLogs(values.out, {
      format: values.format as ExportFormat | undefined,
      start: date ?? from,
      end: date ?? to,
      eventTypes: list(values.types),
      symbols: list(values.symbols),
      sessions: list(values.sessions),
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      process.stdout.write(`wrote ${count(result.rows)} events to ${result.file} (${result.format}); bad lines skipped: ${count(result.bad_lines.total)}\n`);
      for (const p of result.read_problems) process.stdout.write(`problem: ${p.message} [${p.code}]\n`);
    }
    return 0;
  } catch (e) {
    bar.stop();
    return failed('export', e, (code) => code !== 'DAYBOOK_E_EXPORT_WRITE' && code !== 'DAYBOOK_E_EXPORT_PARQUET');
  }
}

/** `export --clickhouse`: the fleet's events, streamed from ClickHouse into the file. */
async function exportFleet(values: { clickhouse: string; database?: string; bot?: string; host?: string; out: string; format?: string; from?: string; to?: string; date?: string; types?: string; symbols?: string; sessions?: string; json?: boolean }): Promise<number> {
  const [date, from, to] = [resolveDate(values.date), resolveDate(values.from), resolveDate(values.to)];
  let format: ExportFormat;
  let range;
  try {
    format = formatOf(values.out, values.format);
    range = parseRange(date ?? from, date ?? to);
  } catch (e) {
    return failed('export', e, () => true);
  }
  const opened = await openFleet('export', values);
  if (typeof opened === 'number') return opened;
  try {
    const result = await fleetEvents(opened.runner, opened.target.database).export(values.out, format, {
      range, bot: values.bot, host: values.host, types: list(values.types), symbols: list(values.symbols), sessions: list(values.sessions),
    });
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(`wrote ${count(result.rows)} events from ClickHouse at ${opened.target.display} to ${result.file} (${result.format})\n`);
    return 0;
  } catch (e) {
    return e instanceof AnalyticsError ? failed('export', e, (code) => code !== 'DAYBOOK_E_EXPORT_WRITE') : clickhouseFailed('export', e);
  } finally {
    await opened.close();
  }
}
