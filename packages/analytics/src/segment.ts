import { EVENT_TYPES } from '@daybook/core';
import { addBadLines, emptyBadLines, type BadLineCounts } from './bad-lines.js';
import { contentDigest } from './digest.js';
import { FIELD, names, V, type PlainLine } from './plain-line.js';

// A Segment is the columnar projection of a run of events (one file, or the lines appended to
// it since the last read): one row per valid event, in file order, holding only what the
// metrics look at. Dense columns are typed arrays (cheap to keep, to cache and to move
// between threads); the rare rich rows (fills and exits, errors, equity/heat/daily P&L
// values) are small objects that point at their row. Built from parsed JSON objects by
// SegmentBuilder, so any event source (files, a database, tests) can produce one.

/** Event type codes: index in core's EVENT_TYPES + 1; 0 for a type daybook does not know. */
export const TYPE_CODE: ReadonlyMap<string, number> = new Map(EVENT_TYPES.map((t, i) => [t, i + 1]));
export const typeCode = (t: string): number => TYPE_CODE.get(t) ?? 0;
export const T = {
  trade_entry: typeCode('trade_entry'),
  trade_exit: typeCode('trade_exit'),
  trade_partial_exit: typeCode('trade_partial_exit'),
  position_adjusted: typeCode('position_adjusted'),
  stop_loss_hit: typeCode('stop_loss_hit'),
  take_profit_hit: typeCode('take_profit_hit'),
  trade_cancelled: typeCode('trade_cancelled'),
  system_start: typeCode('system_start'),
  health_check: typeCode('health_check'),
  api_call: typeCode('api_call'),
  api_error: typeCode('api_error'),
  rate_limit: typeCode('rate_limit'),
  risk_limit_hit: typeCode('risk_limit_hit'),
  daily_loss_limit: typeCode('daily_loss_limit'),
  portfolio_heat_warning: typeCode('portfolio_heat_warning'),
  position_size_calculated: typeCode('position_size_calculated'),
  app_log: typeCode('app_log'),
} as const;

/** Level codes, compared case-insensitively; 0 for anything else. */
export const LEVEL = { DEBUG: 1, INFO: 2, WARNING: 3, ERROR: 4, CRITICAL: 5 } as const;
const LEVEL_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(LEVEL));
export const LEVEL_NAMES = ['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export function levelCode(level: unknown): number {
  if (typeof level !== 'string') return 0;
  return LEVEL_BY_NAME.get(level) ?? LEVEL_BY_NAME.get(level.toUpperCase()) ?? 0;
}

/** Type and level names as bytes, and "healthy": plain lines are read from their bytes (plain-line.ts). */
const TYPE_NAMES = names(TYPE_CODE);
const LEVEL_BYTES = names(LEVEL_BY_NAME);
const HEALTHY = Buffer.from('healthy', 'latin1');

/** Row flags. */
export const F = {
  STATUS_5XX: 1, // api_call with numeric metadata.status_code >= 500
  STATUS_429: 2, // api_call with metadata.status_code == 429
  HEALTH_BAD: 4, // health_check whose metadata has a status other than "healthy"
  TEXT_ID: 8, // event_id is not a canonical lower-case UUID: see Segment.textIds
  NO_ID: 16, // a text line of an app log: no event_id, never de-duplicated
} as const;

/** The trading event types that make up a trade (metrics.md, "Trades"). */
export const TRADE_EVENT_TYPES = ['trade_entry', 'position_adjusted', 'trade_partial_exit', 'stop_loss_hit', 'take_profit_hit', 'trade_cancelled', 'trade_exit'] as const;
export type TradeEventType = (typeof TRADE_EVENT_TYPES)[number];
const TRADE_TYPE_BY_CODE = new Map<number, TradeEventType>(TRADE_EVENT_TYPES.map((t) => [typeCode(t), t]));

/**
 * A trading event as written: numbers are present only when numeric, strings '' when absent
 * (symbol 'unknown', exitReason 'unknown'). What linking derives (pnl from the entry, the
 * entry's strategy, hold time) is not here: see trades.ts, whose records replace these in
 * every metric.
 */
export interface TradeRecord {
  row: number;
  ts: number;
  type: TradeEventType;
  pnl: number | undefined;
  quantity: number | undefined;
  price: number | undefined;
  /** Top-level numeric `fee` (a rebate is negative). */
  fee: number | undefined;
  symbol: string;
  /** The event's own non-empty `strategy_name`, else ''. */
  strategy: string;
  exitReason: string;
  holdMinutes: number | undefined;
  /** `side` as written (any case), else ''. */
  side: string;
  /** Non-empty `position_id`, else ''. */
  positionId: string;
  /** `session_id`, else ''. */
  session: string;
  eventId: string;
}

