import { LogAnalyzer, type Trade, type TradeList } from '@daybook/analytics';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { CLI_CODES } from '../codes.js';
import { RELATIVE_DATES, resolveDate } from '../dates.js';
import { count, duration, metric, plain, price } from '../format.js';
import { NO_PROGRESS, startProgress } from '../progress.js';
import { table } from '../table.js';
import { failed, footer, isUsage, sayNoLogs } from './report.js';

export const command = () => defineCommand('trades', '[options]',
  `Lists the trades of a log directory, each linked from its entry to its exit (docs/metrics.md,
"Trades"): open positions first, with their age, then closed and cancelled trades, newest first.
--id (or --events) shows a trade's events in order: entry, adds, adjustments, stops, partial
exits, exit, with fees, hold time and P&L.`,
  `Dates: YYYY-MM-DD, an ISO-8601 timestamp, or ${RELATIVE_DATES}.
A trade is listed when one of its events is in the range or it is open at the range's end; it is
shown as of that end. The trade column shows the position_id, else the trade_id (the event_id of
its first event).

Examples:
  daybook trades --open                      open positions now, with their age
  daybook trades --from 7d --symbol AAPL     the last seven days' AAPL trades
  daybook trades --id P-17                   the events of position P-17, in order
  daybook trades --strategy momentum --json  the list as JSON (trades, open_trades, bad_lines)

Exit codes: 0 ok (also when no trade matches), 1 no log files in the directory or no trade
with the --id, 2 bad usage (bad date, missing directory).`)
  .option('--dir <dir>', 'log directory (repeat for a fleet; default logs)', repeatable)
  .option('--from <date>', 'start: a date (00:00 UTC) or an ISO-8601 timestamp')
  .option('--to <date>', 'end: a date (the whole day) or an ISO-8601 timestamp')
  .option('--date <date>', 'one UTC day (same as --from D --to D)')
  .option('--open', "only trades open at the range's end")
  .option('--symbol <symbol>', 'only this symbol')
  .option('--strategy <name>', 'only this strategy (the entry\'s, else the first exit\'s)')
  .option('--id <id>', "one trade's events: a trade_id, or a position_id (each trade of that position)")
  .option('--events', "each trade's events, not one line per trade")
  .option('--json', 'print JSON: { trades (each with its events), open_trades, bad_lines }')
  .option('--no-index', 'do not read or write the parsed logs kept in <dir>/.daybook/index/');

type Values = { dir?: string[]; from?: string; to?: string; date?: string; open?: boolean; symbol?: string; strategy?: string; id?: string; events?: boolean; json?: boolean; 'no-index'?: boolean };

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 0) return usageError(cmd, `unexpected argument '${parsed.positionals.join(' ')}'`);
  const values = parsed.values as Values;
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) return usageError(cmd, '--date cannot be combined with --from/--to');
  for (const o of ['symbol', 'strategy', 'id'] as const) if (values[o] !== undefined && values[o]!.trim() === '') return usageError(cmd, `--${o} needs a value`);
  const dirs = values.dir ?? ['logs'];
  if (sayNoLogs('trades', dirs)) return 1;
  const [date, from, to] = [resolveDate(values.date), resolveDate(values.from), resolveDate(values.to)];
  const progress = values.json === true ? NO_PROGRESS : startProgress(process.stderr, { label: 'reading logs' });
  let list: TradeList;
  try {
    const analyzer = new LogAnalyzer(dirs, { persist: values['no-index'] !== true });
    list = await analyzer.getTrades({ start: date ?? from, end: date ?? to, open: values.open, symbol: values.symbol, strategy: values.strategy });
    progress.stop();
  } catch (e) {
    progress.stop();
    return failed('trades', e, isUsage);
  }
  if (values.id !== undefined) {
    const id = values.id;
    list = { ...list, trades: list.trades.filter((t) => t.trade_id === id || t.position_id === id) };
    if (list.trades.length === 0) {
      process.stderr.write(`daybook trades: no trade ${id} in ${rangeText(date ?? from, date ?? to)}${filtered(values) ? ' with these filters' : ''}. ${CLI_CODES.DAYBOOK_E_TRADE_NOT_FOUND} [DAYBOOK_E_TRADE_NOT_FOUND]\n`);
      return 1;
    }
  }
  if (values.json === true) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
  else process.stdout.write(`range: ${rangeText(date ?? from, date ?? to)}\n` + (values.id !== undefined || values.events === true ? renderEvents(list, narrowed(values)) : renderList(list, narrowed(values))) + footer(list));
  return 0;
}

