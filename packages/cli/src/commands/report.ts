import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { classifyLogNames } from '@daybook/core';
import { AnalyticsError, LogAnalyzer, READ_PROBLEM_CODES, utcDay, type AnalyticsErrorCode, type FullReport } from '@daybook/analytics';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { analyzerOf, type ClickHouseAnalyzer, type OpenedClickHouse } from '@daybook/clickhouse';
import { clickhouseFailed, clickhouseUsage, openFleet, withClickHouseOptions, type ClickHouseValues } from '../clickhouse.js';
import { CLI_CODES } from '../codes.js';
import { RELATIVE_DATES, resolveDate } from '../dates.js';
import { count, metric } from '../format.js';
import { NO_PROGRESS, startProgress } from '../progress.js';
import { table as baseTable } from '../table.js';

const KINDS = ['daily', 'trading', 'system', 'risk', 'symbols', 'errors'] as const;
type Kind = (typeof KINDS)[number];

export const command = () => withClickHouseOptions(defineCommand('report', '[daily|trading|system|risk|symbols|errors] [options]',
  `Shows the figures of a log directory (docs/metrics.md) as tables, or as JSON with --json.
  daily     every report for one UTC day (default: today)
  trading   P&L, fees and net P&L, win rate, drawdown, Sharpe/Sortino, open trades, by exit reason
            and strategy (the trades themselves: daybook trades)
  system    events, API calls/errors/latency, levels, health checks, uptime
  risk      risk limit hits, portfolio heat, daily loss, risk events per day
  symbols   performance per symbol
  errors    errors by component/type/hour, top messages, recent errors`,
  `Dates: YYYY-MM-DD, an ISO-8601 timestamp, or ${RELATIVE_DATES}.

Examples:
  daybook report trading --from 7d          the last seven days and today
  daybook report daily --date yesterday
  daybook report symbols --dir bot1/logs --dir bot2/logs --json
  daybook report trading --clickhouse http://127.0.0.1:8123 --bot bot1 --from 7d

Warnings follow the report (and are read_problems in --json): files not read (look-alike
names, FIFOs, damaged or over-large gzip), lines skipped, event_ids whose copies differ, lines
no checkpoint vouches for yet. They do not change the exit code.

With --clickhouse URL the figures are computed in ClickHouse over the events \`daybook ship\`
inserted (the same JSON; --bot / --host narrow the fleet).

Exit codes: 0 ok, 1 no log files in the directory or ClickHouse unusable (unreachable, refused
the user, no events table), 2 bad usage (unknown report, bad date, missing directory, bad URL).`)
  .argument('[report]', 'which report (default daily)')
  .allowExcessArguments(true)
  .option('--dir <dir>', 'log directory (repeat for a fleet; default logs)', repeatable)
  .option('--from <date>', 'start: a date (00:00 UTC) or an ISO-8601 timestamp')
  .option('--to <date>', 'end: a date (the whole day) or an ISO-8601 timestamp')
  .option('--date <date>', 'one UTC day (daily: default today; others: same as --from D --to D)')
  .option('--periods-per-year <n>', '252 (default, weekdays) or 365 (every day) for Sharpe/Sortino')
  .option('--starting-equity <x>', 'starting equity (default: the first portfolio_value in range)')
  .option('--json', 'print JSON (snake_case fields of docs/metrics.md)')
  .option('--no-index', 'do not read or write the parsed logs kept in <dir>/.daybook/index/'));

/** Prints an AnalyticsError and gives its exit code: 2 (bad usage) for `usage` codes, else 1; rethrows anything else. */
export function failed(name: string, e: unknown, usage: (code: AnalyticsErrorCode) => boolean): number {
  if (!(e instanceof AnalyticsError)) throw e;
  process.stderr.write(`daybook ${name}: ${e.message}\n`);
  return usage(e.code) ? 2 : 1;
}

