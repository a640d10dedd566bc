import { closeSync, openSync, readSync } from 'node:fs';
import { parseTimestamp } from './dates.js';
import type { ParseTask } from './pool.js';
import { readFileSegments, streamFile, type FileSegments } from './reader.js';
import { SegmentBuilder } from './segment.js';

// The latest event time in a file without parsing it: what lets a ranged load leave out the
// backups that end before its start (a dashboard's "today" on a directory no reader has seen
// reads one file instead of 1 GB). It must never call a file older than the parser would, so
// it only answers for files whose every line is a JSON object that begins with its timestamp
// (daybook's own lines), which the parser holds to that timestamp (lines.ts counts a line
// whose JSON says otherwise as bad); at the first other line it gives up, saying nothing.
// Bad lines of a file left out are not counted (see FileSource).

const PREFIX = Buffer.from('{"timestamp":"');
/** `YYYY-MM-DDTHH:MM:SS.mmmZ`: compared as bytes, its order is time order. */
const CANONICAL = 24;
const QUOTE = 0x22;
/** Larger than the parser's chunks: fewer calls per byte, and nothing is kept of them. */
const SCAN_CHUNK = 1 << 20;

class LatestScanner {
  /** The greatest canonical timestamp seen, as bytes (empty: none). */
  private canonical = Buffer.alloc(CANONICAL);
  private haveCanonical = false;
  /** The latest of the other forms (offsets, micro-seconds), in µs. */
  private other = -Infinity;
  unknown = false;
  private carry: Buffer | undefined;
  private atStart = true;

  push(chunk: Buffer): void {
    if (this.unknown) return;
    let buf = chunk;
    let pos = 0;
    if (this.carry !== undefined) {
      // Only the line that spans the chunks is copied, not the chunk.
      const nl = chunk.indexOf(10);
      if (nl < 0 || this.atStart) {
        buf = Buffer.concat([this.carry, chunk]);
      } else {
        const line = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
        if (!this.line(line, 0, line.length)) return;
        pos = nl + 1;
      }
      this.carry = undefined;
    }
    if (this.atStart && buf.length > 0) {
      if (buf.length < 3 && buf[0] === 0xef) {
        this.carry = buf; // a byte order mark may be split
        return;
      }
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    const end = buf.lastIndexOf(10) + 1;
    while (pos < end) {
      const nl = buf.indexOf(10, pos);
      if (!this.line(buf, pos, nl)) return;
      pos = nl + 1;
    }
    if (end < buf.length) this.carry = Buffer.from(buf.subarray(Math.max(end, pos)));
  }

  /** The file's last line, if it has no newline (a torn tail). */
  finish(): void {
    if (this.unknown || this.carry === undefined || this.carry.length === 0) return;
    const buf = this.carry;
    this.carry = undefined;
    this.line(buf, 0, buf.length);
  }

  /** Reads one line's timestamp; false (and unknown) when the line is not daybook's shape. */
  private line(buf: Buffer, start: number, end: number): boolean {
    let lineEnd = end;
    if (lineEnd > start && buf[lineEnd - 1] === 13) lineEnd--;
    // Byte loops, not Buffer.compare: these run per line, and a short loop beats the call.
    let ok = lineEnd - start > PREFIX.length;
    for (let i = 0; ok && i < PREFIX.length; i++) ok = buf[start + i] === PREFIX[i];
    if (!ok) {
      this.unknown = true;
      return false;
    }
    const at = start + PREFIX.length;
    if (at + CANONICAL < lineEnd && buf[at + CANONICAL] === QUOTE && buf[at + CANONICAL - 1] === 0x5a /* Z */ && buf[at + 10] === 0x54 /* T */) {
      const max = this.canonical;
      let i = 0;
      if (this.haveCanonical) while (i < CANONICAL && buf[at + i] === max[i]) i++;
      if (i < CANONICAL && (!this.haveCanonical || buf[at + i]! > max[i]!)) {
        buf.copy(max, i, at + i, at + CANONICAL);
        this.haveCanonical = true;
      }
      return true;
    }
    const q = buf.indexOf(QUOTE, at);
    if (q < 0 || q >= lineEnd) {
      this.unknown = true;
      return false;
    }
    const ts = parseTimestamp(buf.toString('utf8', at, q));
    // An unparseable timestamp makes a bad line, which has no event to miss.
    if (ts !== undefined && ts > this.other) this.other = ts;
    return true;
  }

  /** The latest event time in µs, -Infinity when there is none, undefined when unknown. */
  latest(): number | undefined {
    if (this.unknown) return undefined;
    let t = this.other;
    if (this.haveCanonical) {
      const c = parseTimestamp(this.canonical.toString('latin1'));
      // The greatest canonical string is not a date: a smaller one might be, and might be late.
      if (c === undefined) return undefined;
      if (c > t) t = c;
    }
    return t;
  }
}

/**
 * The time (µs) of the latest event in a file, read without parsing its lines; undefined when
 * the file has a line this scan cannot vouch for, or cannot be read (the parser then reports why).
 */
export async function latestEventTime(path: string, gz: boolean): Promise<number | undefined> {
  const s = new LatestScanner();
  if (gz) {
    if ((await streamFile(path, gz, 0, (b) => s.push(b), SCAN_CHUNK)) !== undefined) return undefined;
  } else if (!(await readPlain(path, s))) return undefined;
  s.finish();
  return s.latest();
}

/**
 * A plain file in synchronous reads into one buffer: from the page cache that is a copy,
 * cheaper than a stream's thread-pool round trip and fresh buffer per chunk (the scan would
 * otherwise wait half the time). It yields every few megabytes, since it may run on the
 * thread that serves requests.
 */
async function readPlain(path: string, s: LatestScanner): Promise<boolean> {
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (let n = 0; ; n++) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) return true;
      s.push(buf.subarray(0, got));
      if (s.unknown) return true;
      if (n % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The same over bytes in memory, given in pieces of `pieceBytes` as a read would (tests). */
export function latestEventTimeOf(bytes: Buffer, pieceBytes = bytes.length): number | undefined {
  const s = new LatestScanner();
  for (let i = 0; i < bytes.length; i += Math.max(1, pieceBytes)) s.push(bytes.subarray(i, i + Math.max(1, pieceBytes)));
  s.finish();
  return s.latest();
}

/**
 * A pool task: the file's segments, or, when `since` is given and every event in it is
 * earlier, none (`leftOut` says until when it has events).
 */
export async function readTask(t: ParseTask): Promise<FileSegments> {
  if (t.since !== undefined && t.start === 0) {
    const latest = await latestEventTime(t.path, t.gz);
    if (latest !== undefined && latest < t.since) return { segment: new SegmentBuilder(t.path, 1).finish(), tail: undefined, endOffset: 0, problems: [], leftOut: latest };
  }
  return readFileSegments(t.path, t.gz, t.start, t.size);
}
