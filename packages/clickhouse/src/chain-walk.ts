import { EVENT_FIELDS, GENESIS, link, type NumericField } from '@daybook/core';
import { eventOf, jsonOf, type EventRow } from './event-row.js';

// The hash chain (core's CHAIN.md) re-checked from `events` rows alone, one stream of one bot
// and host at a time, in pieces: each call walks the rows that arrived since the last one,
// from the links it left open. Pure (no ClickHouse here: chain-check.ts queries and keeps the
// state).
//
// A row holds its line's link (`hash`) and the typed columns the line is rebuilt from
// (event-row.ts: for core's lines, the serializer's bytes exactly), so a row follows a link
// `h` when SHA-256(h ‖ rebuilt line) is its `hash`. What comes before a row is not in the row:
// the walk takes the rows in event_id order (UUIDv7 with a counter: a process's lines in the
// order written, and a later process's after them) and keeps the open links, the heads, of
// the chain. A row that follows no head (and does not start a chain from GENESIS) starts a
// piece of its own; at the end of the walk such a piece must follow a head left by the rows
// (a row out of id order: a bot whose clock was set back between two runs), or it is damage:
//
// - `break`: the row does not follow any row before it. One altered row (its columns changed,
//   its link kept) is one break: the rows after it follow its link. A deleted row is one break
//   at the row after it (a gap), a forged row one break at itself, or at the row after it when
//   its link was computed over the row before.
// - `conflict`: two copies of one event_id (one shipped twice) with different columns: the
//   replacing table keeps one of them for every report, whichever was inserted last.
//
// The first row of a stream's history in ClickHouse has no row before it (the shipper started
// on a directory whose older files were gone, or old rows were dropped): it is the chain's
// start, taken as it is unless it follows GENESIS. A break is counted once and the walk goes on
// from the row's own link, as verify does after a modified line.

/** At most this many open links per stream: a stream of several chains (directories shipped under one bot and host) keeps one each; damage adds dead ones, dropped oldest first. */
export const MAX_HEADS = 16;
/** At most this many problems are kept with their event_id per stream (all are counted). */
export const MAX_EXAMPLES = 20;

export type ChainProblemKind = 'break' | 'conflict';

export interface ChainProblem {
  kind: ChainProblemKind;
  event_id: string;
  /** The row's time as written. */
  timestamp: string;
}

/** What a stream's walk keeps between calls. */
export interface StreamWalk {
  /** The last event_id walked: the next walk starts after it. '' before any. */
  cursor: string;
  /** Open links, the most recently extended first. */
  heads: string[];
  /** Whether the stream's first row (its start in ClickHouse) has been walked. */
  started: boolean;
  /** Problems found, all of them. */
  damage: number;
  /** The first MAX_EXAMPLES problems. */
  problems: ChainProblem[];
}

export const emptyWalk = (): StreamWalk => ({ cursor: '', heads: [], started: false, damage: 0, problems: [] });

const NUMERIC: readonly NumericField[] = ['quantity', 'price', 'pnl', 'fee', 'risk_percent', 'portfolio_value', 'daily_pnl', 'portfolio_heat', 'latency_ms'];
const FIELD_ORDER = Object.keys(EVENT_FIELDS).filter((f) => f !== 'hash');

/** One event_id's row, rebuilt: its line's content (no link) and the link it claims. */
interface Rebuilt {
  id: string;
  hash: string;
  timestamp: string;
  content: string;
  /** Other contents the same row could have had (lazily): see variants(). */
  more?: string[];
  event: Record<string, unknown>;
}

function rebuild(row: EventRow): Rebuilt {
  const event = eventOf(row);
  return { id: row.event_id, hash: row.hash, timestamp: String(row.timestamp), content: jsonOf(event), event };
}

/**
 * The contents a row could also have been written as, which its columns cannot tell apart: a
 * numeric field written as `null` (core writes a non-finite number so, and names it in
 * metadata._daybook_invalid; a JavaScript caller may pass null) is a NULL column, as an absent
 * one is. Tried only when the plain rebuild follows nothing: the fields _daybook_invalid
 * names, and each NULL numeric field alone (at most ten contents).
 */
