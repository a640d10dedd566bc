import { link, splitLink } from './chain.js';
import type { CheckpointRecord } from './checkpoint.js';
import type { DamageKind } from './verify.js';

/** How far apart a moved or inserted line and its place may be for the report to name it. */
export const WINDOW = 64;

export interface Line {
  content: string;
  hash: string;
}

export interface Finding {
  line: number;
  kind: DamageKind;
  message: string;
}

/** What one pass over a file's lines found. */
export interface FileLines {
  /** Lines, a torn last one included. */
  lines: number;
  /** Some line carries a link. */
  chained: boolean;
  /** The link of the first line, which names a backup in the rotate records. */
  first: string | undefined;
  /** The link the next file must continue from. */
  next: string | undefined;
  /** The first break in the lines, then (only if none) the first checkpoint no longer matched. */
  findings: Finding[];
  /** The last line has no newline. */
  torn: boolean;
  /** Complete lines past the `vouched` count the checker was given, with their first and last leading timestamps. */
  unvouched?: { lines: number; from?: string; to?: string };
  /** SHA-256 of the file's (gunzipped) bytes, when asked for (a file without links). */
  sha256?: string;
  /** Lines holding audit events (JSON with an event_type other than app_log), when asked for. */
  events?: number;
}

const timeOf = (t: string | undefined): { to?: string } => (t === undefined ? {} : { to: t });

/** The timestamp a line begins with (daybook's JSON lines, or an app log's text line), if any. */
export function leadingTime(text: string): string | undefined {
  if (text.startsWith('{"timestamp":"')) {
    const end = text.indexOf('"', 14);
    return end > 14 && end - 14 <= 40 ? text.slice(14, end) : undefined;
  }
  return /^\d{4}-\d\d-\d\d[T ][0-9:.,]+Z?/.exec(text.slice(0, 48))?.[0];
}

/**
 * Checks one file's lines as they stream past, holding only the last WINDOW lines (and, after
 * a break, the WINDOW lines from it), which is all that naming a break needs. A file's links are
 * walked from `prev` (undefined: the first line is taken on trust, its predecessor being
 * unknown); the first break is reported with a kind; if there is none, each of `records` (the
 * checkpoints of this file's generation, in order) must still match the line it names.
 */
export class LineChecker {
  private n = 0;
  private prev: string | undefined;
  private done = false;
  /** Where the next file continues from after a break: the file's last line, or its last line with a link. */
  private nextFrom: 'last' | 'lastLinked' | undefined;
  private finding: Finding | undefined;
  private chained = false;
  private first: string | undefined;
  private last: Line | undefined;
  private lastLinked: string | undefined;
  /** The lines before the current one, at least the last WINDOW of them. */
  private recent: (Line | undefined)[] = [];
  /** A break waiting for the lines after it: its index, the link it should have followed, the lines around it. */
  private pending: { i: number; prev: string; at: number; window: (Line | undefined)[] } | undefined;
  /** First index of each link a checkpoint names (or the checkpoint count of lines refers to). */
  private readonly firstAt = new Map<string, number>();
  /** The link at each line a checkpoint names (1-based). */
  private readonly hashAt = new Map<number, string | undefined>();
  private readonly checked: readonly CheckpointRecord[];
  private unvouched: { lines: number; from?: string | undefined; to?: string | undefined } | undefined;
  private lastUnvouched = '';

  constructor(
    prev: string | undefined,
    private readonly lastChecked: { line: number; hash: string } | undefined,
    private readonly skipFirst: boolean,
    records: readonly CheckpointRecord[],
    /** Lines of the file a checkpoint vouches for: the lines past them are counted (undefined: not asked). */
    private readonly vouched?: number,
  ) {
    this.prev = prev;
    this.checked = records;
    if (lastChecked !== undefined) this.firstAt.set(lastChecked.hash, -1);
    for (const r of records) {
      this.firstAt.set(r.hash, -1);
      this.hashAt.set(r.line, undefined);
    }
  }

  /** One complete line (without `\n`). */
  line(text: string): void {
    const l = splitLink(text);
    const i = this.n++;
    this.see(l, i);
    if (this.vouched !== undefined && i >= this.vouched) {
      // The first and the last line's times only: the last is read at the end.
      if (this.unvouched === undefined) this.unvouched = { lines: 0, from: leadingTime(text) };
      this.unvouched.lines++;
      this.lastUnvouched = text;
    }
    if (this.done) return;
    if (l === undefined) {
      this.fail({ line: i + 1, kind: 'modified', message: `line ${i + 1} carries no valid hash link` });
      this.nextFrom = 'last';
      return;
    }
    const prev = this.prev;
    if (prev === undefined || link(prev, l.content) === l.hash || (i === 0 && this.skipFirst)) {
      this.prev = l.hash;
      this.remember(l);
      return;
    }
    const before = this.recent.slice(Math.max(0, this.recent.length - WINDOW));
    this.pending = { i, prev, at: before.length, window: [...before, l] };
    this.done = true;
    this.nextFrom = 'lastLinked';
    this.recent = [];
  }

