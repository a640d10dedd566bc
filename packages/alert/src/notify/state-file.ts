import { readFileSync } from 'node:fs';
import { open, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The alerting state files (notifications.json, silences.json) are replaced whole and
 * atomically: a temp file beside the target, fsync, rename, fsync of the directory. A crash
 * leaves either the old file or the new one, never half of one, and the rename survives a
 * power cut. Asynchronous: the dispatcher writes while alerts are evaluated.
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(value, null, 1) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
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
