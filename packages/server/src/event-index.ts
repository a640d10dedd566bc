import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { EVENT_TYPES, splitLink } from '@daybook/core';
import { inflateLimit, listLogFiles, parseTimestamp, readLimits, streamFile, type LogFileInfo, type ReadLimits } from '@daybook/analytics';

// The index behind /audit/events, /audit/stream and `daybook tail`: per event of the
// `audit.log*` files (the source of truth; every file when a directory has none), its time,
// where its line is, and the columns the filters look at, in typed arrays (~30 bytes an
// event). The lines themselves stay on disk and are read back only for the page returned.
// Kept per file identity (device + inode) like the analyzer's cache: a rotated file is
// indexed once; the current file is indexed from where the last refresh stopped.

export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
const LEVEL_CODE: ReadonlyMap<string, number> = new Map(LEVELS.map((l, i) => [l, i + 1]));
const TYPE_CODE: ReadonlyMap<string, number> = new Map(EVENT_TYPES.map((t, i) => [t, i + 1]));
export const levelCode = (l: unknown): number => (typeof l === 'string' ? (LEVEL_CODE.get(l) ?? LEVEL_CODE.get(l.toUpperCase()) ?? 0) : 0);
export const typeCode = (t: unknown): number => (typeof t === 'string' ? (TYPE_CODE.get(t) ?? 0) : 0);
export const typeName = (code: number): string => EVENT_TYPES[code - 1] ?? 'unknown';
export const levelName = (code: number): string => LEVELS[code - 1] ?? 'UNKNOWN';

const INITIAL = 1024;

class Column<A extends Float64Array | Uint32Array | Uint8Array | Int32Array> {
  constructor(public a: A) {}
  grow(n: number): void {
    if (n <= this.a.length) return;
    const b = new (this.a.constructor as new (n: number) => A)(Math.max(n, this.a.length * 2));
    b.set(this.a);
    this.a = b;
  }
}

/** A string column's dictionary, shared by every file (symbols and sessions are few). */
class Dictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();
  code(v: unknown): number {
    if (typeof v !== 'string') return -1;
    let c = this.codes.get(v);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(v);
      this.codes.set(v, c);
    }
    return c;
  }
  find(v: string): number {
    return this.codes.get(v) ?? -2; // -2 never matches a row (rows hold -1 or a code)
  }
}

export class FileIndex {
  n = 0;
  /** Bytes (of the decompressed content) indexed: complete lines only. */
  end = 0;
  readonly ts = new Column(new Float64Array(INITIAL));
  readonly off = new Column(new Float64Array(INITIAL));
  readonly len = new Column(new Uint32Array(INITIAL));
  readonly type = new Column(new Uint8Array(INITIAL));
  readonly level = new Column(new Uint8Array(INITIAL));
  readonly symbol = new Column(new Int32Array(INITIAL));
  readonly session = new Column(new Int32Array(INITIAL));
  /** Lines that are not events (blank, not JSON, no event_id or timestamp), over-long ones included. */
  skipped = 0;
  /** Lines longer than the index's maxLineBytes: skipped unread (a problem of the file). */
  tooLong = 0;
  /**
   * A compressed file that inflates past the index's limit (analytics' inflateLimit: a gzip
   * bomb): the limit, at which reading stopped; its lines up to there are indexed. Else undefined.
   */
  inflateCut: number | undefined;
  /**
   * The file ended inside a line that is being skipped (over-long, or begun before a tail
   * index started): the next refresh drops what follows `end` up to the next newline.
   */
  inSkippedLine = false;

  constructor(
    readonly key: string,
    public info: LogFileInfo,
  ) {}

  push(ts: number, off: number, len: number, type: number, level: number, symbol: number, session: number): void {
    const i = this.n++;
    for (const c of [this.ts, this.off, this.len, this.type, this.level, this.symbol, this.session]) c.grow(this.n);
    this.ts.a[i] = ts;
    this.off.a[i] = off;
    this.len.a[i] = len;
    this.type.a[i] = type;
    this.level.a[i] = level;
    this.symbol.a[i] = symbol;
    this.session.a[i] = session;
  }
}

