import { HOUR_US, isoOf } from './dates.js';
import { isSelected, type Selection } from './event-set.js';
import { perSegment, type SegmentMemo } from './memo.js';
import { LEVEL, type ErrorRecord } from './segment.js';

export interface TopMessage {
  message: string;
  count: number;
  first_seen: string;
  last_seen: string;
}

export interface RecentError {
  timestamp: string;
  level: string;
  component: string;
  event_type: string;
  message: string;
  event_id: string;
  error_type: string;
}

/** metrics.md, "Error summary". */
export interface ErrorSummary {
  total_errors: number;
  total_warnings: number;
  by_component: Record<string, number>;
  by_error_type: Record<string, number>;
  top_messages: TopMessage[];
  errors_by_hour: Record<string, number>;
  recent_errors: RecentError[];
}

const TOP = 10;

/** The ERROR and CRITICAL events of a selection, in read order. */
export function selectErrors(sel: Selection): ErrorRecord[] {
  const out: ErrorRecord[] = [];
  sel.set.segments.forEach((seg, si) => {
    for (const e of seg.errors) if (isSelected(sel, si, e.row, e.ts)) out.push(e);
  });
  return out;
}

/** How many ERROR and CRITICAL events a selection holds: selectErrors(sel).length, counted per segment (memo.ts) without the list. */
export function countErrors(sel: Selection): number {
  let n = 0;
  sel.set.segments.forEach((seg, si) => {
    n += perSegment(errorCounts, sel.rows[si]!, seg, () => {
      let c = 0;
      for (const e of seg.errors) if (isSelected(sel, si, e.row, e.ts)) c++;
      return c;
    });
  });
  return n;
}

/** ERROR and CRITICAL events per segment's selected rows (memo.ts). */
const errorCounts: SegmentMemo<number> = new WeakMap();

/** WARNING events of a selection. */
export function countWarnings(sel: Selection): number {
  let n = 0;
  sel.set.segments.forEach((seg, si) => {
    const rows = sel.rows[si]!;
    n += perSegment(warnings, rows, seg, () => {
      const level = seg.level;
      let w = 0;
      for (let j = 0; j < rows.length; j++) if (level[rows[j]!] === LEVEL.WARNING) w++;
      return w;
    });
  });
  return n;
}

/** WARNING events per segment's selected rows (memo.ts). */
const warnings: SegmentMemo<number> = new WeakMap();

/**
 * A message with every run of digits replaced by `#` (top_messages' key). Bots repeat their
 * error messages, and a repeated report would otherwise run the regex over every error of the
 * range again: the keys are remembered, up to a bound (then forgotten all at once). The bound
 * counts characters as well as messages: a message may be 64 Ki characters (a traceback), and
 * 10,000 of them, each held twice (message and key), would keep over a GB after their reports.
 */
function messageKey(message: string): string {
  let key = messageKeys.get(message);
  if (key === undefined) {
    key = message.replace(/\d+/g, '#');
    if (messageKeys.size >= MAX_MESSAGE_KEYS || messageKeyChars + message.length + key.length > MAX_MESSAGE_KEY_CHARS) {
      messageKeys.clear();
      messageKeyChars = 0;
    }
    messageKeys.set(message, key);
    messageKeyChars += message.length + key.length;
  }
  return key;
}
const messageKeys = new Map<string, string>();
let messageKeyChars = 0;
const MAX_MESSAGE_KEYS = 10_000;
/** Characters of the remembered messages and keys together: a few MB. */
const MAX_MESSAGE_KEY_CHARS = 4 * 1024 * 1024;

/** Whether error a (read at ia) is more recent than b (read at ib): newer first, then the one read later. */
const newer = (a: ErrorRecord, ia: number, b: ErrorRecord, ib: number): boolean => a.ts > b.ts || (a.ts === b.ts && ia > ib);

/** The places of the TOP most recent errors, newest first, in one pass (no sort of every error). */
function mostRecent(errors: readonly ErrorRecord[]): number[] {
  const best: number[] = [];
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    if (best.length === TOP && !newer(e, i, errors[best[TOP - 1]!]!, best[TOP - 1]!)) continue;
    let at = best.length === TOP ? TOP - 1 : best.length;
    while (at > 0 && newer(e, i, errors[best[at - 1]!]!, best[at - 1]!)) at--;
    best.splice(at, 0, i);
    if (best.length > TOP) best.pop();
  }
  return best;
}

interface MessageSums {
  count: number;
  first: number;
  last: number;
}

/**
 * What the error summary adds up over some errors in read order (one segment's selected ones):
 * counts per name in the order names first came, per hour, per message key, and the TOP most
 * recent with their places among these errors. The parts of a selection's segments, added in
 * segment order (summaryOf), give what one pass over all its errors gives: a repeated report
 * passes over the errors of the new lines only.
 */