export const isUsage = (code: AnalyticsErrorCode): boolean => code === 'DAYBOOK_E_READ_DIR' || code.startsWith('DAYBOOK_E_DATE') || code === 'DAYBOOK_E_OPTION_INVALID';

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { dir?: string[]; from?: string; to?: string; date?: string; 'periods-per-year'?: string; 'starting-equity'?: string; json?: boolean; 'no-index'?: boolean } & ClickHouseValues;
  const kind = (positionals[0] ?? 'daily') as Kind;
  if (!KINDS.includes(kind) || positionals.length > 1) return usageError(cmd, `unknown report '${positionals.join(' ')}'`);
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) return usageError(cmd, '--date cannot be combined with --from/--to');
  if (kind === 'daily' && (values.from !== undefined || values.to !== undefined)) return usageError(cmd, 'the daily report is one day: give --date (or name another report, e.g. trading, for --from/--to)');
  const ppy = values['periods-per-year'] === undefined ? undefined : Number(values['periods-per-year']);
  const equity = values['starting-equity'] === undefined ? undefined : Number(values['starting-equity']);
  if (equity !== undefined && !Number.isFinite(equity)) return usageError(cmd, `--starting-equity ${values['starting-equity']} is not a number`);
  const chUsage = clickhouseUsage(values, values.dir);
  if (chUsage !== undefined) return usageError(cmd, chUsage);
  const dirs = values.dir ?? ['logs'];
  if (values.clickhouse === undefined && sayNoLogs('report', dirs)) return 1;
  const date = resolveDate(values.date);
  const from = resolveDate(values.from);
  const to = resolveDate(values.to);
  // A first report over a large directory reads for seconds: say so on a terminal.
  let fleet: OpenedClickHouse | undefined;
  if (values.clickhouse !== undefined) {
    const opened = await openFleet('report', { ...values, clickhouse: values.clickhouse });
    if (typeof opened === 'number') return opened;
    fleet = opened;
  }
  const progress = values.json === true ? NO_PROGRESS : startProgress(process.stderr, { label: fleet === undefined ? 'reading logs' : 'querying ClickHouse' });
  try {
    const analyzer: LogAnalyzer | ClickHouseAnalyzer = fleet === undefined
      ? new LogAnalyzer(dirs, { periodsPerYear: ppy, startingEquity: equity, persist: values['no-index'] !== true })
      : analyzerOf(fleet, { periodsPerYear: ppy, startingEquity: equity, bot: values.bot, host: values.host });
    if (kind === 'daily') {
      const report = await analyzer.generateDailyReport(date);
      progress.stop();
      if (report.system_metrics.total_events === 0 && analyzer instanceof LogAnalyzer) await sayCoverage(analyzer, `on ${report.date}`);
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : renderDaily(report));
      return 0;
    }
    const report = await analyzer.getReport(date ?? from, date ?? to);
    progress.stop();
    const [start, end] = [date ?? from, date ?? to];
    if (report.system_metrics.total_events === 0 && (start !== undefined || end !== undefined) && analyzer instanceof LogAnalyzer) await sayCoverage(analyzer, start === end ? `on ${start}` : `from ${start ?? 'the beginning'} to ${end ?? 'now'}`);
    process.stdout.write(values.json ? JSON.stringify(pick(report, kind), null, 2) + '\n' : render(report, kind));
    return 0;
  } catch (e) {
    progress.stop();
    return e instanceof AnalyticsError ? failed('report', e, isUsage) : clickhouseFailed('report', e);
  } finally {
    await fleet?.close();
  }
}

/**
 * Why a report would be all zeros because there is nothing to read: every directory exists
 * and none holds a log file. A missing directory is left to the analyzer (bad usage, exit 2).
 */
export function noLogFiles(dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) return undefined;
      names = readdirSync(dir).filter((n) => {
        try {
          return statSync(join(dir, n)).isFile();
        } catch {
          return false;
        }
      });
    } catch {
      return undefined;
    }
    if (classifyLogNames(names).streams.size > 0) return undefined;
  }
  return `no log files in ${dirs.join(', ')} (daybook reads audit.log, trades.log, <app>.log and their rotated backups)`;
}

