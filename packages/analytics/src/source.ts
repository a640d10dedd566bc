import { statSync } from 'node:fs';
import { addBadLines, BAD_LINE_KINDS, emptyBadLines } from './bad-lines.js';
import { conflictProblems } from './conflicts.js';
import { ABSENT, CONFLICT, dedupSegment, DROP, IdSet, KEEP } from './dedup.js';
import type { EventSet } from './event-set.js';
import { readFilesParallel } from './pool.js';
import { readLimits, type ReadLimits } from './limits.js';
import { eventFiles, foreignProblem, listLogs, readAt, tooLongProblem, type FileSegments, type LogFileInfo, type LogListing, type ReadProblem } from './reader.js';
import { compactSegment, F, mergeSegments, textRowsOnly, tradeRowsOnly, type Segment } from './segment.js';
import { mergeKeys } from './trades.js';
import { SegmentIndex } from './segment-index.js';
import { UnvouchedLines } from './unvouched.js';

/**
 * Where events come from. The analyzer asks for the de-duplicated set and applies ranges
 * itself, so a source is only about reading: log directories today, a database later.
 */
export interface EventSource {
  load(options?: LoadOptions): Promise<EventSet>;
}

export interface LoadOptions {
  /**
   * µs since the epoch: the caller looks at no event before it, except the trading events
   * (linking reads them all: metrics.md "Trades"). A source may then leave out the other
   * events of what holds only earlier ones (FileSource: of whole files, bad lines included);
   * the events at or after it, and every trading event, must all be there.
   */
  since?: number;
}

export interface FileSourceOptions {
  /** Keep what was read between loads (default true). */
  cache?: boolean;
  /** Worker threads for large reads (default: the machine's cores). */
  threads?: number;
  /** Bytes to read from which worker threads are used (default 16 MiB). */
  parallelThreshold?: number;
  /** Also read trades.log, system.log, errors.log and performance.log beside an audit.log (default false: see eventFiles). */
  readViews?: boolean;
  /**
   * Store the segments read in `<logDir>/.daybook/index/` and use them in later processes
   * instead of parsing the files again (default true). A directory that cannot be written
   * is read without it (one DAYBOOK_W_INDEX_WRITE problem).
   */
  persist?: boolean;
  /** Whether this thread parses its share of a large read (default true; a server says false: pool.ts). */
  mainLane?: boolean;
  /** The parse workers' script (pool.ts; default worker.js): tests give one whose thread dies. */
  worker?: URL;
  /** Bounds on hostile input: longest line, gzip inflation (limits.ts; defaults DEFAULT_READ_LIMITS). */
  limits?: Partial<ReadLimits>;
}

interface CacheEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly gz: boolean;
  /** Replaced by their compacted form once de-duplicated. */
  segments: Segment[];
  readonly endOffset: number;
  readonly probe: Buffer;
  readonly problems: readonly ReadProblem[];
  /** The index chain holding this entry's segments (undefined: not stored), and its number of parts. */
  readonly chain: string | undefined;
  readonly parts: number;
  /** The latest event time in the file (µs; -Infinity: no event). */
  readonly latest: number;
  /**
   * Not read whole: every event before the `since` of the load that found it (scanned, or as
   * the index says), `segments` hold its trading rows only (tradeRowsOnly), de-duplicated
   * by leftOutKeeps (kept between loads), not by absorb.
   */
  readonly leftOut: boolean;
  /**
   * The file is `foreign` (reader.ts): `segments` hold its text lines only, and `foreign`
   * counts the event lines left out. Undefined for any other file, whose segments are all it holds.
   */
  readonly foreign?: number;
}

/**
 * The segments of a read as an entry keeps them: a foreign file's without their event rows
 * (textRowsOnly), and how many were left out. Applied after the read or the index lookup, so
 * the segment index keeps what the file holds, and the rule applies to what comes from it.
 */
function counted(f: LogFileInfo, segments: readonly Segment[]): { segments: Segment[]; foreign?: number } {
  if (f.foreign !== true) return { segments: [...segments] };
  let foreign = 0;
  const kept = segments.map((s) => {
    const r = textRowsOnly(s);
    foreign += r.events;
    return r.segment;
  });
  return { segments: kept, foreign };
}