/** An ERROR or CRITICAL event, with what the error summary shows. */
export interface ErrorRecord {
  row: number;
  ts: number;
  level: 'ERROR' | 'CRITICAL';
  component: string;
  eventType: string;
  message: string;
  eventId: string;
  errorType: string;
}

/** An event carrying portfolio_value, portfolio_heat or daily_pnl. */
export interface ValueRecord {
  row: number;
  portfolioValue: number | undefined;
  portfolioHeat: number | undefined;
  dailyPnl: number | undefined;
}

export interface Segment {
  /** Where the rows came from (a path), for messages. */
  readonly source: string;
  readonly n: number;
  /** Micro-seconds since the epoch (dates.ts). */
  readonly ts: Float64Array;
  /** The event_id as 4 × 32 bits per row when it is a canonical UUID. */
  readonly id: Uint32Array;
  /** A 32-bit digest of each row's line (contentDigest): tells a re-shipped copy of an event from a different event under the same id. */
  readonly digest: Uint32Array;
  readonly type: Uint8Array;
  readonly level: Uint8Array;
  readonly flags: Uint8Array;
  /** Index into `sessions`, -1 without a string session_id. */
  readonly session: Int32Array;
  /** Top-level latency_ms of api_call events when numeric, else NaN. */
  readonly latency: Float64Array;
  readonly sessions: string[];
  readonly textIds: Map<number, string>;
  readonly trades: TradeRecord[];
  readonly errors: ErrorRecord[];
  readonly values: ValueRecord[];
  readonly bad: BadLineCounts;
  /**
   * Set on a compacted segment (see compactSegment): the ids of the rows dropped as copies of
   * events read earlier, 4 words each, and the text ids among them.
   */
  readonly dropped?: { readonly words: Uint32Array; readonly text: readonly string[] };
}

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
export const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

