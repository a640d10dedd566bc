import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { ToolsError } from './errors.js';

/** Where migrate keeps the originals, as the Python tool did. */
export const BACKUP_ROOT = join('backups', 'logging_migration');

export interface ManifestEntry {
  file: string;
  before_sha256: string;
  after_sha256: string;
}

export interface Manifest {
  version: 1;
  created: string;
  files: ManifestEntry[];
  /** Set by --undo. */
  undone?: string;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** `2026-11-22T19-45-03-123Z`: sortable, and a valid file name everywhere. */
const stampOf = (d: Date): string => d.toISOString().replace(/[:.]/g, '-');

/**
 * Copies the originals under `backups/logging_migration/<timestamp>/files/` and writes the
 * manifest last: a backup directory with a manifest is complete.
 */
export function createBackup(root: string, files: readonly { file: string; after: string }[], now: Date): string {
  let dir = join(root, BACKUP_ROOT, stampOf(now));
  for (let i = 1; existsSync(dir); i++) dir = join(root, BACKUP_ROOT, `${stampOf(now)}-${i}`);
  const entries: ManifestEntry[] = [];
  for (const f of files) {
    // The bytes on disk, not the decoded text: undo must give back exactly what was there.
    const before = readFileSync(join(root, f.file));
    const path = join(dir, 'files', f.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, before);
    entries.push({ file: f.file, before_sha256: sha256(before), after_sha256: sha256(f.after) });
  }
  writeManifest(dir, { version: 1, created: now.toISOString(), files: entries });
  return dir;
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

export function readManifest(dir: string): Manifest {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch (e) {
    throw new ToolsError('DAYBOOK_E_TOOLS_NO_BACKUP', `${dir} holds no readable manifest.json`, { cause: e });
  }
}

/** Complete backup directories, oldest first. */
export function listBackups(root: string): string[] {
  const base = join(root, BACKUP_ROOT);
  if (!existsSync(base)) return [];
  return readdirSync(base).sort().map((d) => join(base, d)).filter((d) => existsSync(join(d, 'manifest.json')));
}