/** A line's event (the hash-chain link left out), or undefined when it is not one. */
export function parseEventLine(text: string): Record<string, unknown> | undefined {
  let line = text.endsWith('\r') ? text.slice(0, -1) : text;
  const linked = splitLink(line);
  if (linked !== undefined) line = linked.content;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const e = o as Record<string, unknown>;
  if (typeof e.event_id !== 'string' || typeof e.timestamp !== 'string' || parseTimestamp(e.timestamp) === undefined) return undefined;
  return e;
}

/** A position in the index that survives rotation: file identity, row, and the row's time. */
export interface Position {
  file: string;
  row: number;
  ts: number;
}

export interface EventFilter {
  /** Micro-seconds, inclusive start. */
  start: number;
  end: number;
  endExclusive: boolean;
  types?: ReadonlySet<number>;
  /** Minimum level code. */
  minLevel?: number;
  symbols?: readonly string[];
  sessions?: readonly string[];
}

/**
 * The bounds on hostile input are analytics' ReadLimits, with its defaults, so that the index
 * and the reports stop at the same line length and the same inflated size.
 */
export interface EventIndexOptions extends Partial<ReadLimits> {
  /**
   * 'end': index only what is written after the first refresh; the lines already there are
   * not read. What a new live stream needs, without the seconds a large directory's full
   * index takes. Its positions carry a prefix of their own, so that a cursor from one index
   * is never read as a row of another. Default 'start': everything.
   */
  from?: 'start' | 'end';
  /**
   * The longest line read (bytes, default 16 MiB). A longer one is counted (`tooLong`) and
   * skipped as it streams by: memory stays bounded by this, whatever a file holds.
   * (maxInflateRatio and minInflateBytes bound a compressed file: `inflateCut`.)
   */
  maxLineBytes?: number;
  /** The most bytes of lines one query returns (default 64 MiB; at least one row): a page of 1,000 rows of long lines stays bounded. */
  maxPageBytes?: number;
}

let tailIndexes = 0;

export class EventIndex {
  /** Oldest first: the order events are returned in. */
  files: FileIndex[] = [];
  readonly symbols = new Dictionary();
  readonly sessions = new Dictionary();
  private refreshing: Promise<void> | undefined;
  /** Prefix of this index's file keys: '' for a full index. */
  private readonly prefix: string;
  private skipExisting: boolean;
  readonly maxPageBytes: number;
  readonly limits: ReadLimits;

  constructor(readonly dirs: readonly string[], options: EventIndexOptions = {}) {
    this.skipExisting = options.from === 'end';
    this.limits = readLimits(options);
    this.maxPageBytes = options.maxPageBytes ?? 64 * 1024 * 1024;
    this.prefix = this.skipExisting ? `t${Date.now()}${tailIndexes++}:` : '';
  }

  /** Whether a position (of a cursor) is one of this index's rows, not another index's. */
  owns(p: Position): boolean {
    return this.prefix === '' ? /^\d/.test(p.file) : p.file.startsWith(this.prefix);
  }

