import { join } from 'node:path';
import type { FileDriver } from './file-driver.js';

/**
 * Numbered backups of one log file, as Python's RotatingFileHandler names them: `audit.log.1`
 * is the newest, `.gz` once compressed. A crash in the middle of shifting can leave a gap in
 * the numbers (`.1 .2 .4`); a gap is harmless (the hash chain, not the number, orders files)
 * and is never filled by overwriting.
 */
export interface Backup {
  n: number;
  plain: boolean;
  gz: boolean;
  /** A compression that did not finish (crash): `audit.log.3.gz.tmp`. */
  tmp: boolean;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Backups of `base` among `names`, newest (lowest number) first. */
export function listBackups(names: readonly string[], base: string): Backup[] {
  const re = new RegExp('^' + escape(base) + '\\.([1-9]\\d*)(\\.gz)?(\\.tmp)?$');
  const byN = new Map<number, Backup>();
  for (const name of names) {
    const m = re.exec(name);
    if (m === null) continue;
    const n = Number(m[1]);
    const b = byN.get(n) ?? { n, plain: false, gz: false, tmp: false };
    if (m[3] !== undefined) {
      if (m[2] !== undefined) b.tmp = true;
      else continue;
    } else if (m[2] !== undefined) b.gz = true;
    else b.plain = true;
    byN.set(n, b);
  }
  return [...byN.values()].sort((a, b) => a.n - b.n);
}

/** The file that holds a backup's lines: the gzip once it exists (it is complete once renamed). */
export function backupName(base: string, b: Backup): string {
  return b.gz ? `${base}.${b.n}.gz` : `${base}.${b.n}`;
}

/**
 * Moves `base` to `base.1`, first shifting the contiguous run `.1 … .k` up by one (highest
 * first, so no rename overwrites a file). Each rename is atomic; a crash between two leaves a
 * gap, never a lost or doubled file.
 *
 * A plain backup beside its gzip is what a crash between a compression's rename and its unlink
 * leaves (compress.ts); the gzip is complete, so the plain copy is removed here, before the
 * gzip moves. Shifted as a file of its own (as before), a kill between the two renames left
 * `.4` beside `.3.gz`: one generation in two numbers, which verify rightly calls a copy, and
 * which the next compression would have made two gzips that reports count twice. The writer's
 * next start may rotate before its recovery removes such a copy (both run at open).
 */
export async function shiftAndRename(driver: FileDriver, dir: string, base: string): Promise<void> {
  const backups = listBackups(await driver.readdir(dir), base);
  let k = 0;
  while (k < backups.length && backups[k]!.n === k + 1) k++;
  for (let i = k - 1; i >= 0; i--) {
    const b = backups[i]!;
    if (b.plain && b.gz) await driver.unlink(join(dir, `${base}.${b.n}`));
    else if (b.plain) await driver.rename(join(dir, `${base}.${b.n}`), join(dir, `${base}.${b.n + 1}`));
    if (b.gz) await driver.rename(join(dir, `${base}.${b.n}.gz`), join(dir, `${base}.${b.n + 1}.gz`));
  }
  await driver.rename(join(dir, base), join(dir, `${base}.1`));
  await driver.fsyncDir(dir);
}
