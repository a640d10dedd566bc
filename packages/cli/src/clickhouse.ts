import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { ClickHouseConfigError, ClickHouseError, openClickHouse, type OpenedClickHouse } from '@daybook/clickhouse';

// `--clickhouse URL [--database D] [--bot B] [--host H]`: a command reads the fleet from
// ClickHouse instead of log directories. Errors name the server by its URL without
// credentials (connect.ts) and exit 2 for a bad URL, 1 when the server cannot be used.

export interface ClickHouseValues {
  clickhouse?: string;
  database?: string;
  bot?: string;
  host?: string;
}

/** Adds the options; `filters` adds --bot / --host (what a report narrows the fleet by). */
export function withClickHouseOptions(cmd: Command, filters = true): Command {
  cmd
    .option('--clickhouse <url>', 'read the fleet from ClickHouse (http://[user:password@]host:8123; or CLICKHOUSE_USER / CLICKHOUSE_PASSWORD) instead of --dir')
    .option('--database <name>', 'ClickHouse database holding the events table (default daybook)');
  if (filters) {
    cmd.option('--bot <name>', 'with --clickhouse: only this bot').option('--host <name>', 'with --clickhouse: only this host');
  }
  return cmd;
}

/** A usage problem of the options, or undefined. */
export function clickhouseUsage(v: ClickHouseValues, dirs: readonly string[] | undefined): string | undefined {
  if (v.clickhouse === undefined) {
    if (v.database !== undefined || v.bot !== undefined || v.host !== undefined) return '--database, --bot and --host read ClickHouse: give --clickhouse URL';
    return undefined;
  }
  if (dirs !== undefined && dirs.length > 0) return '--clickhouse reads the fleet from ClickHouse: leave out --dir';
  return undefined;
}

/** Opens the connection, or prints why not and gives the exit code. */
export async function openFleet(name: string, v: ClickHouseValues & { clickhouse: string }): Promise<OpenedClickHouse | number> {
  try {
    return await openClickHouse(v.clickhouse, v.database ?? 'daybook');
  } catch (e) {
    return clickhouseFailed(name, e);
  }
}

/** Prints a ClickHouse error and gives its exit code (2 a bad URL or name, 1 the server); rethrows anything else. */
export function clickhouseFailed(name: string, e: unknown): number {
  if (e instanceof ClickHouseConfigError) {
    process.stderr.write(`daybook ${name}: ${e.message} [${e.code}]\n`);
    return 2;
  }
  if (e instanceof ClickHouseError) {
    process.stderr.write(`daybook ${name}: ${e.message} [${e.code}]\n`);
    return 1;
  }
  throw e;
}

/** The bot a directory ships as (`daybook ship`'s default: the directory's name). */
export const botOfDir = (dir: string): string => basename(resolve(dir));
