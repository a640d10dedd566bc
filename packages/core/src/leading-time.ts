// The latest timestamp a file's lines begin with, read from its bytes without parsing them.
// daybook's lines begin `{"timestamp":"YYYY-MM-DDTHH:MM:SS.mmmZ"`, and compared as bytes
// that string's order is time order, so the scan costs little more than the read (25-30 ms
// for a 50 MB file). The Python DayBot's lines begin `{"timestamp": "` (json.dumps puts a
// space after the colon) and a `+00:00` micro-second time: read by `parseOther`. The compressor records it in each backup's gzip header (gzip-pieces.ts),
// verify checks that record, and analytics uses it (or this scan) to leave out backups that
// end before a report's range without parsing them.

/** `{"timestamp":`, then `"` (daybook) or ` "` (the Python DayBot's json.dumps): nothing else. */
const PREFIX = Buffer.from('{"timestamp":');
const SPACE = 0x20;
/** `YYYY-MM-DDTHH:MM:SS.mmmZ`: compared as bytes, its order is time order. */
const CANONICAL = 24;
const QUOTE = 0x22;
/** How much of a line that spans chunks is kept: far more than any timestamp and its key. */
const CARRY_MAX = 4096;

// `YYYY-MM-DDTHH:MM:SS.mmmZ`, 0 standing for a digit. The whole shape is checked: a window
// that merely ends in `Z"` may hold a shorter timestamp and the next key
// (`2099-01-01T00:00-05","aZ"`), whose time its bytes do not order.
const SHAPE = Buffer.from('0000-00-00T00:00:00.000Z');

function isCanonical(buf: Buffer, at: number): boolean {
  for (let i = 0; i < CANONICAL; i++) {
    const b = buf[at + i]!;
    const want = SHAPE[i]!;
    if (want === 0x30 ? b < 0x30 || b > 0x39 : b !== want) return false;
  }
  return true;
}

/**
 * The latest leading timestamp of a file's lines, from its bytes in any pieces. `unknown`
 * once a line does not begin with `{"timestamp":"` or `{"timestamp": "` (or, without
 * `parseOther`, has another form than the canonical one): nothing can then be said of the
 * file from its first keys.
 */
export class LeadingTimeScanner {
  /** The greatest canonical timestamp seen, as bytes (empty: none). */
  private canonical = Buffer.alloc(CANONICAL);
  private haveCanonical = false;
  /** The latest of the other forms (offsets, micro-seconds), in µs. */
  private other = -Infinity;
  unknown = false;
  /** The start of a line that spans chunks: its first CARRY_MAX bytes at most. */
  private carry: Buffer | undefined;
  /** Bytes of the carried line past CARRY_MAX were dropped (the line is longer). */
  private carryLong = false;
  private atStart = true;

  /** `parseOther` reads the non-canonical forms (µs since the epoch, undefined if not a date). */
  constructor(private readonly parseOther?: (text: string) => number | undefined) {}

  push(chunk: Buffer): void {
    if (this.unknown) return;
    let buf = chunk;
    let pos = 0;
    if (this.carry !== undefined) {
      // Only the line that spans the chunks is copied, not the chunk; and of a long line only
      // its start, which is all a timestamp needs: copying the whole line at every chunk was
      // quadratic in its length (a 20 MB line in a backup took verify 12 s).
      const nl = chunk.indexOf(10);
      if (this.atStart) {
        buf = Buffer.concat([this.carry, chunk]);
      } else if (nl < 0) {
        this.keep(chunk);
        return;
      } else {
        const line = this.carryLong ? this.carry : Buffer.concat([this.carry, chunk.subarray(0, Math.min(nl, CARRY_MAX))]);
        this.carryLong = false;
        this.carry = undefined;
        if (!this.line(line, 0, line.length)) return;
        pos = nl + 1;
      }
      this.carry = undefined;
    }
    if (this.atStart && buf.length > 0) {
      if (buf.length < 3 && buf[0] === 0xef) {
        this.carry = Buffer.from(buf); // a byte order mark may be split (and the caller may reuse buf)
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
    if (end < buf.length) this.keep(buf.subarray(Math.max(end, pos)));
  }

  /** Carries the start of an unfinished line over to the next chunk (copied: the caller may reuse its buffer). */
  private keep(bytes: Buffer): void {
    const have = this.carry?.length ?? 0;
    if (have >= CARRY_MAX) {
      this.carryLong ||= bytes.length > 0;
      return;
    }
    const take = bytes.subarray(0, CARRY_MAX - have);
    this.carry = this.carry === undefined ? Buffer.from(take) : Buffer.concat([this.carry, take]);
    if (take.length < bytes.length) this.carryLong = true;
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
    let ok = lineEnd - start > PREFIX.length + 1;
    for (let i = 0; ok && i < PREFIX.length; i++) ok = buf[start + i] === PREFIX[i];
    let at = start + PREFIX.length;
    if (ok && buf[at] === SPACE) at++;
    if (!ok || buf[at] !== QUOTE) {
      this.unknown = true;
      return false;
    }
    at++;
    if (at + CANONICAL < lineEnd && buf[at + CANONICAL] === QUOTE && isCanonical(buf, at)) {
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
    if (this.parseOther === undefined) {
      this.unknown = true;
      return false;
    }
    const ts = this.parseOther(buf.toString('utf8', at, q));
    // An unparseable timestamp makes a bad line, which has no event to miss.
    if (ts !== undefined && ts > this.other) this.other = ts;
    return true;
  }

  /** The greatest canonical timestamp (`YYYY-MM-DDTHH:MM:SS.mmmZ`) seen, if any. */
  latestCanonical(): string | undefined {
    return this.haveCanonical ? this.canonical.toString('latin1') : undefined;
  }

  /** The latest of the other forms, µs (-Infinity: none). */
  latestOther(): number {
    return this.other;
  }
}

/** The same over bytes in memory, given in pieces of `pieceBytes` as a read would. */
export function scanLeadingTimes(bytes: Uint8Array, parseOther?: (text: string) => number | undefined, pieceBytes = bytes.length): LeadingTimeScanner {
  const s = new LeadingTimeScanner(parseOther);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const step = Math.max(1, pieceBytes);
  for (let i = 0; i < b.length; i += step) s.push(b.subarray(i, i + step));
  s.finish();
  return s;
}
