/** Subcommands are imported lazily so that `daybook --help` does not load the server. */
const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }>> = {
  demo: { summary: 'run simulated trading bots that log through daybook', load: () => import('./commands/demo.js') },
  report: { summary: 'daily, trading, system, risk, symbols or errors report of a log directory', load: () => import('./commands/report.js') },
  export: { summary: 'events to CSV, JSON Lines or Parquet, filtered by range, types, symbols, sessions', load: () => import('./commands/export.js') },
  query: { summary: 'SQL (DuckDB) over the events of a log directory', load: () => import('./commands/query.js') },
  audit: { summary: 'find logging gaps in a TypeScript/JavaScript codebase', load: () => import('./commands/audit.js') },
  migrate: { summary: 'rewrite console.* to the central logger (--dry-run shows the diff, --undo restores)', load: () => import('./commands/migrate.js') },
  monitor: { summary: 'check and maintain a log directory (--dry-run, --maintenance-only)', load: () => import('./commands/monitor.js') },
  verify: { summary: 'check the hash chain and signed checkpoints of a log directory', load: () => import('./commands/verify.js') },
  serve: { summary: 'REST API, live stream, Prometheus metrics and API docs over a log directory', load: () => import('./commands/serve.js') },
  tail: { summary: 'follow the events of a log directory live, filtered and pretty-printed', load: () => import('./commands/tail.js') },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: daybook <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun daybook <command> --help for a command's options.\n`;
}

/** Runs one command; returns the exit code (0 ok, 1 a check found a problem, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`daybook: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(rest);
}