  /** Indexes what changed since the last refresh (concurrent calls share one). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    // A foreign file (analytics' reader: bot.log, AUDIT.log beside audit.log or its views) is
    // not of the audit family: the reports do not count its events, nor is it indexed here.
    const all = listLogFiles(this.dirs).filter((f) => f.foreign !== true);
    const audit = all.filter((f) => f.base === 'audit');
    const chosen = audit.length > 0 ? audit : all;
    const byKey = new Map(this.files.map((f) => [f.key, f]));
    const next: FileIndex[] = [];
    const skip = this.skipExisting;
    this.skipExisting = false;
    for (const info of chosen) {
      const key = `${this.prefix}${info.dev}:${info.ino}`;
      let fi = byKey.get(key);
      if (fi !== undefined && (fi.info.gz !== info.gz || (info.gz ? fi.info.size !== info.size : info.size < fi.end))) fi = undefined; // replaced or truncated
      if (fi === undefined) {
        fi = new FileIndex(key, info);
        // A tail index starts after the last complete line of what is there now.
        if (skip && info.gz) fi.end = info.size;
        else if (skip) [fi.end, fi.inSkippedLine] = await lastLineEnd(info.path, info.size);
      } else fi.info = info;
      if (info.gz ? fi.end === 0 : info.size > fi.end) await this.indexFile(fi);
      next.push(fi);
    }
    // Oldest first: the analyzer lists a base's backups oldest first and the current file last.
    this.files = next;
  }

  /**
   * Indexes a file from `fi.end` (a compressed one whole, up to its inflate limit). A line is
   * kept as the chunks it came in and joined once, at its newline; one that grows past
   * maxLineBytes is dropped there and the rest of it streams by unkept, so neither memory nor
   * copying grows with it.
   */
  private async indexFile(fi: FileIndex): Promise<void> {
    const { path, gz } = fi.info;
    const start = gz ? 0 : fi.end;
    // 1 MiB reads: a 600 MB line streams by in 1.5 s against 3.7 s with 64 KiB ones. Analytics'
    // streamFile opens only a regular file (a FIFO put in place would block the read) and stops
    // a compressed one at its inflate limit (a gzip bomb: 10 MB inflating to 10 GB of event
    // lines would otherwise fill the columns with rows), where the reports' reader stops; the
    // lines up to there are indexed, a line it cuts is not. A damaged gzip or a file that
    // vanished: what was read stays indexed.
    const max = this.limits.maxLineBytes;
    let parts: Buffer[] = []; // the current line's bytes so far, when it began in an earlier chunk
    let partLen = 0;
    let lineStart = start; // offset of the current line
    let pos = start; // offset of the chunk's first byte
    let skipping = !gz && fi.inSkippedLine;
    const problem = await streamFile(path, gz, start, (chunk) => {
      let s = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, s)) {
        if (skipping) skipping = false;
        else if (partLen + nl - s > max) this.tooLong(fi);
        else if (partLen === 0) this.indexLine(fi, chunk, s, nl, pos);
        else {
          const line = Buffer.concat([...parts, chunk.subarray(s, nl)]);
          this.indexLine(fi, line, 0, line.length, lineStart);
        }
        parts = [];
        partLen = 0;
        s = nl + 1;
        lineStart = pos + s;
      }
      if (!skipping && s < chunk.length) {
        if (partLen + chunk.length - s > max) {
          this.tooLong(fi);
          skipping = true;
          parts = [];
          partLen = 0;
        } else {
          parts.push(chunk.subarray(s));
          partLen += chunk.length - s;
        }
      }
      pos += chunk.length;
    }, 1 << 20, this.limits);
    if (problem?.code === 'DAYBOOK_W_READ_GZIP_LIMIT') fi.inflateCut = inflateLimit(this.limits, fi.info.size);
    if (gz) {
      fi.end = Math.max(pos, 1); // read whole (or to its limit), once (1: an empty file is not read again either)
    } else if (skipping) {
      fi.end = pos; // inside a skipped line: the next refresh goes on dropping it
      fi.inSkippedLine = true;
    } else {
      fi.end = lineStart; // an unterminated last line is left for the next refresh
      fi.inSkippedLine = false;
    }
  }

  private tooLong(fi: FileIndex): void {
    fi.tooLong++;
    fi.skipped++;
  }

  /** Lines skipped for being longer than maxLineBytes, over every file indexed. */
  get tooLongLines(): number {
    return this.files.reduce((n, f) => n + f.tooLong, 0);
  }

  /** The compressed files whose reading stopped at the inflate limit (`inflateCut`). */
  get inflateCutFiles(): string[] {
    return this.files.filter((f) => f.inflateCut !== undefined).map((f) => f.info.path);
  }

  private indexLine(fi: FileIndex, buf: Buffer, s: number, e: number, base: number): void {
    const o = parseEventLine(buf.toString('utf8', s, e));
    if (o === undefined) {
      fi.skipped++;
      return;
    }
    const len = e > s && buf[e - 1] === 13 ? e - s - 1 : e - s;
    fi.push(parseTimestamp(o.timestamp as string)!, base + s, len, typeCode(o.event_type), levelCode(o.level), this.symbols.code(o.symbol), this.sessions.code(o.session_id));
  }

  get size(): number {
    return this.files.reduce((n, f) => n + f.n, 0);
  }

  /** Rows per type code and level code (for /metrics). */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of this.files) {
      for (let r = 0; r < f.n; r++) {
        const k = `${f.type.a[r]!}:${f.level.a[r]!}`;
        out.set(k, (out.get(k) ?? 0) + 1);
      }
    }
    return out;
  }

  private matcher(q: EventFilter): (f: FileIndex, r: number) => boolean {
    const syms = q.symbols === undefined || q.symbols.length === 0 ? undefined : new Set(q.symbols.map((s) => this.symbols.find(s)));
    const sess = q.sessions === undefined || q.sessions.length === 0 ? undefined : new Set(q.sessions.map((s) => this.sessions.find(s)));
    const { start, end, endExclusive, types, minLevel } = q;
    return (f, r) => {
      const t = f.ts.a[r]!;
      if (t < start || t > end || (endExclusive && t === end)) return false;
      if (types !== undefined && !types.has(f.type.a[r]!)) return false;
      if (minLevel !== undefined && f.level.a[r]! < minLevel) return false;
      if (syms !== undefined && !syms.has(f.symbol.a[r]!)) return false;
      if (sess !== undefined && !sess.has(f.session.a[r]!)) return false;
      return true;
    };
  }

  /**
   * Where `after` is now: [file number, row]. A file that is gone (a rotated file was
   * compressed into a new one, or pruned) is found again by time: the first row later than it.
   */
  private locate(after: Position | undefined, order: 'asc' | 'desc'): [number, number] {
    if (after === undefined) return order === 'asc' ? [0, -1] : [this.files.length - 1, this.files.at(-1)?.n ?? 0];
    const i = this.files.findIndex((f) => f.key === after.file);
    if (i !== -1 && after.row < this.files[i]!.n) return [i, after.row];
    // By time: the boundary between rows <= ts and rows > ts.
    for (let fi = 0; fi < this.files.length; fi++) {
      const f = this.files[fi]!;
      for (let r = 0; r < f.n; r++) if (f.ts.a[r]! > after.ts) return order === 'asc' ? [fi, r - 1] : [fi, r];
    }
    return order === 'asc' ? [this.files.length, -1] : [this.files.length - 1, this.files.at(-1)?.n ?? 0];
  }

  /**
   * Up to `limit` matching rows after `after` (exclusive) in `order`, and whether more may
   * follow. Rows are positions; read them with `read()`.
   */
  query(q: EventFilter, limit: number, order: 'asc' | 'desc', after?: Position): { rows: Position[]; more: boolean } {
    const match = this.matcher(q);
    const rows: Position[] = [];
    let bytes = 0;
    const full = (f: FileIndex, r: number): boolean => {
      if (rows.length === limit) return true;
      bytes += f.len.a[r]!;
      return rows.length > 0 && bytes > this.maxPageBytes;
    };
    let [fi, r] = this.locate(after, order);
    if (order === 'asc') {
      for (r++; fi < this.files.length; fi++, r = 0) {
        const f = this.files[fi]!;
        for (; r < f.n; r++) {
          if (!match(f, r)) continue;
          if (full(f, r)) return { rows, more: true };
          rows.push({ file: f.key, row: r, ts: f.ts.a[r]! });
        }
      }
    } else {
      for (r--; fi >= 0; fi--, r = (this.files[fi]?.n ?? 0) - 1) {
        const f = this.files[fi]!;
        for (; r >= 0; r--) {
          if (!match(f, r)) continue;
          if (full(f, r)) return { rows, more: true };
          rows.push({ file: f.key, row: r, ts: f.ts.a[r]! });
        }
      }
    }
    return { rows, more: false };
  }

  /** The events at `rows` (read from disk), in the same order; a line that changed under us is left out. */
  async read(rows: readonly Position[]): Promise<{ position: Position; event: Record<string, unknown> }[]> {
    const byFile = new Map<string, Position[]>();
    for (const p of rows) {
      let l = byFile.get(p.file);
      if (l === undefined) byFile.set(p.file, (l = []));
      l.push(p);
    }
    const lines = new Map<Position, string>();
    for (const [key, ps] of byFile) {
      const f = this.files.find((x) => x.key === key);
      if (f === undefined) continue;
      const spans = ps.map((p) => ({ p, off: f.off.a[p.row]!, len: f.len.a[p.row]! }));
      try {
        if (f.info.gz) await readGzSpans(f.info.path, spans, lines);
        else await readSpans(f.info.path, spans, lines);
      } catch {
        // the file vanished (rotation); those rows are left out of this page
      }
    }
    const out: { position: Position; event: Record<string, unknown> }[] = [];
    for (const p of rows) {
      const text = lines.get(p);
      const event = text === undefined ? undefined : parseEventLine(text);
      if (event !== undefined) out.push({ position: p, event });
    }
    return out;
  }
}

