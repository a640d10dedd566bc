import { TRADE_EVENT_TYPES } from '@daybook/analytics';

// What new log lines may add to the rules' values, read from their bytes without parsing
// them: the trigger (trigger.ts) evaluates early only when these bounds say that a rule which
// does not hold may hold now. Evaluating on every new line read and reduced every line as an
// evaluation does; here a line costs a few bytes compared where its keys were in the lines
// before (KeyFinder), and the evaluation's own read comes every evaluation_interval, and an
// early one only when a bound is crossed (per-line costs: bench/RESULTS.md, session 20).
//
// Every count is an upper bound of what the analyzer counts in the same lines (tested against
// it): a latency_ms or status_code counts whatever the event, copies of an event count again,
// and timestamps are not read (a line outside every window counts).
// Too high costs an early evaluation that changes nothing; too low would only delay an alert
// to the next interval. What is not recognized counts at the next interval's evaluation,
// which reads every line in full: a key or level spelled with escapes (`"\u0065rror"`), and a
// line where a key read here appears twice (a `level` inside metadata as well, a key
// repeated), of which either place may be read. daybook's logger, the DayBot and every
// writer tested write each key once.

/** Upper bounds of what some new lines add to the figures the rules read. */
export interface Signals {
  /** Complete lines read. */
  lines: number;
  /** Lines that may be ERROR or CRITICAL events (error_count). */
  errors: number;
  /** rate_limit events and api_call lines with status_code 429 (rate_limit_hits). */
  rateLimits: number;
  /** risk_limit_hit events (risk_limit_hits). */
  riskHits: number;
  /** The largest latency_ms of an api_call line; -Infinity when none (avg and p99 latency). */
  maxLatency: number;
  /**
   * What the trading lines may add to a realized loss (daily_loss, max_drawdown): their positive
   * fees and the losses of exits with a pnl; Infinity after an exit without one (linking
   * computes its pnl from its entry's price, which a line alone does not tell).
   */
  loss: number;
}

/** Which bounds are wanted (the others are not read: a line costs only what some rule needs). */
export interface SignalNeeds {
  errors: boolean;
  rateLimits: boolean;
  riskHits: boolean;
  latency: boolean;
  loss: boolean;
}

export const noSignals = (): Signals => ({ lines: 0, errors: 0, rateLimits: 0, riskHits: 0, maxLatency: -Infinity, loss: 0 });

const ERROR = Buffer.from('error', 'latin1');
const CRITICAL = Buffer.from('critical', 'latin1');
const API_CALL = Buffer.from('"api_call"', 'latin1');
/** The event types read besides api_call, as their JSON strings: compared in place, no string made per line. */
const TYPES: readonly { quoted: Buffer; name: string }[] = ['rate_limit', 'risk_limit_hit', ...TRADE_EVENT_TYPES].map((name) => ({ quoted: Buffer.from(`"${name}"`, 'latin1'), name }));
const EXITS: ReadonlySet<string> = new Set(['trade_exit', 'trade_partial_exit']);
/** An app log's text line (`date | app | LEVEL | message`, analytics' lines.ts) of level ERROR or CRITICAL. */
const TEXT_ERROR = /\| *(?:error|critical) *\|/i;

/** Whether b[i, i + bytes.length) is `bytes`, before `end`. */
function isBytes(b: Buffer, i: number, bytes: Uint8Array, end: number): boolean {
  if (i + bytes.length > end) return false;
  for (let j = 0; j < bytes.length; j++) if (b[i + j] !== bytes[j]) return false;
  return true;
}

/** Whether the JSON string at b[i] (`"`) is `word` in any case (lower-case ASCII given). */
function isWord(b: Buffer, i: number, word: Buffer, end: number): boolean {
  if (i + word.length + 1 >= end || b[i] !== 34 || b[i + word.length + 1] !== 34) return false;
  for (let j = 0; j < word.length; j++) if ((b[i + 1 + j]! | 0x20) !== word[j]) return false;
  return true;
}

/** Past the spaces and tabs at b[i]. */
function ws(b: Buffer, i: number, end: number): number {
  while (i < end && (b[i] === 32 || b[i] === 9)) i++;
  return i;
}

const SLOTS = 8;

/**
 * Where a key is in each line. Lines of one logger repeat their layout, so the key is looked
 * for first where it was in recent lines, counted from the line's start and from its end
 * (daybook writes the level at a fixed place; an API call's latency_ms is as far from the
 * line's end as its endpoint's length allows): a compare of a dozen bytes. Only a line of
 * another layout pays for a search (Buffer#indexOf: ~0.1 µs a call, whatever the distance),
 * and the search's answer past the line is kept, so that the lines before it, which do not
 * hold the key, cost nothing more.
 */
class KeyFinder {
  private readonly fromStart = new Int32Array(SLOTS).fill(-1);
  private readonly fromEnd = new Int32Array(SLOTS).fill(-1);
  private slot = 0;
  /** The last search, in the bytes of this call of addSignals: from where, and its answer (-1: none to the end of the buffer). */
  private from = -1;
  private ahead = -1;
  constructor(private readonly key: Buffer) {}

  /** New bytes: the last search's answer is not theirs. */
  reset(): void {
    this.from = -1;
  }

  /** Where the key's value starts in b[ls, le) (past the colon and spaces after it), or -1. */
  value(b: Buffer, ls: number, le: number): number {
    const at = this.find(b, ls, le);
    if (at < 0) return -1;
    let i = ws(b, at + this.key.length, le);
    if (b[i] !== 58) return -1;
    i = ws(b, i + 1, le);
    return i < le ? i : -1;
  }

