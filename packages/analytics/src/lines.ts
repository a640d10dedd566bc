import { isUtf8 } from 'node:buffer';
import type { BadLineCounts } from './bad-lines.js';
import { parseTimestamp } from './dates.js';

/** Where classified lines go: a SegmentBuilder for metrics, an exporter for export. */
export interface LineSink {
  readonly bad: BadLineCounts;
  /** A JSON object with a string event_id and a parseable timestamp (`ts`, micro-seconds since the epoch); `line` is its text. */
  add(o: Record<string, unknown>, ts: number, line: string): void;
  /** A text line of an app log (Drift format). */
  addAppLine(ts: number, timestamp: string, app: string, level: string, message: string): void;
}

const BLANK = /^\s*$/;
// `2025-08-30 21:49:03,511 | app | LEVEL | message` (the verbose console format puts
// `function:line |` before the message; it stays part of the message).
// A hash-chained app log line ends with a tab and its 64-hex link (core's chain.ts): not
// part of the message.
const APP_LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d+)?) \| ([^|]*?) \| ([A-Za-z]+) \| ?(.*?)(?:\t[0-9a-f]{64})?$/s;

/**
 * Classifies one line (without its `\n`; a trailing `\r` is dropped here) and hands it to the
 * sink, or counts it as bad by kind. Never throws on input.
 */
export function readLine(line: string, sink: LineSink): void {
  if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  if (line.charCodeAt(0) !== 123 /* { */) {
    if (BLANK.test(line)) {
      sink.bad.blank++;
      return;
    }
    const m = APP_LINE.exec(line);
    if (m !== null) {
      const ts = parseTimestamp(m[1]!);
      if (ts === undefined) sink.bad.invalid_timestamp++;
      else sink.addAppLine(ts, m[1]!, m[2]!, m[3]!, m[4]!);
      return;
    }
  }
  let o: unknown;
  try {
    o = JSON.parse(withoutLink(line));
  } catch {
    sink.bad.invalid_json++;
    return;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    sink.bad.not_object++;
    return;
  }
  const rec = o as Record<string, unknown>;
  if (typeof rec.event_id !== 'string') {
    sink.bad.missing_event_id++;
    return;
  }
  const t = rec.timestamp;
  const ts = typeof t === 'string' && leadingTimestampAgrees(line, t) ? parseTimestamp(t) : undefined;
  if (ts === undefined) {
    sink.bad.invalid_timestamp++;
    return;
  }
  sink.add(rec, ts, line);
}

const LEADING = '{"timestamp":"';

/**
 * A line that begins with its timestamp (daybook's own) must mean that one: JSON.parse keeps
 * the last of repeated keys, so a second "timestamp" (or one spelled with \u escapes) would
 * date the event differently from the first. Such a line is ambiguous and counted as bad,
 * which also lets scan.ts date a file from the leading timestamps alone.
 */
function leadingTimestampAgrees(line: string, t: string): boolean {
  if (!line.startsWith(LEADING)) return true;
  const q = line.indexOf('"', LEADING.length);
  return q - LEADING.length === t.length && line.startsWith(t, LEADING.length);
}

const LINK_SUFFIX = 75; // ,"hash":"<64 hex>"}

function isLinkHex(line: string, from: number): boolean {
  for (let i = from; i < from + 64; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * A hash-chained JSON line (core's chain.ts) ends with `,"hash":"<64 hex>"}`: the link,
 * which the metrics never read. Parsing the line without it is measurably cheaper (a sixth
 * less text, one string fewer) and exact: for a line with that suffix, `{…,"hash":"h"}` is
 * valid JSON exactly when `{…}` is and has a member, which readLine checks (`{` followed by
 * `}` alone is the one text where they differ, and then the whole line is parsed).
 */
function withoutLink(line: string): string {
  const n = line.length;
  if (n <= LINK_SUFFIX + 2 || line.charCodeAt(n - 1) !== 125 || line.charCodeAt(n - 2) !== 34 || !line.startsWith(',"hash":"', n - LINK_SUFFIX) || !isLinkHex(line, n - 66)) return line;
  const head = line.slice(0, n - LINK_SUFFIX);
  // `{` (and whitespace) alone: `{}` parses, the line does not.
  return /^\s*\{\s*$/.test(head) ? line : head + '}';
}

/** Reads the complete lines of buf[start, end) (each ends with `\n`). */
function readLines(buf: Buffer, start: number, end: number, sink: LineSink): void {
  if (start >= end) return;
  if (isUtf8(buf.subarray(start, end))) {
    // The common case: decode the whole run once and split the string.
    const text = buf.toString('utf8', start, end);
    let pos = 0;
    const n = text.length;
    while (pos < n) {
      const nl = text.indexOf('\n', pos);
      readLine(text.slice(pos, nl), sink);
      pos = nl + 1;
    }
    return;
  }
  let pos = start;
  while (pos < end) {
    const nl = buf.indexOf(10, pos);
    readLineBytes(buf.subarray(pos, nl), sink);
    pos = nl + 1;
  }
}

/** One line as bytes (no `\n`): not valid UTF-8 is a bad line of its own kind. */
export function readLineBytes(bytes: Buffer, sink: LineSink): void {
  if (!isUtf8(bytes)) {
    sink.bad.invalid_utf8++;
    return;
  }
  readLine(bytes.toString('utf8'), sink);
}

/**
 * Splits a byte stream into lines. `push` reads every complete line; the bytes after the last
 * `\n` wait for the next chunk. At the end, `rest()` is the unterminated last line (a line
 * being written, or a truncated one), which the caller reads with readLineBytes.
 */
export class LineSplitter {
  /** Bytes of complete lines read so far. */
  consumed = 0;
  private carry: Buffer[] = [];
  private carryLength = 0;
  private first: boolean;

  /** `atFileStart`: a UTF-8 byte order mark at the very beginning is skipped. */
  constructor(private readonly sink: LineSink, atFileStart = true) {
    this.first = atFileStart;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      start = 3; // a UTF-8 byte order mark
      this.consumed = 3;
    }
    if (this.first && chunk.length > 0) this.first = false;
    const firstNl = chunk.indexOf(10, start);
    if (firstNl < 0) {
      this.carry.push(chunk.subarray(start));
      this.carryLength += chunk.length - start;
      return;
    }
    if (this.carryLength > 0) {
      this.carry.push(chunk.subarray(start, firstNl));
      readLineBytes(Buffer.concat(this.carry), this.sink);
      this.consumed += this.carryLength + firstNl - start + 1;
      this.carry = [];
      this.carryLength = 0;
      start = firstNl + 1;
    }
    const lastNl = chunk.lastIndexOf(10);
    readLines(chunk, start, lastNl + 1, this.sink);
    this.consumed += lastNl + 1 - start;
    if (lastNl + 1 < chunk.length) {
      this.carry.push(chunk.subarray(lastNl + 1));
      this.carryLength += chunk.length - lastNl - 1;
    }
  }

  /** The bytes after the last `\n` (empty if the input ended with one). */
  rest(): Buffer {
    return this.carryLength === 0 ? Buffer.alloc(0) : Buffer.concat(this.carry);
  }
}
