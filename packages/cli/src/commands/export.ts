import { LogAnalyzer, type ExportFormat } from '@daybook/analytics';
import { parseCommand, usageError } from '../args.js';
import { failed } from './report.js';

const HELP = `Usage: daybook export --out FILE [options]

Writes the events of log directories to CSV (fixed columns, metadata as JSON), JSON Lines
(the lines as written) or Parquet, de-duplicated by event_id.

Options:
  --dir DIR            log directory (repeat for a fleet; default logs)
  -o, --out FILE       output file (required); the format follows its extension
  --format F           csv, jsonl or parquet (default: from --out, else csv)
  --from DATE          start: YYYY-MM-DD (00:00 UTC) or an ISO-8601 timestamp
  --to DATE            end: YYYY-MM-DD (the whole day) or an ISO-8601 timestamp
  --date YYYY-MM-DD    one UTC day
  --types a,b          only these event types (e.g. trade_entry,trade_exit)
  --symbols a,b        only these symbols
  --sessions a,b       only these session ids
  --json               print the result (rows, bad lines) as JSON
  -h, --help           this help

Exit codes: 0 ok, 1 the file could not be written, 2 bad usage.
`;

const list = (s: string | undefined): string[] | undefined => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter((x) => x !== ''));

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand('export', HELP, argv, {
    dir: { type: 'string', multiple: true },
    out: { type: 'string', short: 'o' },
    format: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    date: { type: 'string' },
    types: { type: 'string' },
    symbols: { type: 'string' },
    sessions: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as { dir?: string[]; out?: string; format?: string; from?: string; to?: string; date?: string; types?: string; symbols?: string; sessions?: string; json?: boolean };
  if (values.out === undefined) return usageError('export', HELP, '--out FILE is required');
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) return usageError('export', HELP, '--date cannot be combined with --from/--to');
  const bar = process.stderr.isTTY === true && !values.json ? progressBar() : undefined;
  try {
    const result = await new LogAnalyzer(values.dir ?? ['logs']).exportLogs(values.out, {
      format: values.format as ExportFormat | undefined,
      start: values.date ?? values.from,
      end: values.date ?? values.to,
      eventTypes: list(values.types),
      symbols: list(values.symbols),
      sessions: list(values.sessions),
      onProgress: bar,
    });
    if (bar !== undefined) process.stderr.write('\n');
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      process.stdout.write(`wrote ${result.rows} events to ${result.file} (${result.format}); bad lines skipped: ${result.bad_lines.total}\n`);
      for (const p of result.read_problems) process.stdout.write(`problem: ${p.message} [${p.code}]\n`);
    }
    return 0;
  } catch (e) {
    if (bar !== undefined) process.stderr.write('\n');
    return failed('export', e, (code) => code !== 'DAYBOOK_E_EXPORT_WRITE' && code !== 'DAYBOOK_E_EXPORT_PARQUET');
  }
}

/** A one-line progress bar on stderr, redrawn at most 10 times a second. */
function progressBar(): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const frac = total === 0 ? 1 : done / total;
    const width = 30;
    const full = Math.round(frac * width);
    process.stderr.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${(done / 1048576).toFixed(1)} / ${(total / 1048576).toFixed(1)} MiB`);
  };
}
