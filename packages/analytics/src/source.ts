import { closeSync, openSync, readSync } from 'node:fs';
import { addBadLines, emptyBadLines } from './bad-lines.js';
import { dedupSegment, IdSet } from './dedup.js';
import type { EventSet } from './event-set.js';
import { readFilesParallel } from './pool.js';
import { listLogFiles, type LogFileInfo, type ReadProblem } from './reader.js';
import type { Segment } from './segment.js';

/**
 * Where events come from. The analyzer asks for the whole, de-duplicated set and applies
 * ranges itself, so a source is only about reading: log directories today, a database later.
 */
export interface EventSource {
  load(): Promise<EventSet>;
}

export interface FileSourceOptions {
  /** Keep what was read between loads (default true). */
  cache?: boolean;
  /** Worker threads for large reads (default: the machine's cores). */
  threads?: number;
  /** Bytes to read from which worker threads are used (default 16 MiB). */
  parallelThreshold?: number;
}

interface CacheEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly gz: boolean;
  readonly segments: readonly Segment[];
  readonly tail: Segment | undefined;
  readonly endOffset: number;
  readonly probe: Buffer;
  readonly problems: readonly ReadProblem[];
}

const PROBE_BYTES = 64;

function isEmpty(s: Segment): boolean {
  return s.n === 0 && Object.values(s.bad).every((v) => v === 0);
}

function readProbe(path: string, end: number): Buffer {
  const len = Math.min(PROBE_BYTES, end);
  const buf = Buffer.alloc(len);
  if (len === 0) return buf;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const got = readSync(fd, buf, 0, len, end - len);
    return got === len ? buf : Buffer.alloc(0);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The log files of one or more directories (or single files). With the cache on, a file
 * whose identity (device, inode, size, mtime) is unchanged is not read again: rotated
 * backups are immutable, and a rotation that only renames keeps the inode. A current file
 * that only grew (same inode, the bytes before the old end unchanged) is read from where
 * the last load stopped. De-duplication is incremental too: only new segments are checked
 * against the ids already seen, unless a segment disappeared (then it starts over).
 */
export class FileSource implements EventSource {
  readonly paths: readonly string[];
  private readonly useCache: boolean;
  private readonly threads: number | undefined;
  private readonly parallelThreshold: number | undefined;
  private cache = new Map<string, CacheEntry>();
  private ids = new IdSet();
  private keepOf = new Map<Segment, Uint8Array>();

  constructor(paths: string | readonly string[], options: FileSourceOptions = {}) {
    this.paths = typeof paths === 'string' ? [paths] : [...paths];
    this.useCache = options.cache !== false;
    this.threads = options.threads;
    this.parallelThreshold = options.parallelThreshold;
  }

  async load(): Promise<EventSet> {
    const files = listLogFiles(this.paths);
    const previous = this.useCache ? this.cache : new Map<string, CacheEntry>();
    const next = new Map<string, CacheEntry>();
    const tasks: { file: LogFileInfo; start: number; base: readonly Segment[] }[] = [];
    for (const f of files) {
      const key = `${f.dev}:${f.ino}`;
      const e = previous.get(key);
      if (e !== undefined && e.size === f.size && e.mtimeMs === f.mtimeMs && e.gz === f.gz) {
        next.set(key, e);
      } else if (e !== undefined && !f.gz && !e.gz && f.size >= e.endOffset && e.probe.equals(readProbe(f.path, e.endOffset))) {
        tasks.push({ file: f, start: e.endOffset, base: e.segments });
      } else {
        tasks.push({ file: f, start: 0, base: [] });
      }
    }
    const results = await readFilesParallel(
      tasks.map((t) => ({ path: t.file.path, gz: t.file.gz, start: t.start, size: t.file.size })),
      this.threads,
      this.parallelThreshold,
    );
    tasks.forEach((t, i) => {
      const r = results[i]!;
      const segments = isEmpty(r.segment) ? t.base : [...t.base, r.segment];
      next.set(`${t.file.dev}:${t.file.ino}`, {
        size: t.file.size, mtimeMs: t.file.mtimeMs, gz: t.file.gz, segments, tail: r.tail, endOffset: r.endOffset,
        probe: t.file.gz ? Buffer.alloc(0) : readProbe(t.file.path, r.endOffset), problems: r.problems,
      });
    });
    if (this.useCache) this.cache = next;
    return this.merge(files.map((f) => next.get(`${f.dev}:${f.ino}`)!));
  }

  private merge(entries: readonly CacheEntry[]): EventSet {
    const segments: Segment[] = [];
    const keep: Uint8Array[] = [];
    const bad = emptyBadLines();
    const problems: ReadProblem[] = [];
    const current = new Set<Segment>();
    for (const e of entries) for (const s of e.segments) current.add(s);
    for (const s of this.keepOf.keys()) {
      if (!current.has(s)) {
        // A file vanished or was replaced: its ids may reappear elsewhere; start over.
        this.ids = new IdSet(current.size * 1024);
        this.keepOf = new Map();
        break;
      }
    }
    const tails: [number, Segment][] = [];
    for (const e of entries) {
      for (const s of e.segments) {
        let k = this.keepOf.get(s);
        if (k === undefined) {
          k = dedupSegment(s, this.ids);
          this.keepOf.set(s, k);
        }
        segments.push(s);
        keep.push(k);
        addBadLines(bad, s.bad);
      }
      if (e.tail !== undefined) {
        tails.push([segments.length, e.tail]);
        segments.push(e.tail);
        keep.push(new Uint8Array(0)); // filled below, once every complete line's id is known
        addBadLines(bad, e.tail.bad);
      }
      problems.push(...e.problems);
    }
    const seenInTails = new IdSet();
    for (const [i, t] of tails) keep[i] = dedupSegment(t, this.ids, seenInTails);
    if (!this.useCache) {
      this.ids = new IdSet();
      this.keepOf = new Map();
    }
    return { segments, keep, bad, problems };
  }
}
