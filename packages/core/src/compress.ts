import { join } from 'node:path';
import { writeAll, type FileDriver } from './file-driver.js';
import { GZIP_HEADER, gzipTrailer } from './gzip-pieces.js';
import { deflateInBackground } from './gzip-thread.js';
import { listBackups } from './rotation.js';

/** Input read per piece, into one buffer reused for the whole file (gzip-pieces.ts says why). */
const PIECE_BYTES = 1 << 20;

/**
 * Compresses a closed backup: gzip to `<name>.gz.tmp`, fdatasync, rename to `<name>.gz`, then
 * remove `<name>`. A crash before the rename leaves a tmp (deleted on the next start) and the
 * plain file; after it, both files (the plain one is deleted on the next start). Every line
 * is readable exactly once from the files recovery keeps, at any point. The file is read and
 * written a piece at a time, each piece deflated off the event loop at low priority
 * (gzip-thread.ts): memory stays at a few MB whatever maxFileSize is.
 */
export async function compressFile(driver: FileDriver, dir: string, name: string): Promise<void> {
  const src = join(dir, name);
  const tmp = src + '.gz.tmp';
  await driver.unlink(tmp).catch(() => {});
  const input = driver.openRead(src);
  try {
    const output = driver.openWrite(tmp);
    let done = false;
    try {
      let pos = 0;
      const put = async (data: Buffer): Promise<void> => {
        await writeAll(driver, output, data, pos);
        pos += data.length;
      };
      await put(GZIP_HEADER);
      // Shared with the compressor thread, which deflates it in place (gzip-thread.ts).
      const piece = Buffer.from(new SharedArrayBuffer(PIECE_BYTES));
      let crc = 0;
      let size = 0;
      for (let n; (n = await driver.read(input, piece, size)) > 0; size += n) {
        const out = await deflateInBackground(piece.subarray(0, n), crc);
        crc = out.crc;
        await put(out.data);
      }
      await put(gzipTrailer(crc, size));
      await driver.fdatasync(output);
      done = true;
    } finally {
      await driver.close(output).catch(() => {});
      // A half-written gzip is no use to anyone; the plain backup stays for the next attempt.
      if (!done) await driver.unlink(tmp).catch(() => {});
    }
  } finally {
    await driver.close(input).catch(() => {});
  }
  await driver.rename(tmp, src + '.gz');
  await driver.fsyncDir(dir);
  await driver.unlink(src);
}

/**
 * Finishes what a crash or a failed compression left: removes unfinished tmp files and plain
 * copies of backups whose gzip is complete, then (with `compress`) compresses the backups
 * still plain. Runs at start and after every rotation, so a backup whose compression failed
 * (EIO, ENOSPC) is compressed at the next rotation rather than at the next start.
 */
export async function recoverBackups(driver: FileDriver, dir: string, base: string, compress: boolean): Promise<void> {
  for (const b of listBackups(await driver.readdir(dir), base)) {
    if (b.tmp) await driver.unlink(join(dir, `${base}.${b.n}.gz.tmp`));
    if (b.gz && b.plain) await driver.unlink(join(dir, `${base}.${b.n}`));
    else if (b.plain && compress) await compressFile(driver, dir, `${base}.${b.n}`);
  }
}
