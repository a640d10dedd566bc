/**
 * The lines a writer has accepted and not yet written, as UTF-8 bytes in one growing buffer.
 *
 * Why bytes and not the strings: a serialized line is a tree of concatenated pieces (a cons
 * string) several times its own size on the heap. Queued while the disk catches up, those trees
 * survive young-generation collections, and copying them is what filled the profile
 * (57% of the CPU in the garbage collector at 40k events/s). Encoded at once, a queued line
 * costs its bytes, outside the heap, and its string dies young.
 *
 * The same line goes to audit.log and to its category file: the second queue copies the bytes
 * the first one encoded instead of encoding the string again (`last` below).
 *
 * With a `gap`, each line has that many free bytes before it, where the chain writes the
 * previous link to hash both in one call without copying the line first (chain.ts Linker).
 */
export class LineQueue {
  private buf: Buffer;
  /** Byte offset of the first queued line and of the end of the last one. */
  private head = 0;
  private tail = 0;
  /** End offset of each queued line, from `first` to `count` (exclusive). */
  private ends = new Float64Array(1024);
  private first = 0;
  private count = 0;
  /** Bumped whenever bytes move, so a copy from `last` never reads a stale place. */
  private version = 0;

  constructor(
    private readonly gap = 0,
    capacity = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Lines queued. */
  get length(): number {
    return this.count - this.first;
  }

  /** Bytes queued (with the gaps). */
  get bytes(): number {
    return this.tail - this.head;
  }

  /** Bytes of the line at index `i` (0 = the oldest queued). */
  lineBytes(i: number): number {
    const k = this.first + i;
    return this.ends[k]! - (k === this.first ? this.head : this.ends[k - 1]!) - this.gap;
  }

  /** Encodes `line` (no newline) at the tail; returns its byte length. */
  push(line: string): number {
    const l = last;
    let n: number;
    if (l.queue !== undefined && l.queue !== this && l.version === l.queue.version && l.line === line) {
      this.reserve(this.gap + l.end - l.start);
      this.tail += this.gap;
      n = l.queue.buf.copy(this.buf, this.tail, l.start, l.end);
    } else {
      // At most 3 bytes per UTF-16 unit: Buffer.write silently stops at the end of the buffer.
      this.reserve(this.gap + line.length * 3);
      this.tail += this.gap;
      n = this.buf.utf8Write(line, this.tail);
      l.queue = this;
      l.line = line;
      l.version = this.version;
      l.start = this.tail;
      l.end = this.tail + n;
    }
    this.tail += n;
    if (this.count === this.ends.length) this.growEnds();
    this.ends[this.count++] = this.tail;
    return n;
  }

  /**
   * Hands the oldest `lines` lines to `each(buf, start, end)` in order and removes them. The
   * bytes are valid only during the call; the gap is buf[start - gap, start).
   */
  shift(lines: number, each: (buf: Buffer, start: number, end: number) => void): void {
    let start = this.head;
    const stop = this.first + lines;
    for (let k = this.first; k < stop; k++) {
      const end = this.ends[k]!;
      each(this.buf, start + this.gap, end);
      start = end;
    }
    this.first = stop;
    this.head = start;
    if (this.first === this.count) {
      this.first = this.count = this.head = this.tail = 0;
      this.version++;
    }
  }

  private reserve(n: number): void {
    if (this.tail + n <= this.buf.length) return;
    this.version++;
    const used = this.tail - this.head;
    // Move the queued bytes to the front; grow only when they fill more than half.
    if (used + n <= this.buf.length / 2) {
      this.buf.copy(this.buf, 0, this.head, this.tail);
    } else {
      const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, used + n));
      this.buf.copy(next, 0, this.head, this.tail);
      this.buf = next;
    }
    const shift = this.head;
    for (let k = this.first; k < this.count; k++) this.ends[k] = this.ends[k]! - shift;
    this.head = 0;
    this.tail = used;
    this.compactEnds();
  }

  private compactEnds(): void {
    if (this.first === 0) return;
    this.ends.copyWithin(0, this.first, this.count);
    this.count -= this.first;
    this.first = 0;
  }

  private growEnds(): void {
    this.compactEnds();
    if (this.count < this.ends.length / 2) return;
    const next = new Float64Array(this.ends.length * 2);
    next.set(this.ends.subarray(0, this.count));
    this.ends = next;
  }

  /** Gives back the memory of a burst once the queue is empty again. */
  trim(capacity: number): void {
    if (this.length === 0 && this.buf.length > capacity) {
      this.buf = Buffer.allocUnsafe(capacity);
      this.version++;
    }
  }
}

/** The line most recently encoded, and where its bytes are. */
const last: { queue: LineQueue | undefined; line: string; version: number; start: number; end: number } = { queue: undefined, line: '', version: 0, start: 0, end: 0 };

// Buffer's own encoders, without write()'s argument juggling: this is the hot path of every
// log call. Present in every Node.js release, used by Buffer.prototype.write itself.
declare global {
  interface Buffer {
    utf8Write(s: string, offset: number): number;
    latin1Write(s: string, offset: number): number;
  }
}
