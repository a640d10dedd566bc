import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The alerting state files (state.json, notifications.json, silences.json) are replaced whole
 * and atomically: a temp file beside the target, fsync, rename, fsync of the directory. A
 * crash leaves either the old file or the new one, never half of one, and the rename survives
 * a power cut. A failed write (read-only directory, full disk) removes its temp file and
 * throws; the target is untouched.
 */

let writes = 0;
/** Unique per write in this process: two writes of one file never share a temp file. */
const tempOf = (path: string): string => `${path}.${process.pid}.${++writes}.tmp`;
const text = (value: unknown): string => JSON.stringify(value, null, 1) + '\n';

/** Asynchronous: the dispatcher and silences write while alerts are evaluated. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempOf(path);
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text(value));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Synchronous: the evaluator's state, written at the end of each evaluation before its transitions are handed on. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = tempOf(path);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      const buf = Buffer.from(text(value), 'utf8');
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** The parsed file; undefined when it does not exist. Throws on a file that is there but unreadable or not JSON. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as unknown;
}