  /** The end of the file: `tail` is the text after the last newline ('' if none). */
  end(tail: string): FileLines {
    let torn = false;
    if (tail !== '') {
      const l = splitLink(tail);
      const i = this.n++;
      this.see(l, i);
      torn = true;
      if (!this.done) {
        // Bytes after the last newline. A crash leaves them only past every checkpoint.
        const lc = this.lastChecked;
        this.fail(lc !== undefined && lc.line >= i + 1
          ? { line: i + 1, kind: 'truncated', message: `line ${i + 1} was cut short; a checkpoint vouched for ${lc.line} lines` }
          : { line: i + 1, kind: 'torn_tail', message: `line ${i + 1} is incomplete: the writer was killed while writing it (not tampering)` });
      }
    }
    const p = this.pending;
    if (p !== undefined) {
      const lc = this.lastChecked;
      const kind = classify(p.window, p.at, p.prev, lc, lc === undefined ? -1 : this.firstAt.get(lc.hash)!);
      this.finding = { line: p.i + 1, kind, message: `line ${p.i + 1} does not follow line ${p.i === 0 ? 'before it (previous file)' : p.i}: ${kind}` };
    }
    const next = this.nextFrom === 'last' ? this.last?.hash : this.nextFrom === 'lastLinked' ? this.lastLinked : this.prev;
    const findings = this.finding === undefined ? [] : [this.finding];
    if (findings.length === 0) {
      const f = this.checkRecords(torn ? this.n - 1 : this.n);
      if (f !== undefined) findings.push(f);
    }
    const u = this.unvouched;
    const unvouched = u === undefined ? {} : { unvouched: { lines: u.lines, ...(u.from === undefined ? {} : { from: u.from }), ...timeOf(leadingTime(this.lastUnvouched)) } };
    return { lines: this.n, chained: this.chained, first: this.first, next, findings, torn, ...unvouched };
  }

  private fail(f: Finding): void {
    this.done = true;
    this.finding = f;
    this.recent = [];
  }

  /** What every line contributes, before or after a break. */
  private see(l: Line | undefined, i: number): void {
    if (i === 0) this.first = l?.hash;
    this.last = l;
    if (l !== undefined) {
      this.chained = true;
      this.lastLinked = l.hash;
      if (this.firstAt.get(l.hash) === -1) this.firstAt.set(l.hash, i);
    }
    if (this.hashAt.has(i + 1)) this.hashAt.set(i + 1, l?.hash);
    const p = this.pending;
    if (p !== undefined && i > p.i && i < p.i + WINDOW) p.window.push(l);
  }

  private remember(l: Line): void {
    const r = this.recent;
    r.push(l);
    if (r.length >= 2 * WINDOW) r.splice(0, r.length - WINDOW);
  }

  /** Each checkpoint of this file's generation must still match the line it vouched for. */
  private checkRecords(complete: number): Finding | undefined {
    for (const r of this.checked) {
      if (r.line > complete) return { line: complete + 1, kind: 'truncated', message: `a ${r.kind} checkpoint vouched for ${r.line} lines; ${complete} remain` };
      if (this.hashAt.get(r.line) !== r.hash) {
        const at = this.firstAt.get(r.hash)!;
        const kind: DamageKind = at < 0 ? 'modified' : at + 1 < r.line ? 'deleted' : 'inserted';
        return { line: Math.min(r.line, at < 0 ? r.line : at + 1), kind, message: `line ${r.line} is not the line a ${r.kind} checkpoint vouched for (the chain was rewritten)` };
      }
    }
    return undefined;
  }
}

/**
 * What a break at line `i` of `L` (whose predecessor's link is `prev`) looks like. `L` holds
 * the WINDOW lines before the break (fewer at the start of a file) and up to WINDOW from it;
 * `at` is the index in the whole file of the first line whose link the last checkpoint names
 * (-1: none).
 */
function classify(L: readonly (Line | undefined)[], i: number, prev: string, lastChecked: { line: number; hash: string } | undefined, at: number): DamageKind {
  const end = Math.min(L.length, i + WINDOW);
  const follows = (p: string, k: number): boolean => {
    const l = L[k];
    return l !== undefined && link(p, l.content) === l.hash;
  };
  // A later line continues from `prev`: the lines between were put there, or moved there.
  for (let j = i + 1; j < end; j++) {
    if (!follows(prev, j)) continue;
    for (let m = j; m < end; m++) {
      const lm = L[m];
      if (lm !== undefined && follows(lm.hash, i)) return 'reordered';
    }
    // A line that appears twice was duplicated: inserted.
    return 'inserted';
  }
  // A line that belongs later was moved up.
  for (let m = Math.max(0, i - WINDOW); m < end; m++) {
    const lm = L[m];
    if (m !== i - 1 && lm !== undefined && follows(lm.hash, i)) return 'reordered';
  }
  // The line keeps its original link (its successor accepts it) but not its predecessor:
  // either its own bytes changed or lines before it are gone. A checkpoint counts lines.
  if (lastChecked !== undefined) {
    if (at >= 0 && at + 1 < lastChecked.line) return 'deleted';
    if (at >= 0 && at + 1 > lastChecked.line) return 'inserted';
  }
  return 'modified';
}
