import { emptyWalk, walkRows, type ChainProblem, type StreamWalk } from './chain-walk.js';
import { EVENT_ROW_COLUMNS, type EventRow } from './event-row.js';
import type { QueryRunner } from './runner.js';
import { EVENTS_TABLE, ident, LOCAL_TABLE } from './schema.js';
import { eventsTable, IS_APP_LINE, str, where } from './sql.js';

// chain_damaged over a fleet: the chain-damage problems in each bot's rows in ClickHouse
// (chain-walk.ts says what they are), checked as rows arrive, not by reading a bot's history
// again at every evaluation.
//
// Per bot, host and stream (the file a row was shipped from, without its backup number:
// `audit.log`), the walk keeps the last event_id it walked and the chain's open links; each
// check reads only the rows after that event_id (not FINAL: copies of a re-sent line are
// compared, not hidden). A row already walked that changes afterwards is found through
// ClickHouse's own record of changes, without reading the history:
//
// - a mutation of the table (ALTER TABLE ... UPDATE or DELETE, in system.mutations) that this
//   check has not seen done: every stream is walked again from its start (a mutation can touch
//   any row), once;
// - rows of a bot inserted since its last check (parts above the newest block listed just
//   before that check read, that the read did not take rows from: system.parts, `_part`)
//   with an event_id at or before their stream's position (a forged copy of an old event, a
//   line put back in the past, or a shipper's re-send after a crash): that stream is walked
//   again from its start;
// - whatever these miss (such rows merged into an older part before a check saw them, a
//   partition dropped or attached by hand) is found by a walk of everything from the start
//   every `fullEvery` (default a day).
//
// The walks' state is saved through `store` after each check (chain-check state beside the
// alert state), so a restarted evaluator goes on from where it was.

/** A row's stream: the file it was shipped from without `.N` or `.N.gz`. */
const STREAM = `replaceRegexpOne(file, '\\\\.[0-9]+(\\\\.gz)?$', '')`;
const CHAINED = [`hash != ''`, `NOT (${IS_APP_LINE})`];
const DAY_MS = 86_400_000;

export interface ChainCheckState {
  version: 1;
  /** The server and database the positions are of. */
  target: string;
  /** Mutations of the table seen done. */
  mutations: string[];
  /** When every stream was last walked from its start (ms). */
  fullAt: number;
  streams: Record<string, StreamState>;
}

/**
 * A stream's walk, and what its latest read could see: the newest block of the parts listed
 * before it (`block`), and the parts made after that listing it read rows from (`seen`). Rows
 * in any other part above `block` were inserted after that read began.
 */
export type StreamState = StreamWalk & { bot: string; host: string; stream: string; block?: number; seen?: string[] };

export interface ChainCheckStore {
  load(): unknown;
  save(state: ChainCheckState): void;
}

export interface ChainCheckOptions {
  database: string;
  /** Names the server (no credentials): saved positions of another target are not used. */
  target?: string;
  store?: ChainCheckStore;
  /** Walk everything from the start again at least this often (ms). Default a day. */
  fullEvery?: number;
  now?: () => number;
}

const fresh = (target: string): ChainCheckState => ({ version: 1, target, mutations: [], fullAt: 0, streams: {} });
const keyOf = (bot: string, host: string, stream: string): string => JSON.stringify([bot, host, stream]);

function loaded(data: unknown, target: string): ChainCheckState {
  const s = data as Partial<ChainCheckState> | undefined;
  if (s === undefined || s === null || s.version !== 1 || s.target !== target || typeof s.streams !== 'object' || s.streams === null || !Array.isArray(s.mutations)) return fresh(target);
  return s as ChainCheckState;
}

export class ClickHouseChainCheck {
  private readonly state: ChainCheckState;
  private signals: Promise<void> | undefined;
  private readonly checks = new Map<string, Promise<number>>();
  private readonly fullEvery: number;
  private readonly now: () => number;

  constructor(
    private readonly runner: QueryRunner,
    private readonly options: ChainCheckOptions,
  ) {
    this.fullEvery = options.fullEvery ?? DAY_MS;
    this.now = options.now ?? Date.now;
    const target = options.target ?? options.database;
    this.state = loaded(options.store?.load(), target);
  }

  /** A new evaluation: the next damage() of each bot reads what arrived since this one's. */
  round(): void {
    this.signals = undefined;
    this.checks.clear();
  }

  /** The chain-damage problems in the rows of `bot` on `host` (all its streams), checked once per round. */
  damage(bot: string, host: string): Promise<number> {
    const key = keyOf(bot, host, '');
    let p = this.checks.get(key);
    if (p === undefined) {
      p = this.check(bot, host);
      this.checks.set(key, p);
      // A failure (ClickHouse down) is the rule's error this round, and tried again the next.
      p.catch(() => this.checks.delete(key));
    }
    return p;
  }

  /** The first problems found in the rows of `bot` on `host`, per stream. */
  problems(bot: string, host: string): ChainProblem[] {
    return this.streamsOf(bot, host).flatMap((w) => w.problems);
  }

  private streamsOf(bot: string, host: string): StreamState[] {
    return Object.values(this.state.streams).filter((w) => w.bot === bot && w.host === host);
  }

