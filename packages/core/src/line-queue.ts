/**
 * The lines a writer has accepted and not yet written, as UTF-8 bytes in one growing buffer.
 *
 * Why bytes and not the strings: a serialized line is a tree of concatenated pieces (a cons
 * string) several times its own size on the heap. Queued while the disk catches up, those trees
 * survived young-generation collections, and copying them is what filled the profile (57% of
 * the CPU in the garbage collector at 40k events/s). Encoded, a queued line costs its bytes,
 * outside the heap.
 *
 * When: not in the log call (the caller's cost is what a bot feels: 0.49-0.59x pino's against
 * 0.70-0.80x when each call encoded its line), but once the caller's code has run to its end
 * (a microtask), for every queue at once (`sealAll`), so a string lives that long at most.
 * The same line goes to audit.log and to its category file: sealing them together, the
 * smaller queues copy the bytes the largest one (audit.log's, whose lines they are a
 * subsequence of) just encoded instead of encoding the string again.
 *
 * With a `gap`, each line has that many free bytes before it, where the chain writes the
 * previous link to hash both in one call without copying the line first (chain.ts Linker).
 */
export class LineQueue {
  private buf: Buffer;
  /** Byte offset of the first queued line and of the end of the last one. */
  private head = 0;
  private tail = 0;
  /** End offset of each encoded line, from `first` to `count` (exclusive). */
  private ends = new Float64Array(1024);
  private first = 0;
  private count = 0;
  /** Lines accepted this turn, not yet encoded, and their UTF-16 length. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** Where the last seal put its lines (`ends` index of the first), for the queues copying them. */
  private sealed: string[] = [];
  private sealedAt = 0;

  constructor(
    private readonly gap = 0,
    capacity = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Lines queued. */
  get length(): number {
    return this.count - this.first + this.pending.length;
  }

  /** Bytes queued, counting a line not yet encoded as one byte per UTF-16 unit. */
  get bytes(): number {
    return this.tail - this.head + this.pendingChars;
  }

  /** Queues `line` (no newline). */
  push(line: string): void {
    if (this.pending.length === 0) {
      dirty.push(this);
      if (!sealScheduled) {
        sealScheduled = true;
        queueMicrotask(LineQueue.sealAll);
      }
    }
    this.pending.push(line);
    this.pendingChars += line.length;
  }

  /** Bytes of the line at index `i` (0 = the oldest queued). */
  lineBytes(i: number): number {
    if (this.pending.length > 0) LineQueue.sealAll();
    const k = this.first + i;
    return this.ends[k]! - (k === this.first ? this.head : this.ends[k - 1]!) - this.gap;
  }

  /**
   * Hands the oldest `lines` lines to `each(buf, start, end)` in order and removes them. The
   * bytes are valid only during the call; the gap is buf[start - gap, start).
   */
  shift(lines: number, each: (buf: Buffer, start: number, end: number) => void): void {
    if (this.pending.length > 0) LineQueue.sealAll();
    let start = this.head;
    const stop = this.first + lines;
    for (let k = this.first; k < stop; k++) {
      const end = this.ends[k]!;
      each(this.buf, start + this.gap, end);
      start = end;
    }
    this.first = stop;
    this.head = start;
    if (this.first === this.count) this.first = this.count = this.head = this.tail = 0;
  }

  /** Gives back the memory of a burst once the queue is empty again. */
  trim(capacity: number): void {
    if (this.length === 0 && this.buf.length > capacity) this.buf = Buffer.allocUnsafe(capacity);
  }

  /**
   * Encodes the pending lines, copying those found, in order, among `src`'s last sealed
   * lines. The walk through `src` only moves forward and stops at the first line not found,
   * so it costs at most one comparison per line of each queue.
   */
  private seal(src: LineQueue | undefined): void {
    const lines = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    let chars = 0;
    for (let i = 0; i < lines.length; i++) chars += lines[i]!.length;
    // At most 3 bytes per UTF-16 unit: Buffer.write silently stops at the end of the buffer.
    this.reserve(lines.length * this.gap + chars * 3);
    this.reserveEnds(lines.length);
    const from = src?.sealed ?? [];
    let j = 0;
    this.sealedAt = this.count;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      this.tail += this.gap;
      while (j < from.length && from[j] !== line) j++;
      if (j < from.length) {
        const k = src!.sealedAt + j++;
        const start = (k === src!.first ? src!.head : src!.ends[k - 1]!) + src!.gap;
        this.tail += src!.buf.copy(this.buf, this.tail, start, src!.ends[k]!);
      } else {
        this.tail += this.buf.utf8Write(line, this.tail);
      }
      this.ends[this.count++] = this.tail;
    }
  }

  private reserve(n: number): void {
    if (this.tail + n <= this.buf.length) return;
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

  private reserveEnds(n: number): void {
    if (this.count + n <= this.ends.length) return;
    this.compactEnds();
    if (this.count + n <= this.ends.length) return;
    const next = new Float64Array(Math.max(2 * this.ends.length, this.count + n));
    next.set(this.ends.subarray(0, this.count));
    this.ends = next;
  }

  /**
   * Encodes every queue's pending lines, the largest queue first so the others can copy from
   * it. Runs once the code that logged has returned, or earlier when a writer needs the bytes.
   */
  static sealAll(this: void): void {
    sealScheduled = false;
    if (dirty.length === 0) return;
    const queues = dirty.splice(0);
    let src = queues[0]!;
    for (const q of queues) if (q.pending.length > src.pending.length) src = q;
    const lines = src.pending;
    src.seal(undefined);
    src.sealed = lines;
    for (const q of queues) if (q !== src) q.seal(src);
    // Not kept past this turn: the strings must die young.
    src.sealed = [];
  }
}

const dirty: LineQueue[] = [];
let sealScheduled = false;

// Buffer's own encoders, without write()'s argument juggling: this is the hot path of every
// log line. Present in every Node.js release, used by Buffer.prototype.write itself.
declare global {
  interface Buffer {
    utf8Write(s: string, offset: number): number;
    latin1Write(s: string, offset: number): number;
  }
}
