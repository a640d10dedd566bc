import { closeSync, createReadStream, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { AnalyticsError, type ReadProblemCode } from './codes.js';
import { LineSplitter, readLineBytes, type LineSink } from './lines.js';
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
}

export interface ReadProblem {
  readonly file: string;
  readonly code: ReadProblemCode;
  readonly message: string;
}

const LOG_NAME = /^(.+)\.log(?:\.(\d+))?(\.gz)?$/;

function info(path: string, st: Stats, base: string, rotation: number, gz: boolean): LogFileInfo {
  return { path, base, rotation, gz, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

/** The category views of a daybook or DayBot directory: every line they hold is also in audit.log. */
const VIEWS: ReadonlySet<string> = new Set(['trades', 'system', 'errors', 'performance']);

/**
 * The files that hold the events: in a directory with `audit.log*` (the source of truth,
 * which holds every line of its category views), `trades.log*`, `system.log*`,
 * `errors.log*` and `performance.log*` would only be parsed to be dropped as duplicates, and
 * are left out. App logs (`<app>.log`) and directories without audit.log are kept.
 */
export function eventFiles(files: readonly LogFileInfo[]): LogFileInfo[] {
  const withAudit = new Set(files.filter((f) => f.base === 'audit').map((f) => dirname(f.path)));
  return files.filter((f) => !(VIEWS.has(f.base) && withAudit.has(dirname(f.path))));
}

/**
 * The log files of each path, in read order: paths as given; in a directory, `audit.log*`
 * (the source of truth) first, then the other names alphabetically; per name the oldest
 * backup first and the current file last. A path that is a file is read as it is. A file
 * reached twice is listed once.
 * Throws DAYBOOK_E_READ_DIR for a path that does not exist.
 */
export function listLogFiles(paths: readonly string[]): LogFileInfo[] {
  const out: LogFileInfo[] = [];
  for (const p of paths) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      throw new AnalyticsError('DAYBOOK_E_READ_DIR', `cannot read log directory ${p} (${(e as Error).message})`, { cause: e });
    }
    if (!st.isDirectory()) {
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
    const found: LogFileInfo[] = [];
    for (const name of names) {
      const m = LOG_NAME.exec(name);
      if (m === null) continue;
      const path = join(p, name);
      let fst: Stats;
      try {
        fst = statSync(path);
      } catch {
        continue; // vanished between readdir and stat (rotation): the renamed file is listed too
      }
      if (!fst.isFile()) continue;
      found.push(info(path, fst, m[1]!, Number(m[2] ?? 0), m[3] !== undefined));
    }
    found.sort((a, b) => {
      if (a.base !== b.base) {
        if (a.base === 'audit') return -1;
        if (b.base === 'audit') return 1;
        return a.base < b.base ? -1 : 1;
      }
      if (a.rotation !== b.rotation) {
        if (a.rotation === 0) return 1;
        if (b.rotation === 0) return -1;
        return b.rotation - a.rotation;
      }
      return a.gz === b.gz ? 0 : a.gz ? -1 : 1;
    });
    out.push(...found);
  }
  // A file named twice (a directory given twice, or a file and its directory) is read once.
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = `${f.dev}:${f.ino}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Up to `length` bytes of a file from `position` (fewer at its end; none if it cannot be read). */
export function readAt(path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  if (length === 0) return buf;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return buf.subarray(0, readSync(fd, buf, 0, length, position));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Streams a file's bytes (gunzipped for .gz) from byte `start` into `onChunk`. */
export async function streamFile(path: string, gz: boolean, start: number, onChunk: (b: Buffer) => void, chunkBytes = 1 << 18): Promise<ReadProblem | undefined> {
  const file = createReadStream(path, { start, highWaterMark: chunkBytes });
  const stream = gz ? file.pipe(createGunzip({ chunkSize: chunkBytes })) : file;
  if (gz) file.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) onChunk(chunk as Buffer);
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
 * Reads a file (or its bytes from `start` on) into lines for `sink`. Returns the unterminated
 * last line, if any, and how many bytes of complete lines were read.
 */
export async function readInto(path: string, gz: boolean, start: number, sink: LineSink): Promise<{ consumed: number; rest: Buffer; problem: ReadProblem | undefined }> {
  const splitter = new LineSplitter(sink, start === 0);
  const problem = await streamFile(path, gz, start, (b) => splitter.push(b));
  return { consumed: splitter.consumed, rest: splitter.rest(), problem };
}

export interface FileSegments {
  /** The complete lines from `start` on. */
  readonly segment: Segment;
  /** The unterminated last line of a plain file (it may still be being written): kept apart so that a cache can resume at `endOffset`. */
  readonly tail: Segment | undefined;
  /** Byte offset just after the last complete line. */
  readonly endOffset: number;
  readonly problems: ReadProblem[];
  /** Set when the file was not read because every event in it (the latest at this time, µs) precedes the load's `since`. */
  readonly leftOut?: number;
}

/** Reads one log file into segments. Never throws: a failure is a problem in the result. */
export async function readFileSegments(path: string, gz: boolean, start = 0, sizeHint = 0): Promise<FileSegments> {
  const builder = new SegmentBuilder(path, Math.max(256, Math.min(1 << 22, Math.ceil(sizeHint / 300))));
  const { consumed, rest, problem } = await readInto(path, gz, start, builder);
  const problems = problem === undefined ? [] : [problem];
  let tail: Segment | undefined;
  if (rest.length > 0) {
    if (gz) readLineBytes(rest, builder);
    else {
      const t = new SegmentBuilder(path, 4);
      readLineBytes(rest, t);
      tail = t.finish();
    }
  }
  return { segment: builder.finish(), tail, endOffset: start + consumed, problems };
}