/** The latest event time of segments (µs), -Infinity when they hold no event. */
function latestIn(segments: readonly Segment[]): number {
  let t = -Infinity;
  for (const s of segments) {
    const ts = s.ts;
    for (let r = 0; r < s.n; r++) if (ts[r]! > t) t = ts[r]!;
  }
  return t;
}

/**
 * An entry's segments when their rows are the file's lines one for one, in order (unvouched.ts
 * RowsOf): the whole file read, no bad line, no row of a copy dropped, not foreign.
 */
function linesAsRows(e: CacheEntry | undefined): readonly Segment[] | undefined {
  if (e === undefined || e.leftOut || e.foreign !== undefined) return undefined;
  for (const s of e.segments) {
    if (s.dropped !== undefined) return undefined;
    for (const k of BAD_LINE_KINDS) if (s.bad[k] !== 0) return undefined;
  }
  return e.segments;
}

/** The cache entry of a file left out of a ranged load: its trading rows and its latest event time. */
function leftOut(f: LogFileInfo, segments: Segment[], latest: number): CacheEntry {
  return {
    size: f.size, mtimeMs: f.mtimeMs, gz: f.gz, segments, endOffset: 0, probe: Buffer.alloc(0),
    problems: [], chain: undefined, parts: 0, latest, leftOut: true,
  };
}

/** The left-out files' marks as a load worked them out (FileSource.leftOutKeeps). */
interface LeftOutMarks {
  /** The left-out files' segments, in the order of the load. */
  readonly order: readonly Segment[];
  readonly keep: ReadonlyMap<Segment, Uint8Array>;
  /** The ids of their rows that what was read whole did not have. */
  readonly seen: IdSet;
}

const PROBE_BYTES = 64;
/**
 * A current file read on every change gets one index part per read; past this many, its
 * next read stores the whole file as one part again, so a new process opens a few files.
 */
const MAX_PARTS = 64;

/**
 * A backup (`.N`, `.N.gz`) of a stream whose events count: what a ranged load may leave out
 * (the current file is the newest and read anyway; a foreign file's events do not count).
 */
const isBackup = (f: LogFileInfo): boolean => (f.gz || f.rotation > 0) && f.foreign !== true;

function isEmpty(s: Segment): boolean {
  return s.n === 0 && Object.values(s.bad).every((v) => v === 0);
}

function readProbe(path: string, end: number): Buffer {
  const len = Math.min(PROBE_BYTES, end);
  const got = readAt(path, end - len, len);
  return got.length === len ? got : Buffer.alloc(0);
}

interface Task {
  readonly file: LogFileInfo;
  readonly start: number;
  readonly base: Segment[];
  /** The entry a growth read continues. */
  readonly prev: CacheEntry | undefined;
  readonly slot: number;
  /** Scan first and leave the file out if every event precedes this (a backup read whole). */
  readonly since: number | undefined;
  /** The file's entry before this load, kept if its path names another file by the time it is read (movedSince). */
  readonly was: CacheEntry | undefined;
}

/**
 * Whether `f`'s path names another file (or none) now than when it was listed. Files are read
 * by path, and a rotation between listing and read (every ~11 s at 10,000 events/s) made the
 * read of `audit.log` take the new file's lines for the listed one's: the next load read the
 * renamed file again from byte 0 and started its de-duplication over. Rotation only moves a
 * file on (a name never comes back to it), so the same identity after the read means the
 * read opened the listed file. A file gone by then is not this case: its read reports it.
 */
function movedSince(f: LogFileInfo): boolean {
  try {
    const st = statSync(f.path);
    return st.dev !== f.dev || st.ino !== f.ino;
  } catch {
    return false; // gone: the read's own problem says so, as before
  }
}

/** Loads again after a rename met during a read (FileSource.loadNow), at most. */
const MAX_MOVED_RELOADS = 3;

/** The entry of a file listed but not read yet: none of its lines, and a size no file has, so the next load reads it. */
function unread(f: LogFileInfo): CacheEntry {
  return {
    size: -1, mtimeMs: f.mtimeMs, gz: f.gz, segments: [], endOffset: 0, probe: Buffer.alloc(0),
    problems: [], chain: undefined, parts: 0, latest: -Infinity, leftOut: false,
  };
}