const rangeText = (start: string | undefined, end: string | undefined): string => `${start ?? 'beginning'} .. ${end ?? 'end'}`;
const filtered = (v: Values): boolean => v.open === true || v.symbol !== undefined || v.strategy !== undefined;
/** Whether the list is narrowed to some symbols or strategies: the open count is not (TradeList.open_trades). */
const narrowed = (v: Values): boolean => v.symbol !== undefined || v.strategy !== undefined;

// ---- tables --------------------------------------------------------------------------------

/**
 * A trade's cell by its column (or, in a field/value table, its row's name): prices keep
 * their decimals (crypto), P&L and fees are money, hold time and age read as durations;
 * every number through format.ts.
 */
function cell(column: string, v: unknown, row: readonly unknown[]): string {
  const name = column === 'value' ? String(row[0]) : column;
  if (typeof v !== 'number') return metric(name, v);
  if (name === 'price' || name.endsWith('_price')) return price(v);
  if (name === 'quantity') return plain(v);
  if (name === 'hold' || name === 'age') return duration(v);
  return metric(name, v);
}

const label = (t: Trade): string => t.position_id ?? t.trade_id;

// pnl of an open trade is what its partial exits realized so far: named so, lest it read as unrealized.
const OPEN_COLUMNS = ['trade', 'symbol', 'side', 'strategy', 'opened_at', 'age', 'entry_price', 'quantity', 'realized_pnl', 'fees'] as const;
const openRow = (t: Trade) => [label(t), t.symbol, t.side, t.strategy, t.opened_at, t.age_minutes, t.entry_price, t.quantity, t.pnl, t.fees];

const DONE_COLUMNS = ['trade', 'symbol', 'side', 'strategy', 'status', 'opened_at', 'closed_at', 'hold', 'entry_price', 'exit_price', 'quantity', 'pnl', 'fees', 'net_pnl', 'exit_reason'] as const;
const doneRow = (t: Trade) => [label(t), t.symbol, t.side, t.strategy, t.status, t.opened_at, t.closed_at, t.hold_minutes, t.entry_price, t.exit_price, t.quantity, t.pnl, t.fees, t.net_pnl, t.exit_reason];

function summary(list: TradeList, narrowed: boolean): string {
  const n = list.trades.length;
  return `${count(n)} trade${n === 1 ? '' : 's'} listed; open at the range's end${narrowed ? ' (any symbol or strategy)' : ''}: ${count(list.open_trades)}\n`;
}

/** One line per trade: open positions (with their age), then the closed and cancelled trades. */
function renderList(list: TradeList, narrowed: boolean): string {
  const open = list.trades.filter((t) => t.status === 'open');
  const done = list.trades.filter((t) => t.status !== 'open');
  let out = summary(list, narrowed);
  if (open.length > 0) out += `\nOpen positions\n${table(OPEN_COLUMNS, open.map(openRow), cell)}`;
  if (done.length > 0) out += `\nClosed trades\n${table(DONE_COLUMNS, done.map(doneRow), cell)}`;
  return out;
}

const EVENT_COLUMNS = ['timestamp', 'event_type', 'price', 'quantity', 'pnl', 'fee', 'reason'] as const;

/** Each trade: its figures, then its events in order. */
function renderEvents(list: TradeList, narrowed: boolean): string {
  let out = summary(list, narrowed);
  for (const t of list.trades) {
    const held: [string, number | null] = t.status === 'open' ? ['age', t.age_minutes] : ['hold', t.hold_minutes];
    const fields: (readonly unknown[])[] = [
      ['trade_id', t.trade_id], ['position_id', t.position_id], ['session_id', t.session_id], ['status', t.status],
      ['opened_at', t.opened_at], ['closed_at', t.closed_at], held, ['entry_price', t.entry_price], ['exit_price', t.exit_price],
      ['quantity', t.quantity], ['pnl', t.pnl], ['fees', t.fees], ['net_pnl', t.net_pnl], ['exit_reason', t.exit_reason],
    ];
    out += `\n== ${label(t)}: ${t.symbol} ${t.side ?? ''} ${t.strategy}, ${t.status} ==\n`.replace('  ', ' ');
    out += table(['field', 'value'], fields, cell);
    out += `\nEvents (${t.events.length})\n${table(EVENT_COLUMNS, t.events.map((e) => [e.timestamp, e.event_type, e.price, e.quantity, e.pnl, e.fee, e.reason]), cell)}`;
  }
  return out;
}
