import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { close, constants, createReadStream, fstat, open, read } from 'node:fs';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { readLine, type LineSink } from '@daybook/analytics';

// The lines of one log file, as the file analyzer reads them (analytics' readLine on every
// complete line; a UTF-8 BOM at the start skipped, a line over maxLineBytes or not UTF-8
// counted bad), each with its byte offset in the file's uncompressed bytes: the offset is
// what the shipper's position counts, and it is the same in `audit.log`, `audit.log.1` and
// `audit.log.1.gz` (a rotation renames, a gzip keeps the bytes), so a position survives both.

const openP = promisify(open);
const readP = promisify(read);
const closeP = promisify(close);
const fstatP = promisify(fstat);

/** Receives each complete line's bytes (null: longer than maxLineBytes), its offset, and the offset after its `\n`. */
export type LineHandler = (line: Buffer | null, offset: number, end: number) => void;
/** Called after each chunk's lines: the reader waits for it (backpressure: a batch being inserted). */
export type AfterChunk = () => Promise<void> | void;

/** How reading a file ended: `end` the byte after the last complete line handed out. */
export interface ReadEnd {
  end: number;
}

/**
 * Splits a byte stream into lines from `start` (a position at a line start). Bytes after the
 * last `\n` are held (a line being written) and never handed out; a line longer than
 * `maxLineBytes` is handed out as a zero-length marker with `tooLong` so that memory holds at
 * most one such line.
 */
class Splitter {
  private carry: Buffer[] = [];
  private pending = 0;
  private skipping = false;

  constructor(public pos: number, private readonly maxLineBytes: number, private readonly onLine: LineHandler) {}

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(10, i);
      if (nl < 0) {
        this.hold(chunk.subarray(i));
        return;
      }
      let line: Buffer | null;
      if (this.pending === 0) line = nl - i > this.maxLineBytes ? null : chunk.subarray(i, nl);
      else {
        this.hold(chunk.subarray(i, nl));
        line = this.skipping ? null : Buffer.concat([...this.carry], this.pending);
      }
      const len = this.pending === 0 ? nl - i : this.pending;
      const offset = this.pos;
      this.pos += len + 1;
      this.carry = [];
      this.pending = 0;
      this.skipping = false;
      this.onLine(line, offset, this.pos);
      i = nl + 1;
    }
  }

  private hold(b: Buffer): void {
    this.pending += b.length;
    if (this.skipping) return;
    if (this.pending > this.maxLineBytes) {
      this.skipping = true;
      this.carry = [];
      return;
    }
    // A copy: the chunk's buffer is reused by the reader.
    if (b.length > 0) this.carry.push(Buffer.from(b));
  }
}

/** A log file opened once: its head and its lines are read through the same descriptor, so a rotation that renames a new file into its name between the two cannot mix them. */
export interface OpenLog {
  fd: number;
  gz: boolean;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export async function openLog(path: string, gz: boolean): Promise<OpenLog> {
  const fd = await openP(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fstatP(fd);
    // A FIFO or device put in place of a log would block or never end (as analytics' openRegular).
    if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
    return { fd, gz, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    await closeP(fd);
    throw e;
  }
}

export function closeLog(f: OpenLog): Promise<void> {
  return closeP(f.fd);
}

/** The file's uncompressed bytes from `start`, chunk by chunk (gzip inflated from its beginning: it cannot seek). */
async function* bytesOf(f: OpenLog, start: number): AsyncGenerator<Buffer> {
  if (!f.gz) {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let at = start; ; ) {
      const { bytesRead } = await readP(f.fd, buf, 0, CHUNK, at);
      if (bytesRead === 0) return;
      at += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  }
  // The descriptor is the caller's (closeLog): a stream's destroy() would close it even with
  // autoClose off, and a second close could hit a descriptor reused by another open meanwhile.
  const file = createReadStream('', { fd: f.fd, start: 0, autoClose: false, highWaterMark: 1 << 18, fs: { read, close: KEEP_OPEN } });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  let at = 0;
  try {
    for await (const c of gunzip) {
      let chunk = c as Buffer;
      if (at + chunk.length <= start) {
        at += chunk.length;
        continue;
      }
      if (at < start) chunk = chunk.subarray(start - at);
      at = Math.max(at, start) + chunk.length;
      yield chunk;
    }
  } finally {
    file.unpipe(gunzip);
    gunzip.destroy();
    file.destroy();
  }
}

const CHUNK = 1 << 20;
const KEEP_OPEN = (_fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => cb(null);

/**
 * Reads the complete lines from byte `start` (a line start) to the file's current end:
 * `handler` gets each (null for a line over maxLineBytes), `afterChunk` is awaited after each
 * chunk (backpressure). Bytes after the last newline are not handed out.
 */
export async function readLines(f: OpenLog, start: number, maxLineBytes: number, handler: LineHandler, afterChunk?: AfterChunk): Promise<ReadEnd> {
  const split = new Splitter(start, maxLineBytes, handler);
  for await (const chunk of bytesOf(f, start)) {
    split.push(chunk);
    await afterChunk?.();
  }
  return { end: split.pos };
}

/**
 * A file's identity: the SHA-256 of its first line (newline included). Every line of an
 * audit log holds a fresh event id (and, chained, its predecessor's hash), so two files of a
 * directory never share a first line, while a rotation (rename) and a gzip (same bytes) keep
 * it. Undefined while the file has no complete line yet.
 */
export async function fileHead(f: OpenLog, maxLineBytes: number): Promise<string | undefined> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of bytesOf(f, 0)) {
    const nl = c.indexOf(10);
    if (nl >= 0) return h.update(c.subarray(0, nl + 1)).digest('hex');
    h.update(c);
    bytes += c.length;
    // A first line over the maximum: known by its first maxLineBytes.
    if (bytes > maxLineBytes) return h.digest('hex');
  }
  return undefined;
}

/** Classifies one line's bytes as analytics' LineSplitter does (null: over maxLineBytes). */
export function classifyLine(line: Buffer | null, sink: LineSink, atFileStart: boolean): void {
  if (line === null) {
    sink.bad.too_long++;
    return;
  }
  // A UTF-8 byte order mark at the very start of the file is not part of the line.
  if (atFileStart && line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
  if (!isUtf8(line)) {
    sink.bad.invalid_utf8++;
    return;
  }
  readLine(line.toString('utf8'), sink);
}
