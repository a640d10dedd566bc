import { closeSync, constants, createReadStream, fstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { CHAIN_DIR, classifyLogNames, LOG_FILES } from '@daybook/core';
import { AnalyticsError, type ReadProblemCode } from './codes.js';
import { DEFAULT_READ_LIMITS, inflateLimit, type ReadLimits } from './limits.js';
import { LineSplitter, type LineSink } from './lines.js';
import { SegmentBuilder, type Segment } from './segment.js';

/** A log file found in a directory: `<base>.log`, `<base>.log.<N>` or `<base>.log.<N>.gz`. */
export interface LogFileInfo {
  readonly path: string;
  readonly base: string;
  /** 0 for the current file, N for `.log.N`. */
  readonly rotation: number;
  readonly gz: boolean;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /**
   * Set on a file of a daybook directory (foreignEvents) that is not of the audit family: its
   * event lines are not counted (DAYBOOK_W_READ_FOREIGN_EVENTS), its app text lines are.
   */
  readonly foreign?: boolean;
}

export interface ReadProblem {
  readonly file: string;
  readonly code: ReadProblemCode;
  readonly message: string;
  /** DAYBOOK_W_READ_UNVOUCHED: how many lines, and the earliest and latest event time among them (ISO-8601). */
  readonly lines?: number;
  readonly first?: string;
  readonly last?: string;
}

const LOG_NAME = /^(.+)\.log(?:\.(\d+))?(\.gz)?$/;

function info(path: string, st: Stats, base: string, rotation: number, gz: boolean, foreign = false): LogFileInfo {
  const f = { path, base, rotation, gz, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  return foreign ? { ...f, foreign } : f;
}

/** The streams daybook writes events to: audit.log and its category views (core's LOG_FILES). */
const AUDIT_FAMILY: ReadonlySet<string> = new Set(Object.values(LOG_FILES));

/** Whether `<dir>/.daybook/` holds a checkpoint file (`*.chain`): the directory is chained. */
function hasChainFile(dir: string): boolean {
  try {
    return readdirSync(join(dir, CHAIN_DIR)).some((n) => n.endsWith('.chain'));
  } catch {
    return false; // none, or `.daybook` is not a directory
  }
}

/**
 * Whether the event lines of a directory's files outside the audit family must be left out:
 * when the directory holds a stream of that family (backups included) or a checkpoint file, it
 * is a daybook directory, and daybook writes events only there. Verify vouches for nothing
 * else, so a JSON event line in `bot.log`, `AUDIT.log` or a look-alike name (`аudit.log` with
 * a Cyrillic а) would be an event nobody can check: one forged line would add a trade.
 */
function foreignEvents(dir: string, streams: Iterable<string>): boolean {
  for (const s of streams) if (AUDIT_FAMILY.has(s)) return true;
  return hasChainFile(dir);
}

/** The problem of a file whose event lines were not counted (LogFileInfo.foreign). */
export function foreignProblem(path: string, lines: number): ReadProblem {
  return {
    file: path, code: 'DAYBOOK_W_READ_FOREIGN_EVENTS', lines,
    message: `${lines} audit event${lines === 1 ? '' : 's'} in ${path} ${lines === 1 ? 'is' : 'are'} not counted: daybook writes events only to audit.log; run \`daybook verify\``,
  };
}

/** The category views of a daybook or DayBot directory: every line they hold is also in audit.log. */
const VIEWS: ReadonlySet<string> = new Set(['trades', 'system', 'errors', 'performance']);

/**
 * The files that hold the events: in a directory with `audit.log*` (the source of truth,
 * which holds every line of its category views), `trades.log*`, `system.log*`,
 * `errors.log*` and `performance.log*` would only be parsed to be dropped as duplicates, and
 * are left out. App logs (`<app>.log`) and directories without audit.log are kept (an app
 * log marked `foreign` for its text lines only).
 */
export function eventFiles(files: readonly LogFileInfo[]): LogFileInfo[] {
  const withAudit = new Set(files.filter((f) => f.base === 'audit').map((f) => dirname(f.path)));
  return files.filter((f) => !(VIEWS.has(f.base) && withAudit.has(dirname(f.path))));
}

/** What kind of file a stat describes, for a problem that refuses it. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

function notFile(path: string, st: Stats): ReadProblem {
  return { file: path, code: 'DAYBOOK_W_READ_NOT_FILE', message: `${path} is ${kindOf(st)}, not a log file: not read` };
}

/** The log files of some paths, and the problems of listing them. */
export interface LogListing {
  readonly files: LogFileInfo[];
  /** Strays (DAYBOOK_W_READ_STRAY_FILE) and special files (DAYBOOK_W_READ_NOT_FILE), per path in order. */
  readonly problems: ReadProblem[];
}

/**
 * The log files of each path, in read order: paths as given; in a directory, `audit.log*`
 * (the source of truth) first, then the other streams alphabetically; per stream the oldest
 * backup first and the current file last. Which files make up a stream is core's
 * `classifyLogNames`, the answer verify uses too: a look-alike (`audit.log.0`,
 * `audit.log.gz`, a plain backup beside its gzip) is not read, and is a problem that says
 * why. A name that is a FIFO, socket, device or directory (through a symlink too) is not
 * read either (a FIFO would block the read forever). A path that is a regular file is read
 * as it is, whatever its name. A file reached twice is listed once. In a daybook directory
 * (foreignEvents), the files outside the audit family are marked `foreign`: readers count
 * their app text lines, not their event lines.
 * Throws DAYBOOK_E_READ_DIR for a path that does not exist.
 */
export function listLogs(paths: readonly string[]): LogListing {
  const out: LogFileInfo[] = [];
  const problems: ReadProblem[] = [];
  for (const p of paths) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      throw new AnalyticsError('DAYBOOK_E_READ_DIR', `cannot read log directory ${p} (${(e as Error).message})`, { cause: e });
    }
    if (!st.isDirectory()) {
      if (!st.isFile()) {
        problems.push(notFile(p, st));
        continue;
      }
      const m = LOG_NAME.exec(basename(p));
      out.push(info(p, st, m?.[1] ?? basename(p), Number(m?.[2] ?? 0), p.endsWith('.gz')));
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(p);
    } catch (e) {
      throw new AnalyticsError('DAYBOOK_E_READ_DIR', `cannot list log directory ${p} (${(e as Error).message})`, { cause: e });
    }
    // Only names that look like log files are looked at (a bot's other files are none of
    // ours); stat follows symlinks, so a link to a FIFO is refused like the FIFO.
    const looked = classifyLogNames(names);
    const stats = new Map<string, Stats>();
    for (const name of [...[...looked.streams.values()].flat().map((f) => f.name), ...looked.strays.map((s) => s.name)]) {
      let fst: Stats;
      try {
        fst = statSync(join(p, name));
      } catch {
        continue; // vanished between readdir and stat (rotation): the renamed file is listed too
      }
      if (fst.isFile()) stats.set(name, fst);
      else problems.push(notFile(join(p, name), fst));
    }
    const dir = classifyLogNames(stats.keys());
    const daybook = foreignEvents(p, looked.streams.keys());
    const streams = [...dir.streams.keys()].sort((a, b) => (a === 'audit.log' ? -1 : b === 'audit.log' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const stream of streams) {
      for (const f of dir.streams.get(stream)!) out.push(info(join(p, f.name), stats.get(f.name)!, stream.slice(0, -'.log'.length), f.n, f.gz, daybook && !AUDIT_FAMILY.has(stream)));
    }
    for (const s of dir.strays) problems.push({ file: join(p, s.name), code: 'DAYBOOK_W_READ_STRAY_FILE', message: `${join(p, s.name)}: not read: ${s.reason}` });
  }
  // A file named twice (a directory given twice, or a file and its directory) is read once.
  const seen = new Set<string>();
  const files = out.filter((f) => {
    const key = `${f.dev}:${f.ino}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const named = new Set<string>();
  const unique = problems.filter((q) => {
    if (named.has(q.file)) return false;
    named.add(q.file);
    return true;
  });
  return { files, problems: unique };
}

export function tooLongProblem(path: string, lines: number, maxLineBytes: number): ReadProblem {
  return { file: path, code: 'DAYBOOK_W_READ_LINE_TOO_LONG', message: `${path}: ${lines} line${lines === 1 ? '' : 's'} longer than ${maxLineBytes} bytes skipped (counted as bad lines, too_long)` };
}

/** The files of listLogs (its problems left out). */
export function listLogFiles(paths: readonly string[]): LogFileInfo[] {
  return listLogs(paths).files;
}

/**
 * Opens a file for reading only if it is a regular file: O_NONBLOCK so that a FIFO put in
 * place after the listing cannot block the open, and fstat on what was opened (no race
 * between a check and the open). Throws a ReadProblem-shaped error otherwise.
 */
export function openRegular(path: string): { fd: number; size: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw new NotRegularFile(notFile(path, st));
  }
  return { fd, size: st.size };
}

class NotRegularFile extends Error {
  constructor(readonly problem: ReadProblem) {
    super(problem.message);
  }
}

/** Up to `length` bytes of a file from `position` (fewer at its end; none if it cannot be read, or is not a regular file). */
export function readAt(path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  if (length === 0) return buf;
  let fd: number | undefined;
  try {
    fd = openRegular(path).fd;
    return buf.subarray(0, readSync(fd, buf, 0, length, position));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Streams a file's bytes (gunzipped for .gz) from byte `start` into `onChunk`. A gzip file
 * stops at its inflate limit (ReadLimits): the bytes up to it are given, then a problem.
 * `reuse`: `onChunk` copies what it keeps of a chunk (LineSplitter does), so a plain file is
 * read, whatever its size, by synchronous reads into one buffer given each time (readChunks).
 */
export async function streamFile(path: string, gz: boolean, start: number, onChunk: (b: Buffer) => void, chunkBytes = 1 << 18, limits: ReadLimits = DEFAULT_READ_LIMITS, reuse = false): Promise<ReadProblem | undefined> {
  let opened: { fd: number; size: number };
  try {
    opened = openRegular(path);
  } catch (e) {
    if (e instanceof NotRegularFile) return e.problem;
    return { file: path, code: 'DAYBOOK_W_READ_FILE', message: `${path}: ${(e as Error).message}` };
  }
  if (!gz && (reuse || opened.size - start <= SYNC_READ_BYTES)) return readChunks(path, opened.fd, start, onChunk, chunkBytes, reuse);
  const file = createReadStream(path, { fd: opened.fd, start, highWaterMark: chunkBytes });
  const stream = gz ? file.pipe(createGunzip({ chunkSize: chunkBytes })) : file;
  if (gz) file.on('error', (e) => stream.destroy(e));
  const limit = gz ? inflateLimit(limits, opened.size) : Infinity;
  let inflated = 0;
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      if (inflated + b.length > limit) {
        onChunk(b.subarray(0, limit - inflated));
        file.destroy();
        stream.destroy();
        return {
          file: path, code: 'DAYBOOK_W_READ_GZIP_LIMIT',
          message: `${path}: inflates to more than ${limit} bytes (${opened.size} compressed; the limit is ${limits.maxInflateRatio}× its size, at least ${limits.minInflateBytes}): the rest is not read`,
        };
      }
      inflated += b.length;
      onChunk(b);
    }
    return undefined;
  } catch (e) {
    file.destroy();
    const err = e as NodeJS.ErrnoException;
    const damaged = gz && err.code !== undefined && err.code.startsWith('Z_');
    return {
      file: path,
      code: damaged ? 'DAYBOOK_W_READ_GZIP' : 'DAYBOOK_W_READ_FILE',
      message: `${path}: ${err.message}`,
    };
  }
}

/**
 * Without `reuse` (a consumer that keeps views of its chunks: the scans of scan.ts and
 * prefilter.ts), up to this many bytes of a plain file are read by readChunks; more by a
 * stream, whose thread-pool reads run ahead of the parse. readInto reuses, and reads so
 * whatever the size: the 1 GB first report took 0.81-0.87x DuckDB's time so against
 * 0.80-0.83x with the stream (two runs each, session 15), within the noise.
 */
const SYNC_READ_BYTES = 8 * 1024 * 1024;

/**
 * A plain file's bytes from `start` to its end, in synchronous reads of `chunkBytes` with a
 * turn of the event loop between them (a thread that serves requests, or takes in workers'
 * results, still does between chunks). From the page cache a read is a copy: cheaper than a
 * stream's round trip through the thread pool and its async iteration. Measured on the
 * 2.4 MB a repeated report of the Python bench reads: ~3 ms CPU and ~9 ms wall instead of
 * ~6 and ~20 on a busy machine. With `reuse`, every chunk is read into the same buffer: a
 * new one per chunk (a stream's way too) was ~66 MB outside V8's heap per evaluation of
 * `daybook alert` at 10,000 events/s, and reading so cost 0.76x the CPU per evaluation
 * (1,034-1,057 ms against 1,359-1,385 ms, bench/RESULTS.md, session 15). Closes `fd`.
 */
async function readChunks(path: string, fd: number, start: number, onChunk: (b: Buffer) => void, chunkBytes: number, reuse: boolean): Promise<ReadProblem | undefined> {
  let pos = start;
  const one = reuse ? Buffer.allocUnsafe(chunkBytes) : undefined;
  try {
    for (let n = 0; ; n++) {
      if (n > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const buf = one ?? Buffer.allocUnsafe(chunkBytes);
      const got = readSync(fd, buf, 0, chunkBytes, pos);
      if (got === 0) return undefined;
      pos += got;
      onChunk(got === chunkBytes ? buf : buf.subarray(0, got));
    }
  } catch (e) {
    return { file: path, code: 'DAYBOOK_W_READ_FILE', message: `${path}: ${(e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file (or its bytes from `start` on) into lines for `sink`: its complete lines only.
 * Returns how many bytes of complete lines were read, how many bytes follow the last `\n`
 * (unread: a line being written, or torn) and the problems met (over-long lines included).
 */
export async function readInto(path: string, gz: boolean, start: number, sink: LineSink, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<{ consumed: number; unterminated: number; problems: ReadProblem[] }> {
  const splitter = new LineSplitter(sink, start === 0, limits.maxLineBytes);
  const tooLong = sink.bad.too_long;
  // The splitter copies the piece of a line it holds over to the next chunk: chunks can share one buffer.
  const problem = await streamFile(path, gz, start, (b) => splitter.push(b), undefined, limits, true);
  const problems = problem === undefined ? [] : [problem];
  const skipped = sink.bad.too_long - tooLong;
  if (skipped > 0) problems.push(tooLongProblem(path, skipped, limits.maxLineBytes));
  // A backup is complete: a gzip that ends inside a line was cut (its damage, if any, is the
  // problem above). A plain file's last line may still be being written.
  if (gz && problem === undefined && splitter.pendingBytes > 0) {
    problems.push({ file: path, code: 'DAYBOOK_W_READ_TORN_LINE', message: `${path}: ends with ${splitter.pendingBytes} bytes without a newline (a torn line): not counted` });
  }
  return { consumed: splitter.consumed, unterminated: splitter.pendingBytes, problems };
}

export interface FileSegments {
  /** The complete lines from `start` on. */
  readonly segment: Segment;
  /** Byte offset just after the last complete line: a later read of a growing file resumes there. */
  readonly endOffset: number;
  readonly problems: ReadProblem[];
  /** Set when the file was not read whole because every event in it (the latest at this time, µs) precedes the load's `since`: `segment` holds its trading rows only. */
  readonly leftOut?: number;
}

/**
 * Reads one log file into segments: its complete lines (what follows the last `\n` is read
 * once its newline is there, by a read from `endOffset`). Never throws: a failure is a
 * problem in the result.
 */
export async function readFileSegments(path: string, gz: boolean, start = 0, sizeHint = 0, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<FileSegments> {
  const builder = new SegmentBuilder(path, Math.max(256, Math.min(1 << 22, Math.ceil(sizeHint / 300))));
  const { consumed, problems } = await readInto(path, gz, start, builder, limits);
  // Over-long lines are in the segment's bad-line counts, which FileSource turns into the
  // problem: a read whose only problem is its content is stored in the index like any other.
  return { segment: builder.finish(), endOffset: start + consumed, problems: problems.filter((p) => p.code !== 'DAYBOOK_W_READ_LINE_TOO_LONG') };
}