function variants(r: Rebuilt): string[] {
  if (r.more !== undefined) return r.more;
  const absent = NUMERIC.filter((f) => !(f in r.event));
  const meta = r.event.metadata;
  const invalid = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>)._daybook_invalid : undefined;
  const noted = invalid !== null && typeof invalid === 'object' ? absent.filter((f) => f in (invalid as object)) : [];
  const sets = [...(noted.length > 0 ? [noted] : []), ...absent.filter((f) => !noted.includes(f)).map((f) => [...noted, f])];
  r.more = sets.map((nulls) => {
    const out: Record<string, unknown> = {};
    for (const f of FIELD_ORDER) {
      if (f in r.event) out[f] = r.event[f];
      else if (nulls.includes(f as NumericField)) out[f] = null;
    }
    return jsonOf(out);
  });
  return r.more;
}

/** Whether `r` follows link `h`: its plain content, or (`all`) one of its variants. */
function follows(h: string, r: Rebuilt, all: boolean): boolean {
  if (link(h, r.content) === r.hash) return true;
  return all && variants(r).some((c) => link(h, c) === r.hash);
}

/** The head `r` follows (its index in `heads`, -1 for GENESIS), or undefined. Variants only against the likeliest predecessors (the newest head, GENESIS): a damaged row costs a few dozen hashes, not hundreds. */
function predecessor(heads: readonly string[], r: Rebuilt, skip?: string): number | undefined {
  for (let i = 0; i < heads.length; i++) if (heads[i] !== skip && follows(heads[i]!, r, i === 0)) return i;
  return follows(GENESIS, r, true) ? -1 : undefined;
}

function problem(w: StreamWalk, kind: ChainProblemKind, r: Rebuilt): void {
  w.damage++;
  if (w.problems.length < MAX_EXAMPLES) w.problems.push({ kind, event_id: r.id, timestamp: r.timestamp });
}

/** Rows that followed nothing, kept for the stitch at most this many at a time (a stream altered throughout must not hold every row). */
const MAX_UNPLACED = 1000;

/**
 * Walks one stream's rows (event_id ascending, copies of an id adjacent, all after
 * `w.cursor`) from `w`, which it updates. Returns the problems found in these rows.
 */
export async function walkRows(w: StreamWalk, rows: Iterable<EventRow> | AsyncIterable<EventRow>): Promise<number> {
  const before = w.damage;
  let unplaced: Rebuilt[] = [];
  let fromGenesis = false;
  // Pieces that followed nothing when their turn came may follow a head made later (rows out
  // of id order). The rest are breaks, but for the stream's own start: in its first walk, the
  // first such piece when no row started from GENESIS.
  const stitch = (): void => {
    for (const r of unplaced) {
      const i = predecessor(w.heads, r, r.hash);
      if (i !== undefined && i >= 0) w.heads.splice(i, 1);
      else if (!w.started && !fromGenesis) w.started = true;
      else problem(w, 'break', r);
    }
    unplaced = [];
  };
  const place = (r: Rebuilt): void => {
    const i = predecessor(w.heads, r);
    if (i === undefined) unplaced.push(r);
    else if (i >= 0) w.heads.splice(i, 1);
    else fromGenesis = true;
    w.heads.unshift(r.hash);
    if (w.heads.length > MAX_HEADS) w.heads.length = MAX_HEADS;
    if (unplaced.length >= MAX_UNPLACED) stitch();
  };
  let group: Rebuilt[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    const distinct = [...new Map(group.map((r) => [r.content + '\u0000' + r.hash, r])).values()];
    if (distinct.length > 1) {
      // The copy that follows a head is the line; the others are the conflict.
      const real = distinct.find((r) => predecessor(w.heads, r) !== undefined) ?? distinct[0]!;
      problem(w, 'conflict', real);
      place(real);
    } else place(distinct[0]!);
    w.cursor = group[0]!.id;
    group = [];
  };
  for await (const row of rows) {
    if (group.length > 0 && group[0]!.id !== row.event_id) flush();
    group.push(rebuild(row));
  }
  flush();
  stitch();
  if (w.cursor !== '') w.started = true;
  return w.damage - before;
}