  private find(b: Buffer, ls: number, le: number): number {
    const key = this.key;
    for (let k = 0; k < SLOTS; k++) {
      const a = ls + this.fromStart[k]!;
      if (a >= ls && isBytes(b, a, key, le)) return a;
      const z = le - this.fromEnd[k]!;
      if (z >= ls && z < le && isBytes(b, z, key, le)) return z;
    }
    // The last search looked past this line's start already: its answer is this line's or a later one's.
    let at: number;
    if (this.from >= 0 && this.from <= ls && (this.ahead < 0 || this.ahead >= ls)) at = this.ahead;
    else {
      at = b.indexOf(key, ls);
      this.from = ls;
      this.ahead = at;
    }
    if (at < 0 || at + key.length > le) return -1;
    this.fromStart[this.slot] = at - ls;
    this.fromEnd[this.slot] = le - at;
    this.slot = (this.slot + 1) % SLOTS;
    return at;
  }
}

const LEVEL = new KeyFinder(Buffer.from('"level"', 'latin1'));
const EVENT_TYPE = new KeyFinder(Buffer.from('"event_type"', 'latin1'));
const LATENCY = new KeyFinder(Buffer.from('"latency_ms"', 'latin1'));
const STATUS = new KeyFinder(Buffer.from('"status_code"', 'latin1'));
const FINDERS = [LEVEL, EVENT_TYPE, LATENCY, STATUS];

/** The name of the event type whose JSON string starts at b[i], among TYPES, or undefined. */
function typeAt(b: Buffer, i: number, end: number): string | undefined {
  for (const t of TYPES) if (isBytes(b, i, t.quoted, end)) return t.name;
  return undefined;
}

/** Past the number or literal at b[i]. */
function scalarEnd(b: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c === 44 || c === 125 || c === 93 || c === 32 || c === 9 || c === 13) return i;
    i++;
  }
  return i;
}

/**
 * The JSON number at b[i] if it may be above `floor`, else `floor` (NaN when there is none):
 * its integer digits are read first, and the text is made and parsed only when they leave it
 * possible, so that an API call's latency below the largest seen costs no string.
 */
function numberAbove(b: Buffer, i: number, end: number, floor: number): number {
  let j = i;
  let whole = 0;
  while (j < end && b[j]! >= 48 && b[j]! <= 57) whole = whole * 10 + b[j++]! - 48;
  let k = j;
  if (j > i && b[k] === 46) do k++; while (k < end && b[k]! >= 48 && b[k]! <= 57);
  // Digits and a fraction at most (no sign, no exponent): the value is below whole + 1.
  if (j > i && j - i < 16 && b[k] !== 101 && b[k] !== 69 && whole + 1 <= floor) return floor;
  k = scalarEnd(b, i, end);
  return k > i ? Number(b.toString('latin1', i, k)) : NaN;
}

/** A trading line's fee and, for an exit, its loss: read with JSON.parse (one line in dozens). */
function tradingLoss(b: Buffer, start: number, end: number, type: string): number {
  let o: unknown;
  try {
    o = JSON.parse(b.toString('utf8', start, end));
  } catch {
    return 0; // a bad line: the analyzer counts it as one, not as a trade
  }
  if (typeof o !== 'object' || o === null) return 0;
  const { fee, pnl } = o as { fee?: unknown; pnl?: unknown };
  let loss = typeof fee === 'number' && fee > 0 ? fee : 0;
  if (EXITS.has(type)) {
    if (typeof pnl !== 'number' || !Number.isFinite(pnl)) return Infinity;
    if (pnl < 0) loss -= pnl;
  }
  return loss;
}

/** Adds the complete lines of b[start, end) (each ending with `\n`) to `s`, reading what `need` asks. */
export function addSignals(b: Buffer, start: number, end: number, s: Signals, need: SignalNeeds): void {
  for (const k of FINDERS) k.reset();
  for (let ls = start; ls < end;) {
    let le = b.indexOf(10, ls);
    if (le < 0 || le >= end) le = end;
    const next = le + 1;
    const i = ws(b, ls, le);
    if (i === le) {
      ls = next;
      continue;
    }
    s.lines++;
    if (b[i] !== 123) {
      // Not JSON: an app log's text line counts when its level is ERROR or CRITICAL.
      if (need.errors && TEXT_ERROR.test(b.toString('latin1', i, le))) s.errors++;
      ls = next;
      continue;
    }
    if (need.errors) {
      const v = LEVEL.value(b, i, le);
      if (v >= 0 && (isWord(b, v, ERROR, le) || isWord(b, v, CRITICAL, le))) s.errors++;
    }
    // A latency_ms or status_code is read wherever it is (not only an api_call's): more than
    // the analyzer counts, never less.
    if (need.latency) {
      const v = LATENCY.value(b, i, le);
      if (v >= 0) {
        const latency = numberAbove(b, v, le, s.maxLatency);
        if (latency > s.maxLatency) s.maxLatency = latency;
      }
    }
    if (need.rateLimits) {
      // 429, or 429.0, 4.29e2: what the analyzer reads as the number 429.
      const v = STATUS.value(b, i, le);
      if (v >= 0 && b[v] === 52 && numberAbove(b, v, le, -Infinity) === 429) s.rateLimits++;
    }
    if (need.rateLimits || need.riskHits || need.loss) {
      const v = EVENT_TYPE.value(b, i, le);
      if (v >= 0 && !isBytes(b, v, API_CALL, le)) {
        const type = typeAt(b, v, le);
        if (type === 'rate_limit') s.rateLimits++;
        else if (type === 'risk_limit_hit') s.riskHits++;
        else if (type !== undefined && need.loss) s.loss += tradingLoss(b, i, le, type);
      }
    }
    ls = next;
  }
}