/**
 * Where a tail index starts in a file of `size` bytes: just after its last newline, and
 * whether the file ends inside a line (then the rest of that line is dropped when it comes).
 * No newline in the last 64 KiB: at the end, inside a line.
 */
async function lastLineEnd(path: string, size: number): Promise<[number, boolean]> {
  const len = Math.min(size, 1 << 16);
  if (len === 0) return [0, false];
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return [size, false]; // vanished (rotation): nothing of it is followed
  }
  try {
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await fh.read(buf, 0, len, size - len);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (nl !== -1) return [size - len + nl + 1, false];
    return size === len ? [0, false] : [size, true];
  } finally {
    await fh.close();
  }
}

async function readSpans(path: string, spans: { p: Position; off: number; len: number }[], out: Map<Position, string>): Promise<void> {
  const fh = await open(path, 'r');
  try {
    for (const s of spans) {
      const buf = Buffer.allocUnsafe(s.len);
      const { bytesRead } = await fh.read(buf, 0, s.len, s.off);
      if (bytesRead === s.len) out.set(s.p, buf.toString('utf8'));
    }
  } finally {
    await fh.close();
  }
}

/** A compressed backup: decompressed up to the last span needed, never kept in memory whole. */
async function readGzSpans(path: string, spans: { p: Position; off: number; len: number }[], out: Map<Position, string>): Promise<void> {
  const sorted = [...spans].sort((a, b) => a.off - b.off);
  const last = sorted.at(-1)!;
  const stop = last.off + last.len;
  let pos = 0;
  let i = 0;
  let keep: Buffer = Buffer.alloc(0); // bytes from keepStart on
  let keepStart = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = keep.length === 0 ? chunk : Buffer.concat([keep, chunk]);
    const bufStart = keep.length === 0 ? pos : keepStart;
    pos += chunk.length;
    while (i < sorted.length && sorted[i]!.off + sorted[i]!.len <= bufStart + buf.length) {
      const s = sorted[i++]!;
      out.set(s.p, buf.toString('utf8', s.off - bufStart, s.off - bufStart + s.len));
    }
    if (i === sorted.length || pos >= stop) break;
    const next = sorted[i]!.off;
    if (next < bufStart + buf.length) {
      keep = buf.subarray(next - bufStart);
      keepStart = next;
    } else {
      keep = Buffer.alloc(0);
    }
  }
  stream.destroy();
}