/**
 * The log files of one or more directories (or single files). With the cache on, a file
 * whose identity (device, inode, size, mtime) is unchanged is not read again: rotated
 * backups are immutable, and a rotation that only renames keeps the inode. A current file
 * that only grew (same inode, the bytes before the old end unchanged) is read from where
 * the last load stopped. De-duplication is incremental too: only new segments are checked
 * against the ids already seen, unless a segment disappeared (then it starts over). With
 * `persist` (the default) what is read is also kept in the directory's segment index, which
 * a new FileSource (a new process) reads instead of the files on the same terms.
 */
export class FileSource implements EventSource {
  readonly paths: readonly string[];
  private readonly useCache: boolean;
  private readonly threads: number | undefined;
  private readonly parallelThreshold: number | undefined;
  private readonly readViews: boolean;
  private readonly mainLane: boolean;
  private readonly worker: URL | undefined;
  private readonly limits: ReadLimits;
  private readonly index: SegmentIndex | undefined;
  private collected = false;
  private cache = new Map<string, CacheEntry>();
  private ids = new IdSet();
  private keepOf = new Map<Segment, Uint8Array>();
  /** Per keep mask of a segment before a load's range: its trading rows and their keep (tradesBefore). */
  private tradesOfKeep = new WeakMap<Uint8Array, { segment: Segment; keep: Uint8Array }>();
  /** The keep marks of the left-out files' trading rows, as the last load worked them out (leftOutKeeps). */
  private leftOutMarks: LeftOutMarks | undefined;
  /** Given to every EventSet of this source: linking resumes from the previous set's (trades.ts). */
  private readonly lineage = {};
  private readonly unvouched = new UnvouchedLines();

  constructor(paths: string | readonly string[], options: FileSourceOptions = {}) {
    this.paths = typeof paths === 'string' ? [paths] : [...paths];
    this.useCache = options.cache !== false;
    this.threads = options.threads;
    this.parallelThreshold = options.parallelThreshold;
    this.readViews = options.readViews === true;
    this.mainLane = options.mainLane !== false;
    this.worker = options.worker;
    this.limits = readLimits(options.limits);
    this.index = options.persist === false ? undefined : new SegmentIndex();
  }

