import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { HELP_WIDTH } from './args.js';

/** Subcommands are imported lazily so that `daybook --help` does not load the server. */
export const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number>; command(): Command }> }>> = {
  demo: { summary: 'run simulated trading bots that log through daybook', load: () => import('./commands/demo.js') },
  report: { summary: 'daily, trading, system, risk, symbols or errors report of a log directory', load: () => import('./commands/report.js') },
  trades: { summary: 'trades linked from entry to exit: open positions with their age, one trade\'s events (--id)', load: () => import('./commands/trades.js') },
  export: { summary: 'events to CSV, JSON Lines or Parquet, filtered by range, types, symbols, sessions', load: () => import('./commands/export.js') },
  query: { summary: 'SQL (DuckDB) over the events of a log directory', load: () => import('./commands/query.js') },
  audit: { summary: 'find logging gaps in a TypeScript/JavaScript codebase', load: () => import('./commands/audit.js') },
  migrate: { summary: 'rewrite console.* to the central logger (--dry-run shows the diff, --undo restores)', load: () => import('./commands/migrate.js') },
  monitor: { summary: 'check and maintain a log directory (--dry-run, --maintenance-only)', load: () => import('./commands/monitor.js') },
  verify: { summary: 'check the hash chain and signed checkpoints of a log directory', load: () => import('./commands/verify.js') },
  serve: { summary: 'REST API, live stream, Prometheus metrics and API docs over a log directory', load: () => import('./commands/serve.js') },
  tail: { summary: 'follow the events of a log directory live, filtered and pretty-printed', load: () => import('./commands/tail.js') },
  alert: { summary: 'evaluate alert rules over a log directory or a fleet and notify (the guide\'s monitoring script as rules)', load: () => import('./commands/alert.js') },
  ship: { summary: 'follow log directories into ClickHouse (a fleet in one place; every event once)', load: () => import('./commands/ship.js') },
};

/** The version of this package (package.json sits beside dist/ in the repository and in an installed package alike). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The top level: commander lists the commands in the help, prints the version and suggests
 * the nearest command for a mistyped one. Each command parses its own options once loaded.
 */
function program(): Command {
  const p = new Command('daybook')
    .usage('<command> [options]')
    .description('Audit logging and analytics for trading bots: reports, export, queries, verification and a server over a log directory.')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'this help')
    .helpCommand('help [command]', "a command's help")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureHelp({ helpWidth: HELP_WIDTH })
    .configureOutput({
      writeOut: (s) => void process.stdout.write(s),
      writeErr: (s) => void process.stderr.write(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'daybook: ')),
    })
    .addHelpText('after', "\nRun daybook <command> --help for a command's options.\n");
  for (const [name, c] of Object.entries(COMMANDS)) p.command(name).description(c.summary);
  return p;
}

export function usage(): string {
  return program().helpInformation() + "\nRun daybook <command> --help for a command's options.\n";
}

/** Runs one command; returns the exit code (0 ok, 1 a check found a problem, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stdout.write(usage());
    return 2;
  }
  // Own entries only: `daybook toString` is a mistyped command, not Object.prototype's.
  const commandOf = (n: string | undefined) => (n !== undefined && Object.hasOwn(COMMANDS, n) ? COMMANDS[n] : undefined);
  const command = commandOf(name);
  if (command !== undefined) return (await command.load()).run(rest);
  // `daybook help report` is `daybook report --help`.
  const helped = name === 'help' ? commandOf(rest[0]) : undefined;
  if (helped !== undefined) return (await helped.load()).run(['--help']);
  // --help, --version, or a mistyped command (with the nearest one suggested).
  try {
    program().parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode !== 0) process.stderr.write(`\n${usage()}`);
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return 2;
}
