import { closeSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CHAIN_DIR, parseRecord, splitLink, type CheckpointRecord } from '@daybook/core';
import { emptyBadLines } from './bad-lines.js';
import { isoOf } from './dates.js';
import type { ReadLimits } from './limits.js';
import type { Segment } from './segment.js';
import { LineSplitter } from './lines.js';
import { openRegular, type LogFileInfo, type ReadProblem } from './reader.js';

// The lines of a chained log that no checkpoint vouches for yet: those of its current file
// after the `line` of the last record about it (core's CHAIN.md). A report counts them like
// any other line, and says so: until a checkpoint covers them, removing or rewriting them is
// not detectable, and after a crash they may be all that is left of a burst. Only for a
// stream whose checkpoint file exists (an unchained directory has nothing to vouch).
//
// Their count and span come from the read's rows when those are the file's lines one for one
// (the common case: nothing to parse again; an evaluator reading every second otherwise parsed
// some 40 % of the lines twice), else from parsing them.

const BLOCK = 1 << 16;

/**
 * The last record about the current file of a stream (not a `prune`, which is about a deleted
 * backup), read from the end of its checkpoint file backwards, a block at a time: the file
 * grows with every checkpoint, the answer is at its end. Undefined when there is none.
 */
function lastRecord(chainPath: string): CheckpointRecord | undefined {
  let fd: number;
  let size: number;
  try {
    ({ fd, size } = openRegular(chainPath));
  } catch {
    return undefined;
  }
  try {
    let end = size;
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - BLOCK);
      const buf = Buffer.alloc(end - start);
      const got = readSync(fd, buf, 0, buf.length, start);
      const text = Buffer.concat([buf.subarray(0, got), carry]);
      // The first line of a block may be cut: it waits for the next block, unless at byte 0.
      const cut = start === 0 ? -1 : text.indexOf(10);
      const lines = text.subarray(cut + 1).toString('utf8').split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const r = lines[i] === '' ? undefined : parseRecord(lines[i]!);
        if (r !== undefined && r.kind !== 'prune') return r;
      }
      carry = cut < 0 ? Buffer.alloc(0) : text.subarray(0, cut + 1);
      end = start;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The checkpoint file's identity and size, or undefined when there is none (not chained). */
