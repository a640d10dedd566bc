import { join } from 'node:path';
import type { FileDriver } from './file-driver.js';
import { gzipInBackground } from './gzip-thread.js';
import { listBackups } from './rotation.js';

/**
 * Compresses a closed backup: gzip to `<name>.gz.tmp`, fdatasync, rename to `<name>.gz`, then
 * remove `<name>`. A crash before the rename leaves a tmp (deleted on the next start) and the
 * plain file; after it, both files (the plain one is deleted on the next start). Every line
 * is readable exactly once from the files recovery keeps, at any point. The file is read
 * whole (it is at most maxFileSize) and gzipped off the event loop at low priority
 * (gzip-thread.ts).
 */
export async function compressFile(driver: FileDriver, dir: string, name: string): Promise<void> {
  const src = join(dir, name);
  const tmp = src + '.gz.tmp';
  const data = await gzipInBackground(await driver.readFile(src));
  await driver.unlink(tmp).catch(() => {});
  const fd = driver.openWrite(tmp);
  try {
    let off = 0;
    while (off < data.length) off += await driver.write(fd, data.subarray(off), off);
    await driver.fdatasync(fd);
  } finally {
    await driver.close(fd).catch(() => {});
  }
  await driver.rename(tmp, src + '.gz');
  await driver.fsyncDir(dir);
  await driver.unlink(src);
}

/**
 * Finishes what a crash interrupted: removes unfinished tmp files and plain copies of backups
 * whose gzip is complete, then (with `compress`) compresses the backups still plain.
 */
export async function recoverBackups(driver: FileDriver, dir: string, base: string, compress: boolean): Promise<void> {
  for (const b of listBackups(await driver.readdir(dir), base)) {
    if (b.tmp) await driver.unlink(join(dir, `${base}.${b.n}.gz.tmp`));
    if (b.gz && b.plain) await driver.unlink(join(dir, `${base}.${b.n}`));
    else if (b.plain && compress) await compressFile(driver, dir, `${base}.${b.n}`);
  }
}