/** Reads `len` lower-case hex digits at s[i..]; -1 if any is not one. */
function hex(s: string, i: number, len: number): number {
  let v = 0;
  for (let k = i; k < i + len; k++) {
    const c = s.charCodeAt(k);
    const h = c < 128 ? HEX[c]! : -1;
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/**
 * Writes a canonical lower-case UUID's 128 bits into out[o..o+4); false for any other string
 * (those are de-duplicated by their text, so "ABC…" and "abc…" stay distinct ids, as strings).
 */
export function uuidWords(s: string, out: Uint32Array, o: number): boolean {
  if (s.length !== 36 || s.charCodeAt(8) !== 45 || s.charCodeAt(13) !== 45 || s.charCodeAt(18) !== 45 || s.charCodeAt(23) !== 45) return false;
  const a = hex(s, 0, 8);
  const b1 = hex(s, 9, 4);
  const b2 = hex(s, 14, 4);
  const c1 = hex(s, 19, 4);
  const c2 = hex(s, 24, 4);
  const d = hex(s, 28, 8);
  if (a < 0 || b1 < 0 || b2 < 0 || c1 < 0 || c2 < 0 || d < 0) return false;
  const b = b1 * 65536 + b2;
  const c = c1 * 65536 + c2;
  out[o] = a;
  out[o + 1] = b;
  out[o + 2] = c;
  out[o + 3] = d;
  return true;
}

const EMPTY_META: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Appends events to growing columns; `finish()` gives the Segment. */
export class SegmentBuilder {
  n = 0;
  private cap: number;
  private ts: Float64Array;
  private id: Uint32Array;
  private digest: Uint32Array;
  private type: Uint8Array;
  private level: Uint8Array;
  private flags: Uint8Array;
  private session: Int32Array;
  private latency: Float64Array;
  private readonly sessions: string[] = [];
  private readonly sessionIndex = new Map<string, number>();
  private readonly textIds = new Map<number, string>();
  private readonly trades: TradeRecord[] = [];
  private readonly errors: ErrorRecord[] = [];
  private readonly values: ValueRecord[] = [];
  readonly bad: BadLineCounts = emptyBadLines();
  private lastSession: { readonly bytes: Uint8Array; readonly index: number } | undefined;

  constructor(readonly source: string, capacity = 1024) {
    this.cap = capacity;
    this.ts = new Float64Array(capacity);
    this.id = new Uint32Array(capacity * 4);
    this.digest = new Uint32Array(capacity);
    this.type = new Uint8Array(capacity);
    this.level = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.session = new Int32Array(capacity);
    this.latency = new Float64Array(capacity);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const more = <A extends Float64Array | Uint32Array | Uint8Array | Int32Array>(a: A, size: number): A => {
      const b = new (a.constructor as new (n: number) => A)(size);
      b.set(a);
      return b;
    };
    this.ts = more(this.ts, cap);
    this.id = more(this.id, cap * 4);
    this.digest = more(this.digest, cap);
    this.type = more(this.type, cap);
    this.level = more(this.level, cap);
    this.flags = more(this.flags, cap);
    this.session = more(this.session, cap);
    this.latency = more(this.latency, cap);
    this.cap = cap;
  }

  private sessionOf(s: unknown): number {
    if (typeof s !== 'string') return -1;
    let i = this.sessionIndex.get(s);
    if (i === undefined) {
      i = this.sessions.length;
      this.sessions.push(s);
      this.sessionIndex.set(s, i);
    }
    return i;
  }

  /**
   * One parsed event (an object with a string event_id and a timestamp `ts`), with its line
   * as read (without `\n` or `\r`) when it came from one: its digest (`digest`, when the
   * reader computed it from the bytes: contentDigest of `line`), else the object's JSON's.
   */
  add(o: Record<string, unknown>, ts: number, line?: string, digest?: number): void {
    if (this.n === this.cap) this.grow();
    const row = this.n++;
    this.ts[row] = ts;
    this.digest[row] = digest ?? contentDigest(line ?? JSON.stringify(o));
    const eventId = o.event_id as string;
    let flags = uuidWords(eventId, this.id, row * 4) ? 0 : F.TEXT_ID;
    if (flags !== 0) this.textIds.set(row, eventId);
    const eventType = o.event_type;
    const t = typeof eventType === 'string' ? typeCode(eventType) : 0;
    const lv = levelCode(o.level);
    this.type[row] = t;
    this.level[row] = lv;
    this.session[row] = this.sessionOf(o.session_id);
    const rawMeta = o.metadata;
    const meta = isPlainObject(rawMeta) ? rawMeta : EMPTY_META;
    let latency = NaN;
    if (t === T.api_call) {
      const lat = o.latency_ms;
      if (isNumber(lat)) latency = lat;
      const status = meta.status_code;
      if (isNumber(status)) {
        if (status >= 500) flags |= F.STATUS_5XX;
        else if (status === 429) flags |= F.STATUS_429;
      }
    } else if (t === T.health_check) {
      if (Object.prototype.hasOwnProperty.call(meta, 'status') && meta.status !== 'healthy') flags |= F.HEALTH_BAD;
    } else {
      const tradeType = TRADE_TYPE_BY_CODE.get(t);
      if (tradeType !== undefined) {
        const exitReason = nonEmpty(meta.exit_reason) ? meta.exit_reason : nonEmpty(meta.reason) ? meta.reason : 'unknown';
        this.trades.push({
          row, ts, type: tradeType,
          pnl: num(o.pnl), quantity: num(o.quantity), price: num(o.price), fee: num(o.fee),
          symbol: typeof o.symbol === 'string' ? o.symbol : 'unknown',
          strategy: nonEmpty(o.strategy_name) ? o.strategy_name : '',
          exitReason, holdMinutes: num(meta.hold_time_minutes),
          side: typeof o.side === 'string' ? o.side : '',
          positionId: nonEmpty(o.position_id) ? o.position_id : '',
          session: typeof o.session_id === 'string' ? o.session_id : '',
          eventId,
        });
      }
    }
    this.latency[row] = latency;
    this.flags[row] = flags;
    if (lv >= LEVEL.ERROR) {
      this.errors.push({
        row, ts, level: lv === LEVEL.CRITICAL ? 'CRITICAL' : 'ERROR',
        component: typeof o.component === 'string' && o.component !== '' ? o.component : 'unknown',
        eventType: typeof eventType === 'string' ? eventType : '',
        message: text(o.message), eventId,
        errorType: nonEmpty(meta.error_type) ? meta.error_type : typeof eventType === 'string' ? eventType : '',
      });
    }
    const pv = o.portfolio_value;
    const heat = o.portfolio_heat;
    const dpnl = o.daily_pnl;
    if (pv !== undefined || heat !== undefined || dpnl !== undefined || meta.portfolio_heat !== undefined || meta.daily_pnl !== undefined) {
      const rec: ValueRecord = { row, portfolioValue: num(pv), portfolioHeat: num(heat) ?? num(meta.portfolio_heat), dailyPnl: num(dpnl) ?? num(meta.daily_pnl) };
      if (rec.portfolioValue !== undefined || rec.portfolioHeat !== undefined || rec.dailyPnl !== undefined) this.values.push(rec);
    }
  }

  /**
   * A plain event line as PlainLine read it (lines.ts): the row add() makes of the same line
   * parsed, or false, with nothing added, where the line is not plain after all (its id not a
   * canonical UUID, a trade, an ERROR or CRITICAL level, an escaped string where a value is
   * read), for add() to read it parsed.
   */
  addPlain(p: PlainLine, ts: number, digest: number): boolean {
    const { kind } = p;
    if (kind[FIELD.event_type] === V.ESCAPED || kind[FIELD.level] === V.ESCAPED || kind[FIELD.session_id] === V.ESCAPED || kind[FIELD.status] === V.ESCAPED) return false;
    const t = kind[FIELD.event_type] === V.STRING ? Math.max(0, p.nameOf(FIELD.event_type, TYPE_NAMES)) : 0;
    if (TRADE_TYPE_BY_CODE.has(t)) return false;
    // Levels as daybook writes them, else as levelCode reads any other spelling.
    let lv = 0;
    if (kind[FIELD.level] === V.STRING) {
      lv = p.nameOf(FIELD.level, LEVEL_BYTES);
      if (lv < 0) lv = levelCode(p.text(FIELD.level));
    }
    if (lv >= LEVEL.ERROR) return false;
    if (this.n === this.cap) this.grow();
    const row = this.n;
    if (kind[FIELD.event_id] !== V.STRING || !p.uuid(FIELD.event_id, this.id, row * 4)) return false;
    this.n++;
    this.ts[row] = ts;
    this.digest[row] = digest;
    this.type[row] = t;
    this.level[row] = lv;
    this.session[row] = kind[FIELD.session_id] === V.STRING ? this.sessionAt(p) : -1;
    const meta = kind[FIELD.metadata] === V.OBJECT;
    let latency = NaN;
    let flags = 0;
    if (t === T.api_call) {
      if (kind[FIELD.latency_ms] === V.NUMBER) {
        const l = p.number(FIELD.latency_ms);
        if (Number.isFinite(l)) latency = l;
      }
      if (meta && kind[FIELD.status_code] === V.NUMBER) {
        const status = p.number(FIELD.status_code);
        if (status >= 500 && status < Infinity) flags |= F.STATUS_5XX;
        else if (status === 429) flags |= F.STATUS_429;
      }
    } else if (t === T.health_check && meta && kind[FIELD.status] !== 0 && !(kind[FIELD.status] === V.STRING && p.is(FIELD.status, HEALTHY))) flags |= F.HEALTH_BAD;
    this.latency[row] = latency;
    this.flags[row] = flags;
    return true;
  }

  /** The session of a plain line: the last one's without making a string when it is the same. */
  private sessionAt(p: PlainLine): number {
    const last = this.lastSession;
    if (last !== undefined && p.is(FIELD.session_id, last.bytes)) return last.index;
    const name = p.text(FIELD.session_id);
    const index = this.sessionOf(name);
    this.lastSession = { bytes: Buffer.from(name, 'latin1'), index };
    return index;
  }

  /** A text line of an app log (`date | app | LEVEL | message`): an app_log event without id or session. */
  addAppLine(ts: number, _timestamp: string, app: string, level: string, message: string): void {
    if (this.n === this.cap) this.grow();
    const row = this.n++;
    const lv = levelCode(level);
    this.ts[row] = ts;
    this.type[row] = T.app_log;
    this.level[row] = lv;
    this.flags[row] = F.NO_ID;
    this.session[row] = -1;
    this.latency[row] = NaN;
    if (lv >= LEVEL.ERROR) {
      this.errors.push({ row, ts, level: lv === LEVEL.CRITICAL ? 'CRITICAL' : 'ERROR', component: app || 'unknown', eventType: 'app_log', message, eventId: '', errorType: 'app_log' });
    }
  }

  finish(): Segment {
    const n = this.n;
    const fit = <A extends Float64Array | Uint32Array | Uint8Array | Int32Array>(a: A, size: number): A => (a.length === size ? a : (a.slice(0, size) as A));
    return {
      source: this.source, n,
      ts: fit(this.ts, n), id: fit(this.id, n * 4), digest: fit(this.digest, n), type: fit(this.type, n), level: fit(this.level, n),
      flags: fit(this.flags, n), session: fit(this.session, n), latency: fit(this.latency, n),
      sessions: this.sessions, textIds: this.textIds, trades: this.trades, errors: this.errors, values: this.values,
      bad: this.bad,
    };
  }
}

function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The typed arrays of a segment, to transfer it to another thread without copying. */
export function transferList(s: Segment): ArrayBuffer[] {
  return [s.ts, s.id, s.digest, s.type, s.level, s.flags, s.session, s.latency].map((a) => a.buffer as ArrayBuffer);
}

/**
 * The rows of `seg` not marked 0 in `keep`, as a new segment that remembers the ids of the others
 * (so that a reader can tell later whether their first copies are still there). Saves the
 * memory of duplicate rows: most of trades.log/system.log repeats audit.log.
 */
export function compactSegment(seg: Segment, keep: Uint8Array): Segment {
  // Only identical copies go (0): a copy that differs (dedup.ts CONFLICT) stays, since it is
  // reported, and counts if its first copy disappears.
  const n = keep.reduce((a, k) => a + (k === 0 ? 0 : 1), 0);
  const map = new Int32Array(seg.n).fill(-1);
  const rows = new RowCopy(seg, n);
  const droppedWords = new Uint32Array((seg.n - n) * 4);
  const droppedText: string[] = [];
  let dw = 0;
  for (let r = 0; r < seg.n; r++) {
    if (keep[r] === 0) {
      if ((seg.flags[r]! & F.TEXT_ID) !== 0) droppedText.push(seg.textIds.get(r)!);
      else droppedWords.set(seg.id.subarray(r * 4, r * 4 + 4), dw++ * 4);
      continue;
    }
    map[r] = rows.add(r);
  }
  return {
    ...rows.segment((row) => (map[row]! >= 0 ? map[row]! : undefined), seg.bad),
    dropped: { words: droppedWords.slice(0, dw * 4), text: droppedText },
  };
}

/**
 * Consecutive segments of one file as one, rows in the same order (source.ts merges a growing
 * file's reads so: every metric passes over each segment, and a file read every second made
 * thousands). The first part's records are kept as they are (their rows do not move); the
 * others' are copied with their rows moved on. Bad-line counts add up, dropped ids follow one
 * another.
 */
export function mergeSegments(parts: readonly Segment[]): Segment {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.n;
  const session = concat(parts.map((p) => p.session));
  const sessions = [...parts[0]!.sessions];
  const sessionIndex = new Map(sessions.map((name, i) => [name, i]));
  const textIds = new Map(parts[0]!.textIds);
  const trades = [...parts[0]!.trades];
  const errors = [...parts[0]!.errors];
  const values = [...parts[0]!.values];
  const bad = addBadLines(emptyBadLines(), parts[0]!.bad);
  let offset = parts[0]!.n;
  for (const p of parts.slice(1)) {
    // The part's session numbers, as numbers of the merged list.
    const to = p.sessions.map((name) => {
      let i = sessionIndex.get(name);
      if (i === undefined) {
        i = sessions.push(name) - 1;
        sessionIndex.set(name, i);
      }
      return i;
    });
    if (to.some((i, j) => i !== j)) for (let r = offset; r < offset + p.n; r++) if (session[r]! >= 0) session[r] = to[session[r]!]!;
    for (const [row, id] of p.textIds) textIds.set(row + offset, id);
    for (const x of p.trades) trades.push({ ...x, row: x.row + offset });
    for (const x of p.errors) errors.push({ ...x, row: x.row + offset });
    for (const x of p.values) values.push({ ...x, row: x.row + offset });
    addBadLines(bad, p.bad);
    offset += p.n;
  }
  const merged: Segment = {
    source: parts[0]!.source, n,
    ts: concat(parts.map((p) => p.ts)), id: concat(parts.map((p) => p.id)), digest: concat(parts.map((p) => p.digest)),
    type: concat(parts.map((p) => p.type)), level: concat(parts.map((p) => p.level)), flags: concat(parts.map((p) => p.flags)),
    session, latency: concat(parts.map((p) => p.latency)),
    sessions, textIds, trades, errors, values, bad,
  };
  const dropped = parts.flatMap((p) => (p.dropped === undefined ? [] : [p.dropped]));
  if (dropped.length === 0) return merged;
  return { ...merged, dropped: { words: concat(dropped.map((d) => d.words)), text: dropped.flatMap((d) => d.text) } };
}

/** Typed arrays of one kind, one after another in a new one. */
function concat<A extends Float64Array | Uint32Array | Uint8Array | Int32Array>(arrays: readonly A[]): A {
  let n = 0;
  for (const a of arrays) n += a.length;
  const out = new (arrays[0]!.constructor as new (n: number) => A)(n);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Some rows of a segment copied into a new one, in the order added. */
class RowCopy {
  private j = 0;
  private readonly ts: Float64Array;
  private readonly id: Uint32Array;
  private readonly digest: Uint32Array;
  private readonly type: Uint8Array;
  private readonly level: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly session: Int32Array;
  private readonly latency: Float64Array;
  private readonly textIds = new Map<number, string>();

  constructor(private readonly seg: Segment, readonly n: number) {
    this.ts = new Float64Array(n);
    this.id = new Uint32Array(n * 4);
    this.digest = new Uint32Array(n);
    this.type = new Uint8Array(n);
    this.level = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.session = new Int32Array(n);
    this.latency = new Float64Array(n);
  }

  /** Copies row r; returns its row in the copy. */
  add(r: number): number {
    const { seg } = this;
    const j = this.j++;
    this.ts[j] = seg.ts[r]!;
    this.id.set(seg.id.subarray(r * 4, r * 4 + 4), j * 4);
    this.digest[j] = seg.digest[r]!;
    this.type[j] = seg.type[r]!;
    this.level[j] = seg.level[r]!;
    this.flags[j] = seg.flags[r]!;
    this.session[j] = seg.session[r]!;
    this.latency[j] = seg.latency[r]!;
    const t = seg.textIds.get(r);
    if (t !== undefined) this.textIds.set(j, t);
    return j;
  }

  /** The copy, with the records of the rows copied (`rowOf`: a row's place in the copy, undefined if not copied). */
  segment(rowOf: (row: number) => number | undefined, bad: BadLineCounts): Segment {
    const moved = <R extends { row: number }>(records: readonly R[]): R[] => {
      const out: R[] = [];
      for (const x of records) {
        const row = rowOf(x.row);
        if (row !== undefined) out.push({ ...x, row });
      }
      return out;
    };
    const { seg } = this;
    return {
      source: seg.source, n: this.n, ts: this.ts, id: this.id, digest: this.digest, type: this.type, level: this.level, flags: this.flags,
      session: this.session, latency: this.latency, sessions: seg.sessions, textIds: this.textIds,
      trades: moved(seg.trades), errors: moved(seg.errors), values: moved(seg.values), bad,
    };
  }
}

/**
 * The app text lines of `seg` only (rows flagged NO_ID), and how many event rows were left
 * out: a file outside a daybook directory's audit family (reader.ts foreignEvents) keeps its
 * text lines and loses its events. The segment itself when it holds no event row.
 */
export function textRowsOnly(seg: Segment): { segment: Segment; events: number } {
  const keep = new Uint8Array(seg.n);
  let events = 0;
  for (let r = 0; r < seg.n; r++) {
    // Text lines, and an app logger's `json` lines (event type app_log, as verify exempts them):
    // what an app log holds by design. Any other event type is an audit event out of place.
    if ((seg.flags[r]! & F.NO_ID) !== 0 || seg.type[r] === T.app_log) keep[r] = 1;
    else events++;
  }
  if (events === 0) return { segment: seg, events };
  // Not copies of events read elsewhere: the left-out ids are not remembered as `dropped`.
  const { dropped: _dropped, ...segment } = compactSegment(seg, keep);
  return { segment, events };
}

/**
 * The trading rows of `seg` only (those with a TradeRecord), without bad-line counts: what
 * linking needs of a file whose events all precede a load's range (source.ts). The segment
 * itself when every row is a trading row and it counts no bad line. Built from the trade
 * records alone (a few per cent of the rows), not by a pass over every row as compactSegment
 * makes: a first read stores this for every backup it reads (the segment index's `.trd`).
 */
export function tradeRowsOnly(seg: Segment): Segment {
  const bad = Object.values(seg.bad).some((v) => v !== 0);
  if (seg.trades.length === seg.n && !bad) return seg;
  const rows = new RowCopy(seg, seg.trades.length);
  const at = new Map<number, number>();
  for (const t of seg.trades) at.set(t.row, rows.add(t.row));
  // Left out for being out of range, not as copies: no ids are remembered as `dropped`.
  return rows.segment((row) => at.get(row), emptyBadLines());
}