function chainState(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` : undefined;
  } catch {
    return undefined; // none, or `.daybook` is not a directory
  }
}

/** Where a file's vouched lines end, as found by the last count (a current file only grows). */
interface Count {
  readonly dev: number;
  readonly ino: number;
  readonly vouched: number;
  /** Byte offset after line `vouched`. */
  readonly offset: number;
  /** The log file and checkpoint file as last looked at, and the answer then: unchanged, it stands. */
  readonly state: string;
  readonly problem: ReadProblem | undefined;
}

/**
 * The rows a read made of a file, in file order, when they are its lines one for one (no bad
 * line, no row dropped as a copy, every line kept): then the lines after the vouched ones are
 * its last rows, and their count and time span need no second parse. Undefined otherwise.
 */
export type RowsOf = (f: LogFileInfo) => readonly Segment[] | undefined;

/**
 * The DAYBOOK_W_READ_UNVOUCHED problem of each chained current file, with `lines` and the
 * span (`first`, `last`: ISO timestamps of the earliest and latest event among them). Keeps
 * where the vouched lines ended, so a later call reads only from there (the lines past the
 * last checkpoint: few, while a writer runs), and the answer itself while neither the log
 * file nor its checkpoint file changed (a server loads on every request).
 */
export class UnvouchedLines {
  private counts = new Map<string, Count>();

  problems(files: readonly LogFileInfo[], limits: ReadLimits, rowsOf: RowsOf = () => undefined): ReadProblem[] {
    const out: ReadProblem[] = [];
    const next = new Map<string, Count>();
    for (const f of files) {
      if (f.gz || f.rotation !== 0) continue;
      const chainPath = join(dirname(f.path), CHAIN_DIR, `${basename(f.path)}.chain`);
      const chain = chainState(chainPath);
      if (chain === undefined) continue;
      const state = `${f.dev}:${f.ino}:${f.size}:${f.mtimeMs}|${chain}`;
      const prev = this.counts.get(f.path);
      let p: ReadProblem | undefined;
      if (prev?.state === state) {
        next.set(f.path, prev);
        p = prev.problem;
      } else {
        const at = this.check(f, lastRecord(chainPath), limits, rowsOf(f));
        if (at !== undefined) next.set(f.path, { ...at, state });
        p = at?.problem;
      }
      if (p !== undefined) out.push(p);
    }
    this.counts = next;
    return out;
  }

  private check(f: LogFileInfo, rec: CheckpointRecord | undefined, limits: ReadLimits, rows: readonly Segment[] | undefined): Omit<Count, 'state'> | undefined {
    let opened: { fd: number; size: number };
    try {
      opened = openRegular(f.path);
    } catch {
      return undefined; // the read of the file reports it
    }
    const { fd, size } = opened;
    try {
      const read = (pos: number, len: number): Buffer => {
        const b = Buffer.alloc(len);
        return b.subarray(0, readSync(fd, b, 0, len, pos));
      };
      let vouched = rec?.line ?? 0;
      if (rec?.kind === 'rotate') {
        // After a rotate record the current file is the next generation (nothing vouched),
        // unless the rename failed and the writer kept writing this one (its first line's link
        // is the record's `first`).
        const head = read(0, Math.min(size, BLOCK));
        const nl = head.indexOf(10);
        vouched = nl >= 0 && splitLink(head.toString('utf8', 0, nl))?.hash === rec.first ? rec.line : 0;
      }
      // The read's rows are the file's lines: the unvouched ones are the last rows.
      // Where their bytes are is not learnt so: a later count that parses starts from the file's start.
      if (rows !== undefined) return { dev: f.dev, ino: f.ino, vouched: 0, offset: 0, problem: problemOf(f.path, vouched, lastRows(rows, vouched)) };
      // Skip the vouched lines: from the last count if the file is the same and only grew.
      const prev = this.counts.get(f.path);
      let pos = 0;
      let lines = 0;
      if (prev !== undefined && prev.dev === f.dev && prev.ino === f.ino && prev.vouched <= vouched && prev.offset <= size) {
        pos = prev.offset;
        lines = prev.vouched;
      }
      while (lines < vouched && pos < size) {
        const b = read(pos, Math.min(BLOCK * 16, size - pos));
        if (b.length === 0) break;
        let i = 0;
        for (let nl = b.indexOf(10); lines < vouched && nl >= 0; nl = b.indexOf(10, i)) {
          lines++;
          i = nl + 1;
        }
        pos += lines < vouched ? b.length : i;
      }
      if (lines < vouched) return undefined; // fewer lines than vouched for: verify's finding, not ours
      const at = { dev: f.dev, ino: f.ino, vouched, offset: pos };
      // The complete lines after them: counted, and the span of their events.
      const tail = { lines: 0, first: Infinity, last: -Infinity };
      const time = (ts: number) => {
        if (ts < tail.first) tail.first = ts;
        if (ts > tail.last) tail.last = ts;
      };
      const splitter = new LineSplitter({ bad: emptyBadLines(), add: (_o, ts) => time(ts), addAppLine: time }, pos === 0, limits.maxLineBytes);
      for (let p = pos; p < size; ) {
        const b = read(p, Math.min(BLOCK * 16, size - p));
        if (b.length === 0) break;
        for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) tail.lines++;
        splitter.push(b);
        p += b.length;
      }
      return { ...at, problem: problemOf(f.path, vouched, tail) };
    } finally {
      closeSync(fd);
    }
  }
}

/** The lines after the `vouched` first of a file whose rows are its lines: the last rows, and their span. */
function lastRows(segments: readonly Segment[], vouched: number): { lines: number; first: number; last: number } {
  let k = Math.max(0, segments.reduce((n, s) => n + s.n, 0) - vouched);
  const out = { lines: k, first: Infinity, last: -Infinity };
  for (let i = segments.length - 1; i >= 0 && k > 0; i--) {
    const ts = segments[i]!.ts;
    for (let r = segments[i]!.n - 1; r >= 0 && k > 0; r--, k--) {
      if (ts[r]! < out.first) out.first = ts[r]!;
      if (ts[r]! > out.last) out.last = ts[r]!;
    }
  }
  return out;
}

/** The DAYBOOK_W_READ_UNVOUCHED problem of `lines` unvouched lines with that span (undefined for none). */
function problemOf(file: string, vouched: number, { lines, first, last }: { lines: number; first: number; last: number }): ReadProblem | undefined {
  if (lines === 0) return undefined;
  const span = first <= last ? { first: isoOf(first), last: isoOf(last) } : {};
  const when = first <= last ? `, from ${isoOf(first)} to ${isoOf(last)}` : '';
  return {
    file, code: 'DAYBOOK_W_READ_UNVOUCHED', lines, ...span,
    message: `${file}: ${lines} line${lines === 1 ? '' : 's'}${when} come after the last checkpoint (${vouched} lines vouched for): counted, but nothing vouches for them yet`,
  };
}
