import { createReadStream, createWriteStream, existsSync, fsyncSync, openSync, closeSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { LogStream } from './log-dir.js';

export interface MaintenancePolicy {
  /** Backups older than this many days are deleted (the same number the retention check warns at). */
  retentionDays: number;
  /** Backups numbered above this are deleted. */
  backupCount: number;
  /** Compress uncompressed backups. */
  compress: boolean;
}

export interface MaintenanceAction {
  action: 'compress' | 'delete';
  file: string;
  /** Size of the file before the action. */
  bytes: number;
  /** Bytes given back to the disk: known once done (for a delete, also in a dry run). */
  freed: number;
  reason: string;
}

const DAY = 86_400_000;

/** What maintenance would do, from what is on disk (deletions first, so nothing is compressed and then deleted). */
export function planMaintenance(streams: readonly LogStream[], policy: MaintenancePolicy, now: number): MaintenanceAction[] {
  const deletes: MaintenanceAction[] = [];
  const compresses: MaintenanceAction[] = [];
  for (const s of streams) {
    for (const b of s.backups) {
      const ageDays = (now - b.mtimeMs) / DAY;
      const reason = ageDays > policy.retentionDays ? `older than ${policy.retentionDays} days (${Math.floor(ageDays)} days)`
        : b.n > policy.backupCount ? `beyond backupCount ${policy.backupCount}` : undefined;
      if (reason !== undefined) {
        if (!s.chained) deletes.push({ action: 'delete', file: b.file, bytes: b.bytes, freed: b.bytes, reason });
      } else if (policy.compress && !b.gz && !s.backups.some((o) => o.n === b.n && o.gz)) {
        compresses.push({ action: 'compress', file: b.file, bytes: b.bytes, freed: 0, reason: 'rotated backup not compressed' });
      }
    }
  }
  return [...deletes, ...compresses];
}

/**
 * gzip to a temporary name, fsync, rename, then remove the original: a crash at any step
 * leaves every line readable from exactly one of the two names (the storage engine's rule).
 * The backup keeps its modification time so that retention still sees its real age.
 */
async function compress(path: string): Promise<number> {
  const tmp = `${path}.gz.tmp`;
  const st = statSync(path);
  await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp));
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  utimesSync(tmp, st.atime, st.mtime);
  renameSync(tmp, `${path}.gz`);
  unlinkSync(path);
  return st.size - statSync(`${path}.gz`).size;
}

/** Carries out the plan, action by action; a failed action is reported and the rest still run. */
export async function runMaintenance(dir: string, plan: readonly MaintenanceAction[]): Promise<{ done: MaintenanceAction[]; failed: { file: string; message: string }[] }> {
  const done: MaintenanceAction[] = [];
  const failed: { file: string; message: string }[] = [];
  for (const a of plan) {
    const path = join(dir, a.file);
    if (!existsSync(path)) continue; // gone since the scan (the logger's own retention got there first)
    try {
      if (a.action === 'delete') {
        unlinkSync(path);
        done.push(a);
      } else {
        done.push({ ...a, freed: await compress(path) });
      }
    } catch (e) {
      failed.push({ file: a.file, message: `${a.action} failed: ${(e as Error).message}` });
    }
  }
  return { done, failed };
}
