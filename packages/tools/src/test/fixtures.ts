import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(PACKAGE, 'fixtures');

/**
 * A scratch copy of a fixture inside the package (under .tmp/, ignored by git), so that
 * `@daybook/core`, `@types/node` and `typescript` resolve from the workspace's node_modules
 * as they would in a real project that installed them.
 */
export function copyFixture(name: string): string {
  const base = join(PACKAGE, '.tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export const removeCopy = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/** Every file under dir (relative path → sha256), backups and logs excluded. */
export function treeHashes(dir: string, skip: readonly string[] = ['backups', 'logs']): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip.some((s) => rel === s || rel.startsWith(s + '/'))) continue;
      if (e.isDirectory()) walk(p);
      else out.set(rel, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

/** The real `tsc --noEmit -p <dir>`, in a child process: status 0 means the project type-checks. */
export function runTsc(dir: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', dir], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}