  private async check(bot: string, host: string): Promise<number> {
    await (this.signals ??= this.mutations());
    const db = this.options.database;
    // The parts the read below can see, at least (those made after it may be seen too).
    const parts = await this.runner.rows<{ name: string; lo: number | string; hi: number | string }>(`SELECT name, min_block_number AS lo, max_block_number AS hi FROM system.parts WHERE database = ${str(db)} AND table = ${str(EVENTS_TABLE)} AND active`);
    const listed = new Set(parts.map((p) => p.name));
    const top = parts.reduce((m, p) => Math.max(m, Number(p.hi)), 0);
    await this.insertedBehind(bot, host, parts);
    const known = this.streamsOf(bot, host);
    // From the least advanced stream's position (a bot with one stream, audit.log: its own).
    const from = known.length === 0 ? '' : known.map((w) => w.cursor).reduce((a, b) => (a < b ? a : b));
    const conds = [`bot = ${str(bot)}`, `host = ${str(host)}`, ...CHAINED];
    // No bound on time: a line's timestamp may lag its id by any amount (a backfill's clock
    // behind what the process logged before: ids never go back). The table's key (bot, day,
    // event_id) still lets the server skip the granules of each day that end before `from`.
    if (from !== '') conds.push(`event_id > ${str(from)}`);
    const sql = `SELECT ${STREAM} AS stream, _part AS part, ${EVENT_ROW_COLUMNS.map(ident).join(', ')} FROM ${eventsTable(db)} ${where(conds)} ORDER BY stream, event_id`;
    type Read = EventRow & { stream: string; part: string };
    const rows = this.runner.stream === undefined ? await this.runner.rows<Read>(sql) : this.runner.stream<Read>(sql);
    const it = (rows as AsyncIterable<Read>)[Symbol.asyncIterator]?.() ?? toAsync(rows as Iterable<Read>);
    const seen = new Map<string, Set<string>>();
    let next = await it.next();
    while (next.done !== true) {
      const stream = next.value.stream;
      const key = keyOf(bot, host, stream);
      const w = (this.state.streams[key] ??= { ...emptyWalk(), bot, host, stream });
      const after = w.cursor;
      const made = new Set<string>();
      seen.set(key, made);
      // This stream's rows, from the shared answer (ordered by stream), past its own position;
      // the parts made after the listing that it read from.
      const ofStream = async function* (): AsyncGenerator<EventRow> {
        while (next.done !== true && next.value.stream === stream) {
          const row = next.value;
          next = await it.next();
          if (!listed.has(row.part)) made.add(row.part);
          if (row.event_id > after) yield row;
        }
      };
      await walkRows(w, ofStream());
    }
    for (const w of this.streamsOf(bot, host)) {
      w.block = top;
      w.seen = [...(seen.get(keyOf(bot, host, w.stream)) ?? [])];
    }
    this.options.store?.save(this.state);
    return this.streamsOf(bot, host).reduce((n, w) => n + w.damage, 0);
  }

  /**
   * Rows of `bot` on `host` inserted since a stream's latest read (in parts above the blocks
   * listed before it, other than parts that read took rows from) at or before its position:
   * that stream is walked again from its start.
   */
  private async insertedBehind(bot: string, host: string, parts: readonly { name: string; lo: number | string }[]): Promise<void> {
    const known = this.streamsOf(bot, host).filter((w) => w.block !== undefined);
    const newer = (w: StreamState) => parts.filter((p) => Number(p.lo) > w.block! && !(w.seen ?? []).includes(p.name)).map((p) => p.name);
    const names = [...new Set(known.flatMap(newer))];
    if (names.length === 0) return;
    const firsts = await this.runner.rows<{ stream: string; part: string; first: string }>(`SELECT ${STREAM} AS stream, _part AS part, min(event_id) AS first FROM ${eventsTable(this.options.database)} ${where([`bot = ${str(bot)}`, `host = ${str(host)}`, `_part IN (${names.map(str).join(', ')})`, ...CHAINED])} GROUP BY stream, part`);
    for (const f of firsts) {
      const key = keyOf(bot, host, f.stream);
      const w = this.state.streams[key];
      if (w !== undefined && newer(w).includes(f.part) && f.first <= w.cursor) delete this.state.streams[key];
    }
  }

  /** After a mutation of the table not seen done, or once every fullEvery: every stream is walked again from its start. */
  private async mutations(): Promise<void> {
    const s = this.state;
    const mutations = await this.runner.rows<{ id: string; done: number | string }>(`SELECT mutation_id AS id, is_done AS done FROM system.mutations WHERE database = ${str(this.options.database)} AND table IN (${str(EVENTS_TABLE)}, ${str(LOCAL_TABLE)})`);
    const seen = new Set(s.mutations);
    const now = this.now();
    if (mutations.some((m) => !seen.has(m.id)) || now - s.fullAt >= this.fullEvery) {
      s.streams = {};
      s.fullAt = now;
    }
    // Only a finished mutation is recorded: while one runs, each round walks from the start.
    s.mutations = mutations.filter((m) => Number(m.done) === 1).map((m) => m.id);
  }
}

async function* toAsync<T>(xs: Iterable<T>): AsyncGenerator<T> {
  yield* xs;
}
