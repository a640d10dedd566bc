import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { eventFiles, listLogFiles } from '@daybook/analytics';

// The bytes appended to a log directory's event files since the last look: what the trigger
// (trigger.ts) reads between evaluations, as `tail -F` follows a log. Each current file (the
// `.log` of a stream that the analyzer reads) is held open and read through its descriptor,
// so a rotation (audit.log renamed audit.log.1, a new audit.log) loses nothing, however the
// renames fall between two looks: the renamed file is read to its end through the descriptor,
// and dropped after a look finds nothing more in it; the new one is opened and read from its
// start. The directory is listed again when its mtime changes and at least every second (a
// rotation's renames can fall within one tick of the file system's clock); otherwise a look
// costs a stat of the directory and of each current file, and an fstat of each held file.
//
// Backups are never opened (each was a current file, read while it was one), gzip ones least
// of all.

/** What a look found besides the new lines. */
export interface TailLook {
  /** Bytes of complete lines handed over. */
  bytes: number;
  /** A held file shrank, or changed without growing: rewritten, not appended to (what a chain_damaged rule may care about). */
  rewritten: boolean;
}

interface Held {
  fd: number;
  offset: number;
  mtimeMs: number;
  /** Still the file of its stream's current name at the last look. */
  current: boolean;
}

/** The longest line handed over: a longer one is skipped (the analyzer skips it too, as a bad line). */
const MAX_LINE = 1 << 20;
const RELIST_MS = 1000;

const idOf = (st: { dev: number; ino: number }): string => `${st.dev}:${st.ino}`;

export class DirectoryTail {
  private readonly held = new Map<string, Held>();
  /** The current files' paths (rotation 0), from the last listing. */
  private currentPaths: string[] = [];
  private dirMtime = -1;
  private listedAt = -Infinity;
  private started = false;
  private buf = Buffer.allocUnsafe(256 * 1024);

  /** `maxBytes`: the most read from one file in one look (the rest at the next one). */
  constructor(private readonly dir: string, private readonly maxBytes = 8 * 1024 * 1024) {}

  /**
   * Hands the complete lines appended since the last look to `lines` (b[start, end), each
   * ending with `\n`; the buffer is reused after the call). The first look only takes note of
   * where each file ends: what was there is the first evaluation's.
   */
  look(lines: (b: Buffer, start: number, end: number) => void): TailLook {
    const out: TailLook = { bytes: 0, rewritten: false };
    this.list();
    const current = new Set<string>();
    for (const path of this.currentPaths) {
      let id: string;
      try {
        id = idOf(statSync(path));
      } catch {
        continue; // renamed, not created again yet: the next look has it
      }
      current.add(id);
      if (!this.held.has(id)) this.hold(path, current);
    }
    for (const [id, h] of this.held) {
      const wasCurrent = h.current;
      h.current = current.has(id);
      let size: number;
      let mtimeMs: number;
      try {
        ({ size, mtimeMs } = fstatSync(h.fd));
      } catch {
        this.drop(id, h);
        continue;
      }
      if (size < h.offset || (size === h.offset && mtimeMs !== h.mtimeMs)) {
        out.rewritten = true;
        h.offset = size;
      }
      h.mtimeMs = mtimeMs;
      const read = size > h.offset ? this.readFrom(h, size, lines) : 0;
      out.bytes += read;
      // Renamed away: followed until a look finds nothing more in it.
      if (!h.current && !wasCurrent && read === 0) this.drop(id, h);
    }
    this.started = true;
    return out;
  }

  /** Stops following every file. */
  close(): void {
    for (const [id, h] of this.held) this.drop(id, h);
  }

  private list(): void {
    let mtime: number;
    try {
      mtime = statSync(this.dir).mtimeMs;
    } catch {
      this.currentPaths = []; // no directory (yet): nothing appended
      return;
    }
    const now = Date.now();
    if (mtime === this.dirMtime && now - this.listedAt < RELIST_MS) return;
    this.dirMtime = mtime;
    this.listedAt = now;
    try {
      this.currentPaths = eventFiles(listLogFiles([this.dir])).filter((f) => f.rotation === 0 && !f.gz).map((f) => f.path);
    } catch {
      this.currentPaths = [];
    }
  }

  /** Opens a current file: from its start if it appeared after the first look, else from its end. */
  private hold(path: string, current: Set<string>): void {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    const st = fstatSync(fd);
    const id = idOf(st);
    // Rotated between the stat and the open: the file opened is the one to follow.
    if (this.held.has(id)) {
      closeSync(fd);
      return;
    }
    current.add(id);
    this.held.set(id, { fd, offset: this.started ? 0 : st.size, mtimeMs: st.mtimeMs, current: true });
  }

  private drop(id: string, h: Held): void {
    try {
      closeSync(h.fd);
    } catch {
      // already closed
    }
    this.held.delete(id);
  }

  /** Reads h.offset..size (at most maxBytes) through the descriptor, hands over its complete lines; the bytes handed over. */
  private readFrom(h: Held, size: number, lines: (b: Buffer, start: number, end: number) => void): number {
    let handed = 0;
    const end = Math.min(size, h.offset + this.maxBytes);
    let carry = 0; // bytes of an incomplete line at the start of buf
    let pos = h.offset;
    while (pos < end) {
      if (carry === this.buf.length) {
        if (this.buf.length >= MAX_LINE) {
          // A line longer than any the analyzer keeps: skipped up to here, its rest seen as a fragment.
          h.offset += carry;
          carry = 0;
          continue;
        }
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, carry);
        this.buf = bigger;
      }
      let n: number;
      try {
        n = readSync(h.fd, this.buf, carry, Math.min(this.buf.length - carry, end - pos), pos);
      } catch {
        break;
      }
      if (n <= 0) break;
      pos += n;
      const filled = carry + n;
      const last = this.buf.lastIndexOf(10, filled - 1);
      if (last < 0) {
        carry = filled;
        continue;
      }
      lines(this.buf, 0, last + 1);
      handed += last + 1;
      h.offset += last + 1;
      carry = filled - last - 1;
      this.buf.copy(this.buf, 0, last + 1, filled);
    }
    return handed;
  }
}
