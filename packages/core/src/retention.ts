import { join } from 'node:path';
import type { FileDriver } from './file-driver.js';
import { backupName, listBackups } from './rotation.js';

export interface RetentionPolicy {
  /** Backups kept; older ones are deleted. */
  backupCount: number;
  /** Backups last written longer ago than this are deleted. */
  retentionDays?: number;
}

export interface Pruned {
  name: string;
  /** 1 for the newest backup: its generation is the current one minus this. */
  rank: number;
}

/**
 * Deletes the backups of `base` that the policy does not keep. It decides from what is on
 * disk (names and modification times), not from what this process rotated, so it is right
 * after a restart and for files an earlier version left behind. Never touches `base` itself.
 */
export async function applyRetention(
  driver: FileDriver, dir: string, base: string, policy: RetentionPolicy,
  /** Called before each deletion (the chain records the intent first, so a crash between cannot look like tampering). */
  beforeDelete: (p: Pruned) => Promise<void> = async () => {}, now = Date.now(),
): Promise<Pruned[]> {
  const backups = listBackups(await driver.readdir(dir), base).filter((b) => b.plain || b.gz);
  const cutoff = policy.retentionDays === undefined ? -Infinity : now - policy.retentionDays * 86_400_000;
  const pruned: Pruned[] = [];
  for (let i = 0; i < backups.length; i++) {
    const b = backups[i]!;
    const name = backupName(base, b);
    let drop = i >= policy.backupCount;
    if (!drop && cutoff > -Infinity) {
      const st = await driver.stat(join(dir, name));
      drop = st !== undefined && st.mtimeMs < cutoff;
    }
    if (!drop) continue;
    await beforeDelete({ name, rank: i + 1 });
    if (b.gz) await driver.unlink(join(dir, `${base}.${b.n}.gz`));
    if (b.plain) await driver.unlink(join(dir, `${base}.${b.n}`));
    pruned.push({ name, rank: i + 1 });
  }
  return pruned;
}