/** True (and the reason on stderr, DAYBOOK_E_REPORT_NO_LOGS) when `dirs` hold no log file: the command then exits 1. */
export function sayNoLogs(name: string, dirs: readonly string[]): boolean {
  const empty = noLogFiles(dirs);
  if (empty === undefined) return false;
  process.stderr.write(`daybook ${name}: ${empty}. ${CLI_CODES.DAYBOOK_E_REPORT_NO_LOGS} [DAYBOOK_E_REPORT_NO_LOGS]\n`);
  return true;
}

/** A range that holds no event: a notice on stderr with the days the logs do cover, so that the next try hits them. */
export async function sayCoverage(analyzer: LogAnalyzer, where: string, name = 'report'): Promise<void> {
  const set = await analyzer.load();
  let first = Infinity;
  let last = -Infinity;
  set.segments.forEach((s, i) => {
    const keep = set.keep[i]!;
    for (let r = 0; r < s.n; r++) {
      if (keep[r] !== 1) continue;
      const t = s.ts[r]!;
      if (t < first) first = t;
      if (t > last) last = t;
    }
  });
  const cover = first === Infinity ? 'the logs hold no readable event' : `the logs cover ${utcDay(first)} .. ${utcDay(last)} (UTC)`;
  process.stderr.write(`daybook ${name}: no events ${where}; ${cover}\n`);
}

/** The JSON of one report: its metrics with the bad-line count (symbols: wrapped, since it is a list). */
function pick(r: FullReport, kind: Exclude<Kind, 'daily'>): unknown {
  const extra = { bad_lines: r.bad_lines, ...(r.read_problems.length > 0 ? { read_problems: r.read_problems } : {}) };
  switch (kind) {
    case 'trading': return { ...r.trading_metrics, ...extra };
    case 'system': return { ...r.system_metrics, ...extra };
    case 'risk': return { ...r.risk_metrics, ...extra };
    case 'symbols': return { symbol_performance: r.symbol_performance, ...extra };
    case 'errors': return { ...r.error_summary, ...extra };
  }
}

// ---- tables --------------------------------------------------------------------------------

/** A report's cell: numbers by the metric's name, its column's or (a metric/value table) its row's: money, percentages, ratios (format.ts). */
const cell = (column: string, v: unknown, row: readonly unknown[]): string => metric(column === 'value' ? String(row[0]) : column, v);
const table = (header: readonly string[], rows: readonly (readonly unknown[])[]): string => baseTable(header, rows, cell);

/** Scalar fields of an object as a two-column table; nested objects are left to the caller. */
function fields(o: object): string {
  const rows = Object.entries(o).filter(([, v]) => v === null || typeof v !== 'object');
  return table(['metric', 'value'], rows);
}

function groups(title: string, g: Record<string, { trades: number; total_pnl: number; win_rate: number }>): string {
  const rows = Object.entries(g).map(([k, v]) => [k, v.trades, v.total_pnl, v.win_rate]);
  return rows.length === 0 ? '' : `\n${title}\n${table([title.toLowerCase().replace(/^by /, ''), 'trades', 'total_pnl', 'win_rate'], rows)}`;
}

function section(title: string, body: string): string {
  return `\n== ${title} ==\n${body}`;
}

function renderTrading(r: FullReport): string {
  const t = r.trading_metrics;
  return section('Trading', fields(t) + groups('By exit reason', t.by_exit_reason) + groups('By strategy', t.by_strategy));
}

function renderSystem(r: FullReport): string {
  return section('System', fields(r.system_metrics));
}

