import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CHAIN_DIR } from '@daybook/core';
import { listLogFiles, type LogFileInfo, type ReadProblem } from './reader.js';
import type { Segment } from './segment.js';
import { decodePart, encodePart, STORE_SUPPORTED, type Part } from './segment-store.js';

/** Where a log directory's segment index lives, beside core's chain checkpoints. */
export const INDEX_DIR = join(CHAIN_DIR, 'index');

/** What the index holds for one file: the segments of its stored parts, and the last part's view of the file. */
export interface StoredFile {
  readonly chain: string;
  readonly parts: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly gz: boolean;
  readonly segments: Segment[];
  readonly endOffset: number;
  readonly probe: Buffer;
  readonly problems: readonly ReadProblem[];
}

/** A read to store: the file, where the read began, and what it gave. */
export interface StoredRead {
  readonly file: LogFileInfo;
  readonly start: number;
  /** The chain a growth read continues (start > 0); a read from 0 starts a new one. */
  readonly chain: string | undefined;
  readonly segments: readonly Segment[];
  readonly endOffset: number;
  readonly probe: Buffer;
}

// One file per read: `<dev>-<ino>-<start>.seg`. A file read whole is one part (start 0); each
// read of what a current file appended since is one more part, starting where the previous
// one ended and carrying its chain id, so a part left over from an earlier file with the same
// inode is never taken for a continuation.
const PART_NAME = /^(\d+)-(\d+)-(\d+)\.seg$/;
// Beside them, for a backup, `<dev>-<ino>.trd`: its trading rows alone, with its latest event
// time, so that a ranged load that leaves the backup out loads what linking needs of it
// without its segments (a few per cent of their bytes) or its bytes.
const TRADES_NAME = /^(\d+)-(\d+)\.trd$/;
const TMP_NAME = /\.(?:seg|trd)\.\d+\.tmp$/;
/** Another process may be writing a temporary file this young: leave it alone. */
const TMP_STALE_MS = 10 * 60_000;

const identity = (f: { dev: number; ino: number }): string => `${f.dev}-${f.ino}`;

const removeFile = (path: string): void => {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or the directory is read-only: a stale part is ignored anyway
  }
};

/** What a log directory's index holds, per file identity. */
interface Listing {
  readonly parts: Map<string, { start: number; name: string }[]>;
  readonly trades: Map<string, string>;
}

/** A backup's trading rows as the index holds them (SegmentIndex.lookupTrades). */
export interface StoredTrades {
  /** The latest event time of the whole file (µs; -Infinity: none). */
  readonly latest: number;
  readonly segments: Segment[];
}

/**
 * The persisted segment cache of some log directories (`<dir>/.daybook/index/`): reads a
 * file's stored parts back, stores new reads (written to a temporary file and renamed, so a
 * reader sees a whole part or none), keeps a backup's trading rows beside them (`.trd`), and
 * deletes what belongs to files that are gone. Never throws: a part or `.trd` that is
 * damaged, of another format version or not on its file's chain is ignored (and deleted); a
 * directory that cannot be written is reported once, as a problem, and then only read.
 */
export class SegmentIndex {
  private listing = new Map<string, Listing>();
  private readonly failed = new Map<string, ReadProblem>();
  /** The writes and removals not done yet (later()). */
  private queue: Promise<void> = Promise.resolve();

  /** The problems so far: at most one per directory that could not be written. */
  get problems(): ReadProblem[] {
    return [...this.failed.values()];
  }

  /** Forgets the directory listings, so that the next lookups see what other processes wrote. */
  refresh(): void {
    this.listing = new Map();
  }

