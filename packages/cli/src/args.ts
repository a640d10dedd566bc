import { Command, CommanderError, Option } from 'commander';

export { Option };

export type Values = Record<string, string | boolean | string[] | undefined>;

/** Help is laid out for this width whatever the terminal, so that it reads the same in a pipe, a test and a README. */
export const HELP_WIDTH = 100;

/**
 * A command's definition: commander checks its options, generates its help (`Usage: daybook
 * <name> <usage>`, the description, every option) and suggests the nearest option for a
 * mistyped one. `after` is printed below the options (exit codes, examples).
 */
export function defineCommand(name: string, usage: string, description: string, after?: string): Command {
  const cmd = new Command(`daybook ${name}`)
    .usage(usage)
    .description(description)
    .helpOption('-h, --help', 'this help')
    .exitOverride()
    .showHelpAfterError(true)
    .showSuggestionAfterError(true)
    .configureHelp({ helpWidth: HELP_WIDTH, sortOptions: false })
    .configureOutput({
      writeOut: (s) => void process.stdout.write(s),
      writeErr: (s) => void process.stderr.write(s),
      // "error: unknown option" -> "daybook report: unknown option", as every other message of the command.
      outputError: (s, write) => write(s.replace(/^error: /, `daybook ${name}: `)),
    });
  if (after !== undefined) cmd.addHelpText('after', `\n${after.trimEnd()}\n`);
  return cmd;
}

/** For an option given more than once (`--dir a --dir b`): the values in order. */
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Parses a command's arguments: the values, keyed by the option's long name as typed
 * (`'periods-per-year'`, `'no-index'`: true when given), and the positionals; or the exit
 * code when there is nothing more to do (--help: 0, bad usage: 2).
 */
export function parseCommand(cmd: Command, argv: readonly string[]): { values: Values; positionals: string[] } | number {
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const opts = cmd.opts<Record<string, string | boolean | string[] | undefined>>();
  const values: Values = {};
  for (const o of cmd.options) {
    if (o.long === undefined || o.long === '--help') continue;
    const v = opts[o.attributeName()];
    // `--no-index` alone makes commander default `index` to true; `'no-index'` is true only when typed.
    values[o.long.slice(2)] = o.negate ? (v === false ? true : undefined) : o.isBoolean() ? (v === true ? true : undefined) : v;
  }
  return { values, positionals: [...cmd.args] };
}

/** Bad usage found after parsing: the message, the command's help, exit code 2. */
export function usageError(cmd: Command, message: string): number {
  process.stderr.write(`${cmd.name()}: ${message}\n\n`);
  cmd.outputHelp({ error: true });
  return 2;
}
