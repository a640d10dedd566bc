import { closeSync, fsyncSync, openSync, renameSync, statSync, writeSync } from 'node:fs';

/**
 * Writes `data` to a temporary file beside `path`, fsyncs it and renames it over `path`: a
 * crash leaves the old bytes or the new ones, never half a source file. Keeps the file's mode.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const mode = statSync(path, { throwIfNoEntry: false })?.mode ?? 0o644;
  const tmp = `${path}.daybook-${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode & 0o7777);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
