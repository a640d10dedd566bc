import { join } from 'node:path';
import { writeAll, type FileDriver, type FileIdentity } from './file-driver.js';
import { GZIP_HEADER_LATEST, gzipTrailer, LATEST_OFFSET, latestField } from './gzip-pieces.js';
import { deflateInBackground, finishJob, newJob } from './gzip-thread.js';
import { listBackups } from './rotation.js';

/** Input read per piece, into one buffer reused for the whole file (gzip-pieces.ts says why). */
const PIECE_BYTES = 1 << 20;

/** Runs `task` while no rotation renames backups (the writer's lock on the names of its files). */
export type Exclusive = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * Compresses a closed backup: gzip to `<name>.gz.tmp`, fdatasync, rename to `<name>.gz`, then
 * remove `<name>`. A crash before the rename leaves a tmp (deleted on the next start) and the
 * plain file; after it, both files (the plain one is deleted on the next start). Every line
 * is readable exactly once from the files recovery keeps, at any point. The file is read and
 * written a piece at a time, each piece deflated off the event loop at low priority
 * (gzip-thread.ts): memory stays at a few MB whatever maxFileSize is.
 *
 * Rotations go on meanwhile (a writer must not stop for a compression; measured: writers
 * waiting on it for 11 s of a 10 s run when logging outpaced the compressor), so the backup
 * may have been renamed to a higher number by the time its gzip is done: the last steps,
 * under `exclusive`, find it again by its inode and name the gzip after it. The tmp file keeps
 * the name it was opened under; it is only ever removed (here, or by recovery).
 */
async function compressFile(driver: FileDriver, dir: string, base: string, n: number, exclusive: Exclusive): Promise<void> {
  const tmp = join(dir, `${base}.${n}.gz.tmp`);
  // Opened under the lock: until the next rotation, the number names this file.
  const input = await exclusive(async () => {
    try {
      return driver.openRead(join(dir, `${base}.${n}`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  });
  if (input === undefined) return;
  await driver.unlink(tmp).catch(() => {});
  try {
    const source = driver.identity(input);
    const output = driver.openWrite(tmp);
    let done = false;
    try {
      await deflateFile(driver, input, output);
      done = await exclusive(async () => {
        const now = await findByIdentity(driver, dir, base, source);
        // Deleted meanwhile, by hand (retention runs after this, under the same lock): no gzip
        // may stand in for it, and verify reports it missing.
        if (now === undefined) return false;
        await driver.rename(tmp, join(dir, `${base}.${now}.gz`));
        await driver.fsyncDir(dir);
        await driver.unlink(join(dir, `${base}.${now}`));
        return true;
      });
    } finally {
      await driver.close(output).catch(() => {});
      // A half-written gzip is no use to anyone; the plain backup stays for the next attempt.
      if (!done) await driver.unlink(tmp).catch(() => {});
    }
  } finally {
    await driver.close(input).catch(() => {});
  }
}

/** Gzips all of `input` into `output`, fdatasync'ed. */
async function deflateFile(driver: FileDriver, input: number, output: number): Promise<void> {
  let pos = 0;
  const put = async (data: Buffer): Promise<void> => {
    await writeAll(driver, output, data, pos);
    pos += data.length;
  };
  await put(GZIP_HEADER_LATEST);
  // Shared with the compressor thread, which deflates it in place (gzip-thread.ts).
  const piece = Buffer.from(new SharedArrayBuffer(PIECE_BYTES));
  const job = newJob();
  let crc = 0;
  let size = 0;
  let latest: string | undefined;
  try {
    for (let n; (n = await driver.read(input, piece, size)) > 0; size += n) {
      const out = await deflateInBackground(piece.subarray(0, n), crc, job);
      crc = out.crc;
      await put(out.data);
    }
  } finally {
    // The header's latest-event field (gzip-pieces.ts), read by the thread as it deflated.
    latest = await finishJob(job);
  }
  await put(gzipTrailer(crc, size));
  await writeAll(driver, output, latestField(latest), LATEST_OFFSET);
  await driver.fdatasync(output);
}

/** The number the plain backup with this identity has now, if it is still there. */
async function findByIdentity(driver: FileDriver, dir: string, base: string, id: FileIdentity): Promise<number | undefined> {
  for (const b of listBackups(await driver.readdir(dir), base)) {
    if (!b.plain) continue;
    let fd: number;
    try {
      fd = driver.openRead(join(dir, `${base}.${b.n}`));
    } catch {
      continue;
    }
    try {
      const other = driver.identity(fd);
      if (other.dev === id.dev && other.ino === id.ino) return b.n;
    } finally {
      await driver.close(fd).catch(() => {});
    }
  }
  return undefined;
}

/**
 * Finishes what a crash or a failed compression left: removes unfinished tmp files and plain
 * copies of backups whose gzip is complete, then (with `compress`) compresses the backups
 * still plain, newest first: a compressor that fell behind the writes spends its time on the
 * backups retention keeps longest, and the oldest, next to be deleted, may go plain. Runs at
 * start and after every rotation (after retention: file-sink.ts), so a backup whose
 * compression failed (EIO, ENOSPC) is compressed at the next rotation rather than at the next
 * start. What it removes it decides under `exclusive`, from a listing taken there: a rotation
 * renames backups between any two awaits.
 */
export async function recoverBackups(driver: FileDriver, dir: string, base: string, compress: boolean, exclusive: Exclusive): Promise<void> {
  const plain = await exclusive(async () => {
    const backups = listBackups(await driver.readdir(dir), base);
    for (const b of backups) {
      if (b.tmp) await driver.unlink(join(dir, `${base}.${b.n}.gz.tmp`));
      if (b.gz && b.plain) await driver.unlink(join(dir, `${base}.${b.n}`));
    }
    return backups.filter((b) => b.plain && !b.gz).map((b) => b.n);
  });
  // A number renamed away meanwhile names an older plain backup, one already compressed, or
  // nothing: either is fine, and what is left plain is compressed after the next rotation.
  if (compress) for (const n of plain) await compressFile(driver, dir, base, n, exclusive);
}
