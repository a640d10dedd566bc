import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { splitLink } from './chain.js';
import type { FileDriver } from './file-driver.js';

/**
 * verify's reading of one log file, line by line, in bounded memory: plain files in 64 KiB
 * positional reads, `.gz` files through a streaming gunzip (the same zlib code as gunzipSync:
 * the same bytes out and the same error message for a damaged or cut file). Lines are streamed
 * rather than a file gunzipped and split whole because a file is up to 50 MB of text
 * (maxFileSize) and a backup of another writer's size can be anything: a window of lines is
 * all the checks need.
 */

// Below V8's large-object size (128 KiB), so each chunk's decoded text dies young in the
// scavenger instead of piling up until a full GC: 1 MiB chunks peaked at 295 MB RSS on the
// 1 GB directory.
const CHUNK = 64 * 1024;

function* rawChunks(driver: FileDriver, fd: number): Generator<Buffer> {
  for (let pos = 0; ;) {
    // A fresh buffer each time: the gunzip stream may still hold the previous one.
    const buf = Buffer.allocUnsafe(CHUNK);
    const n = driver.readSync(fd, buf, pos);
    if (n === 0) return;
    pos += n;
    yield buf.subarray(0, n);
  }
}

function byteChunks(driver: FileDriver, fd: number, gz: boolean): AsyncIterable<Buffer> | Iterable<Buffer> {
  if (!gz) return rawChunks(driver, fd);
  // pipeline hands a read error or a zlib error to the last stream, so the loop below throws it.
  return pipeline(Readable.from(rawChunks(driver, fd), { objectMode: false }), createGunzip({ chunkSize: CHUNK }), () => {}) as AsyncIterable<Buffer>;
}

/**
 * Calls `onLine` with each complete line (without `\n`) of the file open at `fd`, from its start,
 * until it returns false. Returns the text after the last newline ('' if none), or undefined if
 * stopped early. Throws what reading or decompressing throws. Text is decoded a run of whole
 * lines at a time: a `\n` byte is never inside a UTF-8 sequence, so this is the same text as
 * decoding the file whole. `onBytes` sees the (gunzipped) bytes as they are read.
 */
export async function readLines(driver: FileDriver, fd: number, gz: boolean, onLine: (line: string) => boolean | void, onBytes?: (chunk: Buffer) => void): Promise<string | undefined> {
  // The pieces of a line longer than a chunk, joined once its newline comes: joining them at
  // every chunk copied the line so far each time, quadratic in its length (a 40 MB line took
  // a minute; the logger writes lines of 100 MB).
  let carry: Buffer[] = [];
  for await (const chunk of byteChunks(driver, fd, gz)) {
    onBytes?.(chunk);
    const nl = chunk.lastIndexOf(10);
    if (nl < 0) {
      // The reader's buffers are fresh per read; gunzip's output is its own too.
      carry.push(chunk);
      continue;
    }
    const head = carry.length === 0 ? chunk.subarray(0, nl) : Buffer.concat([...carry, chunk.subarray(0, nl)]);
    carry = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
    for (const line of head.toString('utf8').split('\n')) if (onLine(line) === false) return undefined;
  }
  return carry.length === 0 ? '' : Buffer.concat(carry).toString('utf8');
}

/** The file's first line, or the text before EOF if it has no newline ('' for an empty file). */
export async function firstLine(driver: FileDriver, fd: number, gz: boolean): Promise<string> {
  let first: string | undefined;
  const tail = await readLines(driver, fd, gz, (line) => {
    first = line;
    return false;
  });
  return first ?? tail ?? '';
}

/** The link of the file's first line: undefined if it carries none or cannot be read. */
export async function firstLink(driver: FileDriver, fd: number, gz: boolean): Promise<string | undefined> {
  try {
    return splitLink(await firstLine(driver, fd, gz))?.hash;
  } catch {
    return undefined;
  }
}
