import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { listBackups, readManifest, sha256, writeManifest } from './backup.js';
import { ToolsError } from './errors.js';

export interface UndoResult {
  backupDir: string;
  restored: string[];
}

/**
 * Puts back the files of a migration (the latest one not yet undone, or the one named) byte
 * for byte. A file edited since the migration is not overwritten unless `force`: all files are
 * checked before the first one is restored, so a refusal changes nothing.
 */
export function undoMigration(root: string, options: { stamp?: string; force?: boolean } = {}): UndoResult {
  const backups = listBackups(root);
  const dir = options.stamp !== undefined
    ? backups.find((d) => basename(d) === options.stamp)
    : [...backups].reverse().find((d) => readManifest(d).undone === undefined);
  if (dir === undefined) {
    throw new ToolsError('DAYBOOK_E_TOOLS_NO_BACKUP', options.stamp !== undefined ? `no migration backup named ${options.stamp} in ${root}` : `no migration left to undo in ${root}`);
  }
  const manifest = readManifest(dir);
  const conflicts = manifest.files.filter((f) => {
    const path = join(root, f.file);
    return !existsSync(path) || sha256(readFileSync(path)) !== f.after_sha256;
  });
  if (conflicts.length > 0 && options.force !== true) {
    throw new ToolsError('DAYBOOK_E_TOOLS_UNDO_CONFLICT', `changed since the migration: ${conflicts.map((f) => f.file).join(', ')}`);
  }
  for (const f of manifest.files) writeFileAtomic(join(root, f.file), readFileSync(join(dir, 'files', f.file)));
  writeManifest(dir, { ...manifest, undone: new Date().toISOString() });
  return { backupDir: dir, restored: manifest.files.map((f) => f.file) };
}
