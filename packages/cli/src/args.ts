import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Parses a command's arguments (every command shares it): the values and
 * positionals, or the exit code when there is nothing more to do (--help: 0, bad usage: 2).
 */
export function parseCommand(name: string, help: string, argv: string[], options: NonNullable<ParseArgsConfig['options']>, allowPositionals = false): { values: Values; positionals: string[] } | number {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals, options: { ...options, help: { type: 'boolean', short: 'h' } } });
    if (values.help === true) {
      process.stdout.write(help);
      return 0;
    }
    return { values, positionals };
  } catch (e) {
    return usageError(name, help, (e as Error).message);
  }
}

export function usageError(name: string, help: string, message: string): number {
  process.stderr.write(`daybook ${name}: ${message}\n\n${help}`);
  return 2;
}
