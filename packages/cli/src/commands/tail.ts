import { EVENT_TYPES, formatPretty, isEventType, parseLevel, type LogLevel } from '@daybook/core';
import { parseRange } from '@daybook/analytics';
import { DirMonitor, endOf, EventIndex, Follower, levelCode, typeCode, type EventFilter } from '@daybook/server';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { RELATIVE_DATES, resolveDate } from '../dates.js';
import { money, price } from '../format.js';
import { untilStopped } from './serve.js';

export const command = () => defineCommand('tail', '[--dir logs] [options]',
  `Prints the last events of a log directory, then follows it: each new event as it is written,
pretty-printed (or as JSON lines with --json), until Ctrl-C. Rotation and compression are followed.`,
  `Dates: YYYY-MM-DD, an ISO-8601 timestamp, or ${RELATIVE_DATES}.

Exit codes: 0 ok (also when the reader of a pipe goes away: daybook tail | head), 1 the directory
cannot be read, 2 bad usage.`)
  .option('--dir <dir>', 'log directory (repeat for a fleet; default logs)', repeatable)
  .option('-n, --lines <n>', 'events shown before following (default 10; 0 for none)')
  .option('--type <type>', 'only these event types (repeat, or comma-separated)', repeatable)
  .option('--level <level>', 'only this level and above (DEBUG, INFO, WARNING, ERROR, CRITICAL)')
  .option('--symbol <symbol>', 'only these symbols (repeat)', repeatable)
  .option('--session <id>', 'only these sessions (repeat)', repeatable)
  .option('--since <date>', 'only events from this date')
  .option('--no-follow', 'print and exit')
  .option('--json', 'one JSON event per line');

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values as { dir?: string[]; lines?: string; type?: string[]; level?: string; symbol?: string[]; session?: string[]; since?: string; 'no-follow'?: boolean; json?: boolean };
  const lines = v.lines === undefined ? 10 : Number(v.lines);
  if (!Number.isInteger(lines) || lines < 0 || lines > 100_000) return usageError(cmd, `--lines ${v.lines} is not a whole number up to 100000`);
  const types = v.type?.flatMap((t) => t.split(',')).filter((t) => t !== '');
  const unknown = types?.find((t) => !isEventType(t));
  if (unknown !== undefined) return usageError(cmd, `unknown event type '${unknown}' (one of ${EVENT_TYPES.join(', ')})`);
  const level = v.level === undefined ? undefined : parseLevel(v.level);
  if (v.level !== undefined && level === undefined) return usageError(cmd, `unknown level '${v.level}'`);
  let range;
  try {
    range = parseRange(resolveDate(v.since), undefined);
  } catch (e) {
    return usageError(cmd, `--since: ${(e as Error).message}`);
  }
  const dirs = v.dir ?? ['logs'];
  const index = new EventIndex(dirs);
  const filter: EventFilter = {
    ...range,
    types: types === undefined || types.length === 0 ? undefined : new Set(types.map(typeCode)),
    minLevel: level === undefined ? undefined : levelCode(level),
    symbols: v.symbol,
    sessions: v.session,
  };
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const print = (e: Record<string, unknown>): void => {
    if (v.json) {
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    const text = (x: unknown) => (typeof x === 'string' ? x : x === undefined ? undefined : JSON.stringify(x));
    const lvl = (parseLevel(e.level) ?? 'INFO') as LogLevel;
    const head = [e.symbol, e.side, e.quantity, e.price === undefined ? undefined : `@ ${typeof e.price === 'number' ? price(e.price) : String(e.price)}`, e.pnl === undefined ? undefined : `pnl=${typeof e.pnl === 'number' ? money(e.pnl) : String(e.pnl)}`].filter((x) => x !== undefined).join(' ');
    const fields = { strategyName: text(e.strategy_name), orderId: text(e.order_id), latencyMs: typeof e.latency_ms === 'number' ? e.latency_ms : undefined, portfolioHeat: typeof e.portfolio_heat === 'number' ? e.portfolio_heat : undefined };
    process.stdout.write(formatPretty(String(e.timestamp), lvl, String(e.event_type), `${String(e.message)}${head === '' ? '' : `  [${head}]`}`, fields, color));
  };

  try {
    await index.refresh();
  } catch (e) {
    process.stderr.write(`daybook tail: ${(e as Error).message}\n`);
    return 1;
  }
  // The last N, printed oldest first.
  const last = index.query(filter, lines, 'desc');
  for (const { event } of (await index.read(last.rows)).reverse()) print(event);
  if (v['no-follow']) return 0;

  const follower = new Follower(index, filter, endOf(index), (_p, event) => print(event), (e) => process.stderr.write(`daybook tail: ${(e as Error).message}\n`));
  const monitor = new DirMonitor(dirs, 250);
  monitor.onChange(() => void follower.pump());
  void follower.pump(); // what was written between the first read and the watch
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await untilStopped();
  clearInterval(keepAlive);
  monitor.close();
  return 0;
}