interface ErrorPart {
  count: number;
  byComponent: Map<string, number>;
  byType: Map<string, number>;
  byHour: Int32Array;
  messages: Map<string, MessageSums>;
  recent: { error: ErrorRecord; at: number }[];
}

/**
 * Counts `k` in `m`. Keys are log content (a component named `__proto__` or `toString`): a
 * Map, made an object by Object.fromEntries (own properties, in the order keys first came),
 * never looked up on a plain object, which would find Object.prototype's.
 */
const count = (m: Map<string, number>, k: string, n = 1): void => {
  m.set(k, (m.get(k) ?? 0) + n);
};

function partOf(errors: readonly ErrorRecord[]): ErrorPart {
  const byComponent = new Map<string, number>();
  const byType = new Map<string, number>();
  const byHour = new Int32Array(24);
  const messages = new Map<string, MessageSums>();
  for (const e of errors) {
    count(byComponent, e.component);
    count(byType, e.errorType);
    byHour[((Math.floor(e.ts / HOUR_US) % 24) + 24) % 24]!++;
    const key = messageKey(e.message);
    const m = messages.get(key);
    if (m === undefined) messages.set(key, { count: 1, first: e.ts, last: e.ts });
    else {
      m.count++;
      if (e.ts < m.first) m.first = e.ts;
      if (e.ts > m.last) m.last = e.ts;
    }
  }
  return { count: errors.length, byComponent, byType, byHour, messages, recent: mostRecent(errors).map((at) => ({ error: errors[at]!, at })) };
}

/** The summary of parts that follow one another in read order. */
function summaryOf(parts: readonly ErrorPart[], warnings: number): ErrorSummary {
  if (parts.length === 1) return summaryOfPart(parts[0]!, warnings);
  const sum: ErrorPart = { count: 0, byComponent: new Map(), byType: new Map(), byHour: new Int32Array(24), messages: new Map(), recent: [] };
  for (const p of parts) {
    for (const [k, n] of p.byComponent) count(sum.byComponent, k, n);
    for (const [k, n] of p.byType) count(sum.byType, k, n);
    for (let h = 0; h < 24; h++) sum.byHour[h]! += p.byHour[h]!;
    for (const [key, m] of p.messages) {
      const s = sum.messages.get(key);
      if (s === undefined) sum.messages.set(key, { ...m });
      else {
        s.count += m.count;
        if (m.first < s.first) s.first = m.first;
        if (m.last > s.last) s.last = m.last;
      }
    }
    // Each part's most recent, at their places among all the errors: the TOP of all are among them.
    for (const r of p.recent) sum.recent.push({ error: r.error, at: sum.count + r.at });
    sum.count += p.count;
  }
  sum.recent.sort((a, b) => (newer(a.error, a.at, b.error, b.at) ? -1 : 1));
  sum.recent.length = Math.min(sum.recent.length, TOP);
  return summaryOfPart(sum, warnings);
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

function summaryOfPart(p: ErrorPart, warnings: number): ErrorSummary {
  const byHour: Record<string, number> = {};
  HOURS.forEach((h, i) => (byHour[h] = p.byHour[i]!));
  const top = [...p.messages.entries()]
    .sort(([ma, a], [mb, b]) => b.count - a.count || a.first - b.first || (ma < mb ? -1 : ma > mb ? 1 : 0))
    .slice(0, TOP)
    .map(([message, m]) => ({ message, count: m.count, first_seen: isoOf(m.first), last_seen: isoOf(m.last) }));
  // Newest first; of two at the same instant, the one read later first.
  const recent = p.recent.map(({ error: e }) => ({ timestamp: isoOf(e.ts), level: e.level, component: e.component, event_type: e.eventType, message: e.message, event_id: e.eventId, error_type: e.errorType }));
  return {
    total_errors: p.count,
    total_warnings: warnings,
    by_component: Object.fromEntries(p.byComponent),
    by_error_type: Object.fromEntries(p.byType),
    top_messages: top,
    errors_by_hour: byHour,
    recent_errors: recent,
  };
}

/** Over the ERROR/CRITICAL events of a range (in read order) and its WARNING count. Pure. */
export function errorSummary(errors: readonly ErrorRecord[], warnings: number): ErrorSummary {
  return summaryOf([partOf(errors)], warnings);
}

/** errorSummary(selectErrors(sel), countWarnings(sel)), from each segment's part (memo.ts). */
export function errorSummaryOf(sel: Selection): ErrorSummary {
  const parts = sel.set.segments.map((seg, si) => perSegment(errorParts, sel.rows[si]!, seg, () => partOf(seg.errors.filter((e) => isSelected(sel, si, e.row, e.ts)))));
  return summaryOf(parts, countWarnings(sel));
}

/** The error summary's part of each segment's selected rows (memo.ts). */
const errorParts: SegmentMemo<ErrorPart> = new WeakMap();