  private listed(file: LogFileInfo): Listing {
    const dir = join(dirname(file.path), INDEX_DIR);
    let listing = this.listing.get(dir);
    if (listing === undefined) {
      listing = { parts: new Map(), trades: new Map() };
      this.listing.set(dir, listing);
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        // no index yet
      }
      for (const name of names) {
        const t = TRADES_NAME.exec(name);
        if (t !== null) listing.trades.set(`${t[1]}-${t[2]}`, join(dir, name));
        const m = PART_NAME.exec(name);
        if (m === null) continue;
        const key = `${m[1]}-${m[2]}`;
        const list = listing.parts.get(key) ?? [];
        list.push({ start: Number(m[3]), name: join(dir, name) });
        listing.parts.set(key, list);
      }
    }
    return listing;
  }

  private partsOf(file: LogFileInfo): { start: number; name: string }[] {
    return this.listed(file).parts.get(identity(file)) ?? [];
  }

  /** Whether the index holds the trading rows of this file (as listed: lookupTrades checks them). */
  hasTrades(file: LogFileInfo): boolean {
    return STORE_SUPPORTED && this.listed(file).trades.has(identity(file));
  }

  /**
   * The stored trading rows of a file, if stored for this very file (identity, size, mtime);
   * anything else under its name is deleted.
   */
  lookupTrades(file: LogFileInfo): StoredTrades | undefined {
    if (!STORE_SUPPORTED) return undefined;
    const name = this.listed(file).trades.get(identity(file));
    if (name === undefined) return undefined;
    let part: Part | undefined;
    try {
      part = decodePart(readFileSync(name));
    } catch {
      part = undefined;
    }
    if (part?.trades === undefined || part.dev !== file.dev || part.ino !== file.ino || part.size !== file.size || part.mtimeMs !== file.mtimeMs || part.gz !== file.gz) {
      removeFile(name);
      this.listed(file).trades.delete(identity(file));
      return undefined;
    }
    return { latest: part.trades.latest ?? -Infinity, segments: [...part.segments] };
  }

  /** Stores the trading rows of a whole file (tradeRowsOnly segments) and its latest event time; false if not stored. */
  saveTrades(file: LogFileInfo, latest: number, segments: readonly Segment[]): boolean {
    const path = join(dirname(file.path), INDEX_DIR, `${identity(file)}.trd`);
    if (!STORE_SUPPORTED || this.failed.has(dirname(path)) || segments.some((s) => s.dropped !== undefined)) return false;
    const chunks = encodePart({
      chain: '', dev: file.dev, ino: file.ino, size: file.size, mtimeMs: file.mtimeMs, gz: file.gz, start: 0, endOffset: 0,
      probe: '', problems: [], trades: { latest: latest === -Infinity ? null : latest }, segments,
    });
    if (!this.write(path, chunks)) return false;
    this.listed(file).trades.set(identity(file), path);
    return true;
  }

  /** The stored segments of a file, if its parts form a chain from byte 0; parts off the chain are deleted. */
  lookup(file: LogFileInfo): StoredFile | undefined {
    if (!STORE_SUPPORTED) return undefined;
    const candidates = this.partsOf(file);
    if (candidates.length === 0) return undefined;
    const byStart = new Map(candidates.map((c) => [c.start, c.name]));
    const used = new Set<string>();
    const parts: Part[] = [];
    for (let start = 0; ;) {
      const name = byStart.get(start);
      if (name === undefined || used.has(name)) break;
      let part: Part | undefined;
      try {
        part = decodePart(readFileSync(name));
      } catch {
        part = undefined;
      }
      if (part === undefined || part.dev !== file.dev || part.ino !== file.ino || part.start !== start || (parts.length > 0 && part.chain !== parts[0]!.chain)) break;
      parts.push(part);
      used.add(name);
      if (part.endOffset <= start) break;
      start = part.endOffset;
    }
    for (const c of candidates) if (!used.has(c.name)) removeFile(c.name);
    const last = parts.at(-1);
    if (last === undefined) return undefined;
    return {
      chain: last.chain, parts: parts.length, size: last.size, mtimeMs: last.mtimeMs, gz: last.gz,
      segments: parts.flatMap((p) => p.segments), endOffset: last.endOffset,
      probe: Buffer.from(last.probe, 'base64'), problems: last.problems,
    };
  }

  /** Stores a read; returns the chain id it was stored under, or undefined if it was not. */
  save(read: StoredRead): string | undefined {
    if (!STORE_SUPPORTED) return undefined;
    const f = read.file;
    const dir = join(dirname(f.path), INDEX_DIR);
    if (this.failed.has(dir)) return undefined;
    const chain = read.start === 0 ? randomBytes(8).toString('hex') : read.chain;
    // A compacted segment lacks the rows that other files hold: only raw reads are stored.
    if (chain === undefined || read.segments.some((s) => s.dropped !== undefined)) return undefined;
    const chunks = encodePart({
      chain, dev: f.dev, ino: f.ino, size: f.size, mtimeMs: f.mtimeMs, gz: f.gz, start: read.start, endOffset: read.endOffset,
      probe: read.probe.toString('base64'), problems: [], segments: read.segments,
    });
    if (!this.write(join(dir, `${identity(f)}-${read.start}.seg`), chunks)) return undefined;
    if (read.start === 0) {
      // The parts of an earlier read of this inode are now off the chain, and trading rows
      // stored under it are of an earlier file or of this one (then stored again).
      for (const c of this.partsOf(f)) if (c.start !== 0) this.later(() => removeFile(c.name));
      const trades = this.listed(f).trades;
      const old = trades.get(identity(f));
      if (old !== undefined) this.later(() => removeFile(old));
      trades.delete(identity(f));
    }
    return chain;
  }

  /**
   * Writes a file of the index whole (to a temporary file, then renamed) on libuv's thread
   * pool, so that this thread goes on parsing and de-duplicating meanwhile (the ~55 MB of a 1 GB
   * directory's parts cost a first report ~0.4 s of this thread's time in writev when written
   * here). The caller awaits `flush()` before it relies on the files. False if the directory
   * already failed; a failure is reported once and the directory no longer written.
   */
  private write(path: string, chunks: readonly Buffer[]): boolean {
    const dir = dirname(path);
    if (this.failed.has(dir)) return false;
    const tmp = `${path}.${process.pid}.tmp`;
    const fail = (e: unknown): void => {
      removeFile(tmp);
      this.failed.set(dir, {
        file: dir, code: 'DAYBOOK_W_INDEX_WRITE',
        message: `${dir}: the segment index cannot be written (${(e as Error).message}); reports are complete, but each new process reads the logs again (persist: false or --no-index turns the index off)`,
      });
    };
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      fail(e);
      return false;
    }
    // writeFile writes an iterable's buffers one after another, each whole.
    this.later(() => writeFile(tmp, chunks).then(() => rename(tmp, path)).catch(fail));
    return true;
  }

  /**
   * Runs `step` after the writes and removals queued before it: one at a time, in order, so
   * that a part removed after it was written (a file read again from byte 0) stays removed.
   */
  private later(step: () => unknown): void {
    this.queue = this.queue.then(step).then(() => undefined, () => undefined);
  }

  /** Waits for the writes and removals queued (write()); a failed write has then marked its directory. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /**
   * Deletes the parts of files that are no longer in their directory (rotated out, deleted,
   * replaced), and temporary files left by a crashed writer. `reading` are the files being
   * read (a file given by path may have a name that a directory listing skips).
   */
  collect(reading: readonly LogFileInfo[]): void {
    const dirs = new Set(reading.map((f) => dirname(f.path)));
    for (const logDir of dirs) {
      const dir = join(logDir, INDEX_DIR);
      let names: string[];
      let present: Set<string>;
      try {
        names = readdirSync(dir);
        present = new Set([...listLogFiles([logDir]), ...reading].map(identity));
      } catch {
        continue;
      }
      const now = Date.now();
      for (const name of names) {
        const m = PART_NAME.exec(name) ?? TRADES_NAME.exec(name);
        if (m !== null) {
          if (!present.has(`${m[1]}-${m[2]}`)) removeFile(join(dir, name));
        } else if (TMP_NAME.test(name)) {
          const st = statSync(join(dir, name), { throwIfNoEntry: false });
          if (st !== undefined && now - st.mtimeMs > TMP_STALE_MS) removeFile(join(dir, name));
        }
      }
    }
    this.refresh();
  }
}
