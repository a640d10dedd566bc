import { defineCommand, Option, parseCommand, usageError } from '../args.js';
import { isFleetApp } from '../demo/fleet.js';
import { runDemo } from '../demo/supervisor.js';
import { runDaybot, runFleetApp, type WorkerOptions } from '../demo/worker.js';

export const command = () => defineCommand('demo', '[options]',
  `Runs a simulated trading fleet that logs through daybook, and serves the dashboard over its logs:
the DayBot (US equities, three strategies, stops and targets, risk limits) writing the audit log,
the Drift bots (jit-mm-swift, hedge-bot, trend-bot, orchestrator, risk-manager) as separate
processes with their own app logs, and a simulated broker API on 127.0.0.1 (long latency tail,
429s and 5xxs). No account, key or network needed.`,
  `Ctrl-C stops everything: every process flushes and closes its logs, then the hash chain of DIR
is verified and the result printed (exit 1 if it is damaged).`)
  .option('--dir <dir>', 'log directory (default logs)')
  .option('--speed <n>', 'simulated minutes per real minute (default 390: a trading day a minute)')
  .option('--days <n>', 'trading days of history written first, so reports have data (default 5; skipped when DIR already has an audit log)')
  .option('--seed <n>', 'the same seed makes the same events, apart from times and ids (default 42)')
  .option('--port <n>', "the dashboard's port (default 8080; a free one if taken)")
  .option('--duration <s>', 'stop after S seconds of live trading (default: run until Ctrl-C)')
  .addOption(new Option('--serve', 'start the server (the default)').hideHelp())
  .option('--no-serve', 'do not start the server')
  .option('--clickhouse <url>', 'also ship the logs into this ClickHouse (http://[user:password@]host:8123) as `daybook ship` does, and compute the dashboard and reports there')
  .option('--database <name>', 'with --clickhouse: the database (default daybook)')
  // A child process of the demo (hidden): the DayBot or one fleet app, and the broker's URL.
  .addOption(new Option('--worker <name>').hideHelp())
  .addOption(new Option('--broker <url>').hideHelp());

function count(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min) throw new Error(`--${name} ${text}: a number of at least ${min}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as { dir?: string; speed?: string; days?: string; seed?: string; port?: string; duration?: string; 'no-serve'?: boolean; worker?: string; broker?: string; clickhouse?: string; database?: string };
  let o;
  try {
    o = {
      dir: values.dir ?? 'logs',
      speed: count('speed', values.speed, 390, 1),
      days: Math.floor(count('days', values.days, 5, 0)),
      seed: Math.floor(count('seed', values.seed, 42, 0)),
      port: Math.floor(count('port', values.port, 8080, 0)),
      duration: values.duration === undefined ? undefined : count('duration', values.duration, 0, 0),
      serve: values['no-serve'] !== true,
      ...(values.clickhouse === undefined ? {} : { clickhouse: { url: values.clickhouse, database: values.database ?? 'daybook' } }),
    };
    if (o.port > 65535) throw new Error(`--port ${o.port}: at most 65535`);
    if (values.database !== undefined && values.clickhouse === undefined) throw new Error('--database names a ClickHouse database: give --clickhouse URL');
  } catch (e) {
    return usageError(cmd, (e as Error).message);
  }
  if (values.worker !== undefined) {
    // A child process of the demo (hidden): the DayBot or one fleet app.
    const w: WorkerOptions = { dir: o.dir, seed: o.seed, speed: o.speed, days: o.days, broker: values.broker };
    if (values.worker === 'daybot') return runDaybot(w);
    if (isFleetApp(values.worker)) return runFleetApp(values.worker, w);
    process.stderr.write(`daybook demo: unknown worker '${values.worker}'\n`);
    return 2;
  }
  return runDemo(o);
}