function renderRisk(r: FullReport): string {
  const days = Object.entries(r.risk_metrics.risk_events_by_day).map(([d, v]) => [d, v.risk_limit_hit, v.daily_loss_limit, v.portfolio_heat_warning, v.position_size_calculated]);
  return section('Risk', fields(r.risk_metrics) + (days.length === 0 ? '' : `\nRisk events by day\n${table(['day', 'risk_limit_hit', 'daily_loss_limit', 'portfolio_heat_warning', 'position_size_calculated'], days)}`));
}

function renderSymbols(r: FullReport): string {
  const cols = ['symbol', 'trades', 'wins', 'losses', 'win_rate', 'total_pnl', 'avg_pnl', 'largest_win', 'largest_loss', 'profit_factor', 'total_volume'] as const;
  const body = r.symbol_performance.length === 0 ? 'no closed trades\n' : table(cols, r.symbol_performance.map((s) => cols.map((c) => s[c])));
  return section('Symbols', body);
}

function renderErrors(r: FullReport): string {
  const e = r.error_summary;
  let out = table(['metric', 'value'], [['total_errors', e.total_errors], ['total_warnings', e.total_warnings]]);
  const counts = (title: string, m: Record<string, number>) => {
    const rows = Object.entries(m).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return rows.length === 0 ? '' : `\n${title}\n${table([title.split(' ').pop()!, 'count'], rows)}`;
  };
  out += counts('By component', e.by_component) + counts('By error type', e.by_error_type);
  if (e.top_messages.length > 0) out += `\nTop messages\n${table(['count', 'message', 'first_seen', 'last_seen'], e.top_messages.map((m) => [m.count, m.message, m.first_seen, m.last_seen]))}`;
  if (e.total_errors > 0) {
    const hours = Object.entries(e.errors_by_hour).sort(([a], [b]) => (a < b ? -1 : 1));
    out += `\nErrors by hour (UTC)\n${table(hours.map(([h]) => h), [hours.map(([, n]) => n)])}`;
  }
  if (e.recent_errors.length > 0) out += `\nRecent errors\n${table(['timestamp', 'level', 'component', 'error_type', 'message'], e.recent_errors.map((x) => [x.timestamp, x.level, x.component, x.error_type, x.message]))}`;
  return section('Errors', out);
}

export function footer(r: { bad_lines: FullReport['bad_lines']; read_problems: FullReport['read_problems'] }): string {
  const b = r.bad_lines;
  const kinds = Object.entries(b).filter(([k, v]) => k !== 'total' && v > 0).map(([k, v]) => `${k} ${count(v)}`);
  let out = `\nbad lines skipped: ${count(b.total)}${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}\n`;
  return out + warnings(r.read_problems);
}

/**
 * The read problems, one line each (the message names the file and what was not read or not
 * vouched for), then once per code what to do: a report with warnings is still a report
 * (exit 0), so they must be seen in it.
 */
export function warnings(problems: FullReport['read_problems']): string {
  if (problems.length === 0) return '';
  let out = `\nwarnings (${problems.length}):\n`;
  for (const p of problems) out += `warning: ${p.message} [${p.code}]\n`;
  for (const code of new Set(problems.map((p) => p.code))) out += `  ${code}: ${READ_PROBLEM_CODES[code]}\n`;
  return out;
}

function render(r: FullReport, kind: Exclude<Kind, 'daily'>): string {
  const range = `range: ${r.start ?? 'beginning'} .. ${r.end ?? 'end'}\n`;
  const body = { trading: renderTrading, system: renderSystem, risk: renderRisk, symbols: renderSymbols, errors: renderErrors }[kind](r);
  return range + body + footer(r);
}

function renderDaily(d: Awaited<ReturnType<LogAnalyzer['generateDailyReport']>>): string {
  const r: FullReport = { ...d, start: d.date, end: d.date };
  return `Daily report ${d.date} (UTC), generated ${d.generated_at}\n` + renderTrading(r) + renderSystem(r) + renderRisk(r) + renderSymbols(r) + renderErrors(r) + footer(r);
}
