import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The longest stretch of NUL bytes in what was read. */
export interface NulRun {
  /** Byte offset in the file (in the decompressed stream for a gzip). */
  offset: number;
  bytes: number;
}

/** What the lines of a log say about their health. */
export interface LineScan {
  lines: number;
  /** Lines in a format daybook knows: compact/verbose app lines or JSON events. */
  recognized: number;
  errorsLastHour: number;
  warningsLastHour: number;
  /** How many lines cannot be log records. */
  damagedLines: number;
  /** 1-based numbers (within what was read) of the first damaged lines (at most MAX_DAMAGED_LISTED). */
  damaged: number[];
  /** The last line has no newline: a write cut short. */
  tornTail: boolean;
  /** NUL bytes read, and the longest run of them (a crash that extended the file before its data reached the disk). */
  nulBytes: number;
  longestNulRun: NulRun | undefined;
}

export const MAX_DAMAGED_LISTED = 100;
/** A line longer than this is not kept in memory: it is damage whatever it holds. */
const MAX_LINE_BYTES = 1024 * 1024;

// `2025-08-30 21:49:03,511 | jit-mm-swift | INFO | ...`: asctime is UTC (see core's app-format).
const TEXT_LINE = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}),(\d{3}) \| [^|]*\| (DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL) \|/;

function parseLine(line: string): { time: number; level: string } | 'damaged' | 'other' {
  const m = TEXT_LINE.exec(line);
  if (m !== null) return { time: Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`), level: m[4]! };
  // A NUL or a replacement character (bytes that are not UTF-8) never belongs in a log line.
  if (line.includes('\u0000') || line.includes('\ufffd')) return 'damaged';
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as { timestamp?: unknown; level?: unknown };
      if (typeof o.timestamp === 'string' && typeof o.level === 'string') return { time: Date.parse(o.timestamp), level: o.level };
      return 'other';
    } catch {
      return 'damaged';
    }
  }
  // Tracebacks and other continuation lines of the Python loggers: not records, not damage.
  return 'other';
}

/**
 * Scans a log as it streams by, in chunks: memory stays at one line (at most `maxLineBytes`,
 * longer lines are counted as damage without being kept) whatever the file holds, and the
 * work is proportional to the bytes pushed. A crash can leave megabytes of NUL bytes with no
 * newline, which a split into lines would hold as one string.
 */
export class LineScanner {
  private readonly scan: LineScan = {
    lines: 0, recognized: 0, errorsLastHour: 0, warningsLastHour: 0, damagedLines: 0, damaged: [], tornTail: false, nulBytes: 0, longestNulRun: undefined,
  };
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overlong = false;
  private offset: number;
  private nulStart = -1;
  /** A read that starts mid-file drops the partial first line. */
  private skipping: boolean;

  constructor(private readonly now: number, private readonly windowMs = 3_600_000, options: { startOffset?: number; skipFirstLine?: boolean; maxLineBytes?: number } = {}) {
    this.offset = options.startOffset ?? 0;
    this.skipping = options.skipFirstLine ?? false;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  private readonly maxLineBytes: number;

  push(chunk: Buffer): void {
    this.trackNuls(chunk);
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.skipping) this.keep(chunk.subarray(pos, end));
      if (nl === -1) break;
      if (this.skipping) this.skipping = false;
      else this.endLine(false);
      pos = nl + 1;
    }
    this.offset += chunk.length;
  }

  end(): LineScan {
    const endsInNuls = this.nulStart >= 0;
    if (endsInNuls) this.closeNulRun(this.offset);
    if (!this.skipping && (this.pendingBytes > 0 || this.overlong)) {
      // A file that ends in NULs was cut by a crash: the NUL run is the report, not a torn line.
      this.scan.tornTail = !endsInNuls;
      this.endLine(true);
    }
    return this.scan;
  }

  private trackNuls(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.nulStart < 0) {
        const z = chunk.indexOf(0, i);
        if (z === -1) return;
        this.nulStart = this.offset + z;
        i = z;
      }
      while (i < chunk.length && chunk[i] === 0) i++;
      if (i < chunk.length) this.closeNulRun(this.offset + i);
    }
  }

  private closeNulRun(endOffset: number): void {
    const bytes = endOffset - this.nulStart;
    this.scan.nulBytes += bytes;
    if (this.scan.longestNulRun === undefined || bytes > this.scan.longestNulRun.bytes) this.scan.longestNulRun = { offset: this.nulStart, bytes };
    this.nulStart = -1;
  }

  private keep(part: Buffer): void {
    if (this.overlong || part.length === 0) {
      if (part.length > 0) this.pendingBytes += part.length;
      return;
    }
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.overlong = true;
      this.pending = [];
      this.pendingBytes += part.length;
      return;
    }
    this.pending.push(Buffer.from(part)); // a copy: the stream may reuse its chunk
    this.pendingBytes += part.length;
  }

  private endLine(last: boolean): void {
    const s = this.scan;
    s.lines++;
    const parsed = this.overlong ? 'damaged' : parseLine(stripCr(Buffer.concat(this.pending, this.pendingBytes).toString('utf8')));
    this.pending = [];
    this.pendingBytes = 0;
    this.overlong = false;
    if (parsed === 'damaged') {
      // A torn last line is reported as such, not as damage.
      if (last) return;
      s.damagedLines++;
      if (s.damaged.length < MAX_DAMAGED_LISTED) s.damaged.push(s.lines);
      return;
    }
    if (parsed === 'other') return;
    s.recognized++;
    if (!(this.now - parsed.time <= this.windowMs && parsed.time <= this.now + 60_000)) return;
    if (parsed.level === 'ERROR' || parsed.level === 'CRITICAL' || parsed.level === 'FATAL') s.errorsLastHour++;
    else if (parsed.level === 'WARNING' || parsed.level === 'WARN') s.warningsLastHour++;
  }
}

const stripCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** Scans text already in memory (the same rules as a streamed file). */
export function scanLines(text: string, now: number, windowMs = 3_600_000): LineScan {
  const scanner = new LineScanner(now, windowMs);
  scanner.push(Buffer.from(text, 'utf8'));
  return scanner.end();
}

/** Where a read began (`whole`: from the first byte) and what it found. */
export interface FileScan extends LineScan {
  whole: boolean;
}

const CHUNK = 64 * 1024;

/**
 * Streams a log file through a `LineScanner`: the last `tailBytes` of a plain file (from a
 * line start), all of a gzipped one (a gzip cannot be entered in the middle). Throws when the
 * file cannot be read or the gzip does not decompress.
 */
export async function scanFile(path: string, o: { now: number; windowMs?: number; gz?: boolean; size: number; tailBytes: number; maxLineBytes?: number }): Promise<FileScan> {
  const start = o.gz === true ? 0 : Math.max(0, o.size - o.tailBytes);
  const scanner = new LineScanner(o.now, o.windowMs, { startOffset: start, skipFirstLine: start > 0, maxLineBytes: o.maxLineBytes });
  const file = createReadStream(path, { start, highWaterMark: CHUNK });
  const stream: Readable = o.gz === true ? file.pipe(createGunzip({ chunkSize: CHUNK })) : file;
  if (o.gz === true) file.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) scanner.push(chunk as Buffer);
  } finally {
    file.destroy();
  }
  return { ...scanner.end(), whole: start === 0 };
}