  /**
   * Loads run one after another: a load updates the cache and the de-duplication state in
   * steps, so two at once (a report and an export in one process, say) would mix them.
   */
  load(options: LoadOptions = {}): Promise<EventSet> {
    const since = options.since ?? -Infinity;
    const run = this.running.then(() => this.loadNow(since));
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private running: Promise<void> = Promise.resolve();

  /**
   * The latest event time (µs) of the newest file that loads so far left out, undefined when
   * none is: a load with this `since` reads it (and no older one), so a reader can fill its
   * cache one backup at a time, newest first.
   */
  newestLeftOut(): number | undefined {
    let t: number | undefined;
    for (const e of this.cache.values()) if (e.leftOut && (t === undefined || e.latest > t)) t = e.latest;
    return t;
  }

  /** The log files of the paths (a seam: a test renames files between this listing and the reads). */
  protected list(): LogListing {
    return listLogs(this.paths);
  }

  private async loadNow(since: number): Promise<EventSet> {
    let retried = false;
    for (let moves = 0; ; ) {
      const loaded = await this.loadOnce(retried, since);
      if (loaded === undefined) retried = true;
      // A file renamed while it was read kept its entry of before, without its new lines (a
      // window ending now would count too few: an alert evaluated then saw 272 of 1,000
      // errors): listed again, it is read on under its new name. Bounded, for a directory
      // that rotates faster than it is read.
      else if (loaded.moved && moves++ < MAX_MOVED_RELOADS) continue;
      else return loaded.set;
    }
  }

  /** Drops the de-duplication state: the next load de-duplicates what it holds from scratch. */
  private forgetIds(): void {
    this.ids = new IdSet();
    this.keepOf = new Map();
    this.leftOutMarks = undefined;
  }

  /**
   * Reads what is new and de-duplicates as files complete, in read order (so a file's
   * duplicate rows are dropped before the next files are in memory). Undefined when a
   * compacted file must be read again: some rows it dropped were copies of events whose first
   * copy is gone (its file was deleted or replaced). `moved`: a file was renamed while it was
   * read, and kept its entry of before.
   */
  private async loadOnce(retried: boolean, since: number): Promise<{ set: EventSet; moved: boolean } | undefined> {
    let moved = false;
    const listing = this.list();
    const files = this.readViews ? listing.files : eventFiles(listing.files);
    const previous = this.useCache ? this.cache : new Map<string, CacheEntry>();
    const entries: (CacheEntry | undefined)[] = [];
    const tasks: Task[] = [];
    this.index?.refresh();
    const scan = (f: LogFileInfo): number | undefined => (since > -Infinity && isBackup(f) ? since : undefined);
    files.forEach((f, slot) => {
      let e = previous.get(`${f.dev}:${f.ino}`);
      // Kept under the other rule (an audit.log appeared beside bot.log, or went): from the index again.
      if (e !== undefined && (e.foreign !== undefined) !== (f.foreign === true)) e = undefined;
      // Left out before and needed whole now: the index may hold it whole.
      if (e?.leftOut === true && e.latest >= since) e = this.stored(f) ?? e;
      if (e === undefined && scan(f) !== undefined) e = this.storedTrades(f, since);
      e ??= this.stored(f);
      if (e !== undefined && e.size === f.size && e.mtimeMs === f.mtimeMs && e.gz === f.gz && !(e.leftOut && e.latest >= since)) {
        entries.push(e);
        return;
      }
      entries.push(undefined);
      // A foreign file's kept segments lack its events, which a rewrite of its index chain
      // (past MAX_PARTS, from those segments) would lose: it is read whole again instead.
      const rewrite = f.foreign === true && e !== undefined && e.parts >= MAX_PARTS;
      if (e !== undefined && !rewrite && !e.leftOut && !f.gz && !e.gz && f.size >= e.endOffset && e.probe.equals(readProbe(f.path, e.endOffset))) tasks.push({ file: f, start: e.endOffset, base: e.segments, prev: e, slot, since: undefined, was: e });
      // A file scanned before is known to be needed now: read it, do not scan it again.
      else tasks.push({ file: f, start: 0, base: [], prev: undefined, slot, since: e?.leftOut === true ? undefined : scan(f), was: e });
    });

    // Segments merged before and no longer there: their ids may reappear elsewhere; start over.
    const current = new Set<Segment>();
    for (const e of entries) for (const s of e?.segments ?? []) current.add(s);
    for (const t of tasks) for (const s of t.base) current.add(s);
    let reset = false;
    for (const s of this.keepOf.keys()) {
      if (!current.has(s)) {
        this.forgetIds();
        reset = true;
        break;
      }
    }

    let stored = false;
    let cursor = 0;
    const advance = (): void => {
      for (; cursor < entries.length && entries[cursor] !== undefined; cursor++) this.absorb(entries[cursor]!, isBackup(files[cursor]!));
    };
    advance();
    // Reads before scans: a ranged load waits on its reads, and the scans fill the gaps.
    tasks.sort((a, b) => Number(a.since !== undefined) - Number(b.since !== undefined));
    await readFilesParallel(
      tasks.map((t) => ({ path: t.file.path, gz: t.file.gz, start: t.start, size: t.file.size, since: t.since, limits: this.limits })),
      {
        threads: this.threads, threshold: this.parallelThreshold, order: 'given', mainLane: this.mainLane, worker: this.worker,
        onResult: (i, r) => {
          const t = tasks[i]!;
          // Renamed away meanwhile: what was read may be another file's. The entry stays as it
          // was, and the load is made again (loadNow): its new lines are read under its new name.
          if (movedSince(t.file)) {
            moved = true;
            entries[t.slot] = t.was ?? unread(t.file);
            advance();
            return;
          }
          if (r.leftOut !== undefined) {
            // Its trading rows (prefilter.ts), stored so that this happens once per file.
            const segments = isEmpty(r.segment) ? [] : [r.segment];
            if (r.problems.length === 0) stored = (this.index?.saveTrades(t.file, r.leftOut, segments) ?? false) || stored;
            entries[t.slot] = { ...leftOut(t.file, segments, r.leftOut), problems: r.problems };
            advance();
            return;
          }
          const probe = t.file.gz ? Buffer.alloc(0) : readProbe(t.file.path, r.endOffset);
          const kept = this.store(t, r, probe);
          stored ||= kept.parts > 0 && kept.parts !== t.prev?.parts;
          if (t.start === 0 && r.problems.length === 0) stored = this.storeTrades(t.file, isEmpty(r.segment) ? [] : [r.segment]) || stored;
          const read = counted(t.file, isEmpty(r.segment) ? [] : [r.segment]);
          const segments = [...t.base, ...read.segments];
          const foreign = read.foreign === undefined ? undefined : read.foreign + (t.prev?.foreign ?? 0);
          entries[t.slot] = {
            size: t.file.size, mtimeMs: t.file.mtimeMs, gz: t.file.gz, segments,
            endOffset: r.endOffset, probe, problems: r.problems, ...kept, latest: latestIn(segments), leftOut: false,
            ...(foreign === undefined ? {} : { foreign }),
          };
          advance();
        },
      },
    );
    advance();
    await this.index?.flush();
    if (this.index !== undefined && (stored || !this.collected)) {
      this.index.collect(files);
      this.collected = true;
    }
    const all = entries as CacheEntry[];
    this.cache = this.useCache ? new Map(files.map((f, i) => [`${f.dev}:${f.ino}`, all[i]!])) : new Map();

    if (reset && !retried) {
      // Rows dropped by compaction must still have their first copy somewhere; else read the
      // file again.
      const stale = new Set<CacheEntry>();
      for (const e of all) {
        for (const s of e.segments) {
          if (s.dropped === undefined) continue;
          const w = s.dropped.words;
          let ok = s.dropped.text.every((t) => this.ids.addText(t, 0, true) !== ABSENT);
          for (let o = 0; ok && o < w.length; o += 4) ok = this.ids.addWords(w, o, 0, true) !== ABSENT;
          if (!ok) stale.add(e);
        }
      }
      if (stale.size > 0) {
        for (const [key, e] of this.cache) if (stale.has(e)) this.cache.delete(key);
        this.forgetIds();
        return undefined;
      }
    }

    const segments: Segment[] = [];
    const keep: Uint8Array[] = [];
    const tradeKeys: object[] = [];
    const bad = emptyBadLines();
    const leftOutMarks = this.leftOutKeeps(all);
    const problems: ReadProblem[] = [...listing.problems];
    all.forEach((e, i) => {
      problems.push(...e.problems);
      if ((e.foreign ?? 0) > 0) problems.push(foreignProblem(files[i]!.path, e.foreign!));
      // Before `since` entirely (an event-less file stays: its bad lines count): only what
      // linking needs, its trading rows; no range sees them, so no other figure changes.
      if (e.leftOut || (e.latest > -Infinity && e.latest < since)) {
        for (const s of e.segments) {
          const t = e.leftOut ? { segment: s, keep: leftOutMarks.get(s)! } : this.tradesBefore(s);
          if (t.segment.n === 0) continue;
          segments.push(t.segment);
          keep.push(t.keep);
          // The whole segment's mask: its trading rows are the same whichever form the set holds.
          tradeKeys.push(e.leftOut ? t.keep : this.keepOf.get(s)!);
        }
        return;
      }
      let tooLong = 0;
      for (const s of e.segments) {
        const k = this.keepOf.get(s)!;
        segments.push(s);
        keep.push(k);
        tradeKeys.push(k);
        addBadLines(bad, s.bad);
        tooLong += s.bad.too_long;
      }
      // From the counts, not from the read: they outlive it (growth reads, the segment index).
      if (tooLong > 0) problems.push(tooLongProblem(files[i]!.path, tooLong, this.limits.maxLineBytes));
    });
    if (this.index !== undefined) problems.push(...this.index.problems);
    const byPath = new Map(files.map((f, i) => [f.path, all[i]!]));
    problems.push(...conflictProblems(segments, keep), ...this.unvouched.problems(files, this.limits, (f) => linesAsRows(byPath.get(f.path))));
    if (!this.useCache) {
      this.forgetIds();
    }
    return { set: { segments, keep, bad, problems, tradeKeys, lineage: this.lineage }, moved };
  }

  /** The index's segments of a file, as a cache entry. */
  private stored(f: LogFileInfo): CacheEntry | undefined {
    const s = this.index?.lookup(f);
    if (s === undefined) return undefined;
    const kept = counted(f, s.segments);
    // Stored before this version, or as a current file: a later ranged load needs only these.
    if (!this.index!.hasTrades(f)) this.storeTrades(f, s.segments);
    return { ...s, ...kept, latest: latestIn(kept.segments), leftOut: false };
  }

  /** A backup left out of a load from `since`, from the index's trading rows of it; undefined if it has none, or the file is needed whole. */
  private storedTrades(f: LogFileInfo, since: number): CacheEntry | undefined {
    const s = this.index?.lookupTrades(f);
    return s === undefined || s.latest >= since ? undefined : leftOut(f, s.segments, s.latest);
  }

  /** Stores the trading rows of a backup read whole (raw segments), unless the index has them; whether it stored them. */
  private storeTrades(f: LogFileInfo, raw: readonly Segment[]): boolean {
    if (this.index === undefined || !isBackup(f) || this.index.hasTrades(f)) return false;
    return this.index.saveTrades(f, latestIn(raw), raw.map(tradeRowsOnly).filter((s) => !isEmpty(s)));
  }

  /**
   * The trading rows of a segment of a file before a load's range, with their keep marks
   * (the rows' own, so that de-duplication stays that of the whole read); kept per mask.
   */
  private tradesBefore(s: Segment): { segment: Segment; keep: Uint8Array } {
    const k = this.keepOf.get(s)!;
    let t = this.tradesOfKeep.get(k);
    if (t === undefined) {
      const segment = tradeRowsOnly(s);
      t = { segment, keep: segment === s ? k : Uint8Array.from(s.trades, (x) => k[x.row]!) };
      this.tradesOfKeep.set(k, t);
    }
    return t;
  }

  /**
   * Stores a read in the index: a read from byte 0 as a new chain, a growth read as the next
   * part of its file's chain (or, past MAX_PARTS, the whole file again as one part). A read
   * with problems is not stored: permissions and vanished files are passing states.
   */
  private store(t: Task, r: FileSegments, probe: Buffer): Pick<CacheEntry, 'chain' | 'parts'> {
    const none = { chain: undefined, parts: 0 };
    if (this.index === undefined || r.problems.length > 0) return none;
    const fresh = isEmpty(r.segment) ? [] : [r.segment];
    const read = { file: t.file, endOffset: r.endOffset, probe };
    if (t.start === 0) {
      const chain = this.index.save({ ...read, start: 0, chain: undefined, segments: fresh });
      return chain === undefined ? none : { chain, parts: 1 };
    }
    const prev = t.prev!;
    // Nothing complete was added: the stored parts still end where this read ends.
    if (fresh.length === 0 && r.endOffset === t.start) return { chain: prev.chain, parts: prev.parts };
    if (prev.parts >= MAX_PARTS && t.base.every((s) => s.dropped === undefined)) {
      const chain = this.index.save({ ...read, start: 0, chain: undefined, segments: [...t.base, ...fresh] });
      return chain === undefined ? none : { chain, parts: 1 };
    }
    const chain = this.index.save({ ...read, start: t.start, chain: prev.chain, segments: fresh });
    return chain === undefined ? none : { chain, parts: prev.parts + 1 };
  }

  /**
   * The keep marks of the left-out files' trading rows, per segment: each row against the ids
   * of what was read whole, then against those of the left-out files before it. Not added to
   * the incremental state: when a file is read whole later (the server fills its cache so, one
   * backup at a time), its rows replace these without de-duplicating all again. Kept between
   * loads while the left-out segments are the same ones in the same order and no id absorbed
   * since is one of theirs (absorb checks), so a load pays for them once, not every time.
   */
  private leftOutKeeps(all: readonly CacheEntry[]): ReadonlyMap<Segment, Uint8Array> {
    const order: Segment[] = [];
    for (const e of all) if (e.leftOut) order.push(...e.segments);
    const was = this.leftOutMarks;
    if (was !== undefined && was.order.length === order.length && was.order.every((s, i) => s === order[i])) return was.keep;
    const seen = new IdSet(order.reduce((n, s) => n + s.n, 0));
    const keep = new Map<Segment, Uint8Array>();
    for (const s of order) keep.set(s, this.leftOutKeep(s, seen));
    this.leftOutMarks = { order, keep, seen };
    return keep;
  }

  private leftOutKeep(s: Segment, seen: IdSet): Uint8Array {
    const k = new Uint8Array(s.n);
    for (let r = 0; r < s.n; r++) {
      const d = s.digest[r]!;
      const text = (s.flags[r]! & F.TEXT_ID) !== 0 ? s.textIds.get(r)! : undefined;
      let had = text === undefined ? this.ids.addWords(s.id, r * 4, d, true) : this.ids.addText(text, d, true);
      if (had === ABSENT) had = text === undefined ? seen.addWords(s.id, r * 4, d) : seen.addText(text, d);
      k[r] = had === ABSENT ? KEEP : had === d ? DROP : CONFLICT;
    }
    return k;
  }

  /**
   * Whether an id new to the de-duplication (a KEEP row of `k`) is one of a left-out trading
   * row's: its marks then change (the row read whole is the one counted), so they are worked
   * out again. Any other new id leaves them as they are.
   */
  private touchesLeftOut(s: Segment, k: Uint8Array): boolean {
    const seen = this.leftOutMarks?.seen;
    if (seen === undefined || seen.count === 0) return false;
    for (let r = 0; r < s.n; r++) {
      if (k[r] !== KEEP || (s.flags[r]! & F.NO_ID) !== 0) continue;
      const had = (s.flags[r]! & F.TEXT_ID) !== 0 ? seen.addText(s.textIds.get(r)!, 0, true) : seen.addWords(s.id, r * 4, 0, true);
      if (had !== ABSENT) return true;
    }
    return false;
  }

  /**
   * De-duplicates an entry's new segments, compacting those that are mostly copies (not a
   * left-out file's: leftOutKeeps). With the cache on, segments are merged first: the parts of
   * a file the index gave (up to MAX_PARTS) into one before de-duplication, and a growing
   * file's earlier reads afterwards (settle); a backup, which no longer grows, all into one.
   */
  private absorb(e: CacheEntry, backup: boolean): void {
    if (e.leftOut) return;
    let fresh = e.segments.length;
    while (fresh > 0 && !this.keepOf.has(e.segments[fresh - 1]!)) fresh--;
    if (this.useCache && e.segments.length - fresh > 1) e.segments.splice(fresh, Infinity, mergeSegments(e.segments.slice(fresh)));
    for (let si = 0; si < e.segments.length; si++) {
      let s = e.segments[si]!;
      if (this.keepOf.has(s)) continue;
      let k = dedupSegment(s, this.ids);
      if (this.touchesLeftOut(s, k)) this.leftOutMarks = undefined;
      let dropped = 0;
      for (let r = 0; r < k.length; r++) if (k[r] === DROP) dropped++;
      if (this.useCache && dropped > s.n / 4) {
        s = compactSegment(s, k);
        k = k.filter((v) => v !== DROP); // the conflicting copies stay, still not counted
        e.segments[si] = s;
      }
      this.keepOf.set(s, k);
    }
    if (this.useCache) this.settle(e, e.segments.length - (fresh < e.segments.length ? 1 : 0), backup);
  }

  /**
   * Merges the last of an entry's first `end` segments (those de-duplicated by an earlier load:
   * all but the one just read) with the ones before it while they hold at most twice the rows
   * of what is merged (`all`: every one). Each segment then holds more than twice the rows of
   * the next, so a file read every second has about log2(reads) segments instead of one per
   * read, and a row is copied each time its segment grows by half or more. Every metric passes
   * over every segment: an evaluator that ran for half an hour paid 4.6 times what it paid at
   * first. Only segments that an earlier set held are merged, so linking, which linked them,
   * resumes (trades.ts mergeKeys); the memos of the merged one are made once.
   */
  private settle(e: CacheEntry, end: number, all: boolean): void {
    if (end < 2) return;
    let from = end - 1;
    let rows = e.segments[from]!.n;
    while (from > 0 && (all || e.segments[from - 1]!.n <= 2 * rows)) rows += e.segments[--from]!.n;
    if (from === end - 1) return;
    const parts = e.segments.slice(from, end);
    const keeps = parts.map((s) => this.keepOf.get(s)!);
    const merged = mergeSegments(parts);
    const keep = new Uint8Array(merged.n);
    let o = 0;
    for (const k of keeps) {
      keep.set(k, o);
      o += k.length;
    }
    for (const s of parts) this.keepOf.delete(s);
    this.keepOf.set(merged, keep);
    e.segments.splice(from, parts.length, merged);
    mergeKeys(this.lineage, keeps.filter((_, i) => parts[i]!.trades.length > 0), keep);
  }
}
