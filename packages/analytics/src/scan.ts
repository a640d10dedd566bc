import { closeSync, readSync } from 'node:fs';
import { LATEST_HEAD_BYTES, LeadingTimeScanner, readLatestField, scanLeadingTimes } from '@daybook/core';
import { parseTimestamp } from './dates.js';
import type { ReadLimits } from './limits.js';
import type { ParseTask } from './pool.js';
import { readTradeRows } from './prefilter.js';
import { openRegular, readAt, readFileSegments, streamFile, type FileSegments } from './reader.js';

// The latest event time in a file without parsing it: what lets a ranged load leave out the
// backups that end before its start (a dashboard's "today" on a directory no reader has seen
// reads one file instead of 1 GB). It must never call a file older than the parser would, so
// it only answers for files whose every line is a JSON object that begins with its timestamp
// (daybook's own lines and the Python DayBot's; core's leading-time.ts), which the parser
// holds to that timestamp (lines.ts counts a line whose JSON says otherwise as bad); at the
// first other line it gives up, saying nothing. A gzipped backup of daybook's says it in its header (gzip-pieces.ts):
// then nothing is inflated. Bad lines of a file left out are not counted (see FileSource).

/** Larger than the parser's chunks: fewer calls per byte, and nothing is kept of them. */
const SCAN_CHUNK = 1 << 20;

/** The latest event time a scan found, µs: -Infinity when none, undefined when unknown. */
function latestOf(s: LeadingTimeScanner): number | undefined {
  if (s.unknown) return undefined;
  const canonical = s.latestCanonical();
  if (canonical === undefined) return s.latestOther();
  const c = parseTimestamp(canonical);
  // The greatest canonical string is not a date: a smaller one might be, and might be late.
  return c === undefined ? undefined : Math.max(c, s.latestOther());
}

/**
 * The time (µs) of the latest event in a file, read without parsing its lines; undefined when
 * the file has a line this scan cannot vouch for, or cannot be read (the parser then reports why).
 * With `stopAt`, a plain file's scan stops at the first chunk holding an event at or after
 * it: the answer is then that chunk's latest, not the file's (a ranged load only asks whether
 * a file ends before its start; a file written lately says so in its first megabyte).
 */
export async function latestEventTime(path: string, gz: boolean, limits?: ReadLimits, stopAt = Infinity): Promise<number | undefined> {
  if (gz) {
    // daybook's compressor wrote it in the header (verify checks it): no need to inflate.
    const field = readLatestField(readAt(path, 0, LATEST_HEAD_BYTES));
    if (field.kind === 'time') {
      const t = parseTimestamp(field.latest);
      if (t !== undefined) return t;
    }
  }
  const s = new LeadingTimeScanner(parseTimestamp);
  if (gz) {
    if ((await streamFile(path, gz, 0, (b) => s.push(b), SCAN_CHUNK, limits)) !== undefined) return undefined;
  } else if (!(await readPlain(path, s, stopAt))) return undefined;
  s.finish();
  return latestOf(s);
}

/**
 * A plain file in synchronous reads into one buffer: from the page cache that is a copy,
 * cheaper than a stream's thread-pool round trip and fresh buffer per chunk (the scan would
 * otherwise wait half the time). It yields every few megabytes, since it may run on the
 * thread that serves requests.
 */
async function readPlain(path: string, s: LeadingTimeScanner, stopAt: number): Promise<boolean> {
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  let fd: number | undefined;
  try {
    fd = openRegular(path).fd;
    for (let n = 0; ; n++) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) return true;
      s.push(buf.subarray(0, got));
      if (s.unknown) return true;
      // A later line can only make the latest later, or unknown: either way the file is read.
      if ((latestOf(s) ?? -Infinity) >= stopAt) return true;
      if (n % 8 === 7) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The same over bytes in memory, given in pieces of `pieceBytes` as a read would (tests). */
export function latestEventTimeOf(bytes: Buffer, pieceBytes = bytes.length): number | undefined {
  return latestOf(scanLeadingTimes(bytes, parseTimestamp, pieceBytes));
}

/**
 * A pool task: the file's segments, or, when `since` is given and every event in it is
 * earlier, its trading rows alone (prefilter.ts: what linking needs; `leftOut` says until
 * when it has events).
 */
export async function readTask(t: ParseTask): Promise<FileSegments> {
  if (t.since !== undefined && t.start === 0) {
    const latest = await latestEventTime(t.path, t.gz, t.limits, t.since);
    if (latest !== undefined && latest < t.since) return { ...(await readTradeRows(t.path, t.gz, t.limits)), leftOut: latest };
  }
  return readFileSegments(t.path, t.gz, t.start, t.size, t.limits);
}
