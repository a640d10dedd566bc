import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { close, createReadStream, open, read } from 'node:fs';
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

/**
 * Reads the complete lines of a plain file from byte `start` to its current end. `handler`
 * gets null for a line over maxLineBytes.
 */
export async function readPlain(path: string, start: number, maxLineBytes: number, handler: LineHandler, afterChunk?: AfterChunk, chunkBytes = 1 << 20): Promise<ReadEnd> {
  const fd = await openP(path, 'r');
  try {
    const split = new Splitter(start, maxLineBytes, handler);
    const buf = Buffer.allocUnsafe(chunkBytes);
    let at = start;
    for (;;) {
      const { bytesRead } = await readP(fd, buf, 0, chunkBytes, at);
      if (bytesRead === 0) return { end: split.pos };
      at += bytesRead;
      split.push(buf.subarray(0, bytesRead));
      await afterChunk?.();
    }
  } finally {
    await closeP(fd);
  }
}

/**
 * Reads the complete lines of a gzip file whose uncompressed bytes begin at a line start
 * `start` (earlier bytes are inflated and skipped: gzip cannot seek).
 */
export async function readGzip(path: string, start: number, maxLineBytes: number, handler: LineHandler, afterChunk?: AfterChunk): Promise<ReadEnd> {
  const file = createReadStream(path, { highWaterMark: 1 << 18 });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  const split = new Splitter(start, maxLineBytes, handler);
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
      split.push(chunk);
      await afterChunk?.();
    }
    return { end: split.pos };
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

/** Reads a file's lines (gzip or plain) from `start`. */
export function readLines(path: string, gz: boolean, start: number, maxLineBytes: number, handler: LineHandler, afterChunk?: AfterChunk): Promise<ReadEnd> {
  return gz ? readGzip(path, start, maxLineBytes, handler, afterChunk) : readPlain(path, start, maxLineBytes, handler, afterChunk);
}

/**
 * A file's identity: the SHA-256 of its first line (newline included). Every line of an
 * audit log holds a fresh event id (and, chained, its predecessor's hash), so two files of a
 * directory never share a first line, while a rotation (rename) and a gzip (same bytes) keep
 * it. Undefined while the file has no complete line yet.
 */
export async function fileHead(path: string, gz: boolean, maxLineBytes: number): Promise<string | undefined> {
  const h = createHash('sha256');
  let found = false;
  let bytes = 0;
  const collect = (b: Buffer) => {
    bytes += b.length;
    h.update(b);
  };
  // Read the first line's bytes only (a line over the maximum is hashed as far as it goes).
  const onChunk = async (stream: AsyncIterable<Buffer>) => {
    for await (const c of stream) {
      const nl = c.indexOf(10);
      if (nl >= 0) {
        collect(c.subarray(0, nl + 1));
        found = true;
        return;
      }
      collect(c);
      if (bytes > maxLineBytes) {
        found = true;
        return;
      }
    }
  };
  const file = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    if (gz) {
      const gunzip = createGunzip({ chunkSize: 1 << 16 });
      file.on('error', (e) => gunzip.destroy(e));
      file.pipe(gunzip);
      try {
        await onChunk(gunzip as AsyncIterable<Buffer>);
      } finally {
        gunzip.destroy();
      }
    } else {
      await onChunk(file as AsyncIterable<Buffer>);
    }
  } finally {
    file.destroy();
    if (!file.closed) await once(file, 'close').catch(() => undefined);
  }
  return found ? h.digest('hex') : undefined;
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
