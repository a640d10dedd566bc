import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// chdb: a current ClickHouse in-process (npm `chdb`), used only by tests to check that the
// DDL and every query also run on a current server. `.ci/run` installs it outside the
// workspace (users never download it) and names it in DAYBOOK_CHDB_DIR. Absent on a
// developer's machine, the tests that need it skip saying so; in CI its absence fails them.

export interface ChdbSession {
  query(sql: string, format?: string): string;
  cleanup?(): void;
}

/** Why chdb tests cannot run here, or undefined when they can. */
export function chdbMissing(): string | undefined {
  const dir = process.env.DAYBOOK_CHDB_DIR;
  if (dir !== undefined && existsSync(join(dir, 'package.json'))) return undefined;
  const why = 'chdb not installed: set DAYBOOK_CHDB_DIR to an npm install of chdb@3.4.0 outside the workspace (as .ci/run does)';
  if (process.env.CI === 'true') throw new Error(`CI must run the current-ClickHouse checks: ${why}`);
  return why;
}

/** A new chdb session (a fresh in-memory server state). */
export async function chdbSession(): Promise<ChdbSession> {
  const dir = process.env.DAYBOOK_CHDB_DIR!;
  const pkg = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { Session: new () => ChdbSession };
  return new pkg.Session();
}
