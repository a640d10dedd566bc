import { AnalyticsError } from './codes.js';

// Timestamps are compared as UTC instants held in one double: MICRO-seconds since the epoch.
// A double holds every micro-second of this millennium exactly (< 2^53), so differences of
// Python's micro-second timestamps are exact too; a finer fraction is kept as a fraction.

export const US_PER_MS = 1000;
export const HOUR_US = 3_600_000_000;
export const DAY_US = 86_400_000_000;

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
};
const two = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Reads `YYYY-MM-DD[T ]HH:MM[:SS[.,fraction]][Z|±HH:MM|±HHMM|±HH]`; without an offset the
 * time is UTC. Returns micro-seconds since the epoch, or undefined if malformed.
 * Hand-written rather than Date.parse: Date.parse reads an offset-less time as local time
 * and drops micro-seconds.
 */
export function parseTimestamp(s: string): number | undefined {
  // Fast path: consecutive lines share their day (`YYYY-MM-DDT`), so only the time of day
  // after it is read, in the two shapes the loggers write: daybook's `HH:MM:SS.mmmZ` and the
  // Python DayBot's `HH:MM:SS.ffffff+00:00` (datetime.isoformat() in UTC). Both are UTC, so
  // one cached day serves both; anything else takes parseSlow. (A cached minute missed 43 %
  // of the Python bench's lines, whose events are seconds to minutes apart; a day misses one
  // line a day.)
  if (lastDay !== '' && s.startsWith(lastDay)) {
    const us = timeOfDayUs(s);
    if (us >= 0) return lastDayUs + us;
  }
  const v = parseSlow(s);
  if (v !== undefined) {
    const us = timeOfDayUs(s);
    if (us >= 0) {
      lastDay = s.slice(0, 11);
      lastDayBytes = Buffer.from(lastDay, 'latin1');
      lastDayUs = v - us;
    }
  }
  return v;
}

/** The day (`YYYY-MM-DDT`) of the last timestamp read in a fast-path shape; '' before one: any text could begin with a placeholder (a JSON escape makes any character). */
let lastDay = '';
/** lastDay as bytes, for parseTimestampAt. */
let lastDayBytes = new Uint8Array(0);
let lastDayUs = 0;

/**
 * parseTimestamp of the ASCII text b[s, e), read from its bytes when it is on the cached day
 * in a fast-path shape: a plain line (plain-line.ts) is read without making any string, and
 * making this one was a tenth of reading it. Anything else is parseTimestamp of its text.
 */
export function parseTimestampAt(b: Uint8Array, s: number, e: number): number | undefined {
  const day = lastDayBytes;
  if (day.length !== 0 && e - s > day.length && sameBytes(b, s, day)) {
    const us = timeOfDayUsAt(b, s, e - s);
    if (us >= 0) return lastDayUs + us;
  }
  return parseTimestamp(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1'));
}

function sameBytes(b: Uint8Array, s: number, bytes: Uint8Array): boolean {
  for (let j = 0; j < bytes.length; j++) if (b[s + j] !== bytes[j]) return false;
  return true;
}

const digitAt = (b: Uint8Array, i: number): number => {
  const c = b[i]! - 48;
  return c >= 0 && c <= 9 ? c : -1000;
};
const twoAt = (b: Uint8Array, i: number): number => digitAt(b, i) * 10 + digitAt(b, i + 1);
const threeAt = (b: Uint8Array, i: number): number => digitAt(b, i) * 100 + twoAt(b, i + 1);
const UTC_SUFFIX = Buffer.from('+00:00', 'latin1');

/** timeOfDayUs (then secondsUs) of the `n` bytes at b[s..], step for step. */
function timeOfDayUsAt(b: Uint8Array, s: number, n: number): number {
  const h = twoAt(b, s + 11);
  const mi = twoAt(b, s + 14);
  if (b[s + 13] !== 58 || h < 0 || h > 23 || mi < 0 || mi > 59) return -1;
  if (b[s + 16] !== 58 || b[s + 19] !== 46) return -1;
  const sec = twoAt(b, s + 17);
  if (sec < 0 || sec > 59) return -1;
  const ms = threeAt(b, s + 20);
  if (ms < 0) return -1;
  let us: number;
  if (n === 24) {
    if (b[s + 23] !== 90) return -1;
    us = (sec * 1000 + ms) * US_PER_MS;
  } else {
    const micro = threeAt(b, s + 23);
    if (n !== 32 || !sameBytes(b, s + 26, UTC_SUFFIX) || micro < 0) return -1;
    us = sec * 1_000_000 + ms * 1000 + micro;
  }
  return (h * 60 + mi) * 60_000_000 + us;
}

/**
 * The micro-seconds since midnight of a timestamp in one of the fast path's two shapes, -1
 * for any other text. Only the part after the day is checked: the day itself is the cached
 * one, which parseSlow validated.
 */
function timeOfDayUs(s: string): number {
  const h = two(s, 11);
  const mi = two(s, 14);
  if (s.charCodeAt(13) !== 58 || h < 0 || h > 23 || mi < 0 || mi > 59) return -1;
  const us = secondsUs(s);
  return us < 0 ? -1 : (h * 60 + mi) * 60_000_000 + us;
}

/** Three digits at s[i..i+3) as a number, negative if any is not a digit. */
const three = (s: string, i: number): number => digit(s, i) * 100 + digit(s, i + 1) * 10 + digit(s, i + 2);

/**
 * The micro-seconds after the minute of a timestamp in one of the fast path's two shapes
 * (`…:SS.mmmZ`, 24 characters; `…:SS.ffffff+00:00`, 32), -1 for any other text.
 */
function secondsUs(s: string): number {
  const n = s.length;
  if (s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46) return -1;
  const sec = two(s, 17);
  if (sec < 0 || sec > 59) return -1;
  const ms = three(s, 20);
  if (ms < 0) return -1;
  if (n === 24) return s.charCodeAt(23) === 90 ? (sec * 1000 + ms) * US_PER_MS : -1;
  if (n !== 32 || !s.endsWith('+00:00')) return -1;
  const micro = three(s, 23);
  return micro < 0 ? -1 : sec * 1_000_000 + ms * 1000 + micro;
}

/** parseTimestamp without its same-day fast path (exported for the tests that compare the two). */
export function parseTimestampSlow(s: string): number | undefined {
  return parseSlow(s);
}

function parseSlow(s: string): number | undefined {
  const n = s.length;
  if (n < 16) return undefined;
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const sep = s.charCodeAt(10);
  if (y < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 116 && sep !== 32)) return undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]!) return undefined;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return undefined;
  const h = two(s, 11);
  const mi = two(s, 14);
  if (s.charCodeAt(13) !== 58 || h < 0 || h > 23 || mi < 0 || mi > 59) return undefined;
  let i = 16;
  let sec = 0;
  let frac = 0;
  if (i < n && s.charCodeAt(i) === 58) {
    sec = two(s, i + 1);
    if (sec < 0 || sec > 59) return undefined;
    i += 3;
    const c = s.charCodeAt(i);
    if (i < n && (c === 46 || c === 44)) {
      i++;
      const begin = i;
      let int = 0;
      let scale = 1;
      for (; i < n; i++) {
        const v = digit(s, i);
        if (v < 0) break;
        if (i - begin < 12) {
          int = int * 10 + v;
          scale *= 10;
        }
      }
      if (i === begin) return undefined;
      frac = (int * 1_000_000) / scale;
    }
  }
  let offsetMin = 0;
  if (i < n) {
    const c = s.charCodeAt(i);
    if (c === 90 || c === 122) {
      i++;
    } else if (c === 43 || c === 45) {
      const oh = two(s, i + 1);
      if (oh < 0 || oh > 23) return undefined;
      i += 3;
      let om = 0;
      if (i < n) {
        if (s.charCodeAt(i) === 58) i++;
        om = two(s, i);
        if (om < 0 || om > 59) return undefined;
        i += 2;
      }
      offsetMin = (c === 43 ? 1 : -1) * (oh * 60 + om);
    } else {
      return undefined;
    }
  }
  if (i !== n) return undefined;
  return (Date.UTC(y, mo - 1, d, h, mi, sec) - offsetMin * 60_000) * US_PER_MS + frac;
}

/** The UTC day number (days since 1970-01-01) of the instant `us`. */
export function dayNumber(us: number): number {
  return Math.floor(us / DAY_US);
}

/** `YYYY-MM-DD` of a day number. */
export function dayString(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` of the UTC day holding the instant `us`. */
export function utcDay(us: number): string {
  return dayString(dayNumber(us));
}

/** ISO-8601 UTC text of the instant `us`, with micro-seconds only when there are some. */
export function isoOf(us: number): string {
  const ms = Math.floor(us / US_PER_MS);
  const iso = new Date(ms).toISOString();
  const micro = Math.round(us - ms * US_PER_MS);
  return micro === 0 ? iso : `${iso.slice(0, 23)}${String(micro).padStart(3, '0')}Z`;
}

/** A time range, both ends inclusive unless `endExclusive` (a plain date as end). */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
  readonly endExclusive: boolean;
}

export const ALL_TIME: TimeRange = { start: -Infinity, end: Infinity, endExclusive: false };

export function inRange(range: TimeRange, t: number): boolean {
  return t >= range.start && (range.endExclusive ? t < range.end : t <= range.end);
}

/** What a range bound may be: a Date, epoch milliseconds (as Date.now()), `YYYY-MM-DD` or an ISO-8601 timestamp. */
export type DateInput = Date | number | string | null | undefined;

const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

function bound(input: DateInput, side: 'start' | 'end', name: string): { t: number; exclusive: boolean } {
  if (input === undefined || input === null || input === '') return { t: side === 'start' ? -Infinity : Infinity, exclusive: false };
  if (input instanceof Date || typeof input === 'number') {
    const t = input instanceof Date ? input.getTime() : input;
    if (!Number.isFinite(t)) throw new AnalyticsError('DAYBOOK_E_DATE_INVALID', `${name} is not a valid date`);
    return { t: t * US_PER_MS, exclusive: false };
  }
  if (typeof input !== 'string') throw new AnalyticsError('DAYBOOK_E_DATE_INVALID', `${name} must be a date string, a Date or a number, not ${typeof input}`);
  const text = input.trim();
  if (PLAIN_DATE.test(text)) {
    const day = parseTimestamp(`${text}T00:00:00Z`);
    if (day === undefined) throw new AnalyticsError('DAYBOOK_E_DATE_INVALID', `${name} "${input}" is not a calendar date`);
    return side === 'start' ? { t: day, exclusive: false } : { t: day + DAY_US, exclusive: true };
  }
  const t = parseTimestamp(text);
  if (t === undefined) throw new AnalyticsError('DAYBOOK_E_DATE_INVALID', `${name} "${input}" is neither YYYY-MM-DD nor an ISO-8601 timestamp`);
  return { t, exclusive: false };
}

/**
 * The range `start`..`end` as metrics.md defines it: a plain date as start is 00:00:00 UTC of
 * that day, as end the whole day (up to the next day's 00:00:00, excluded); a timestamp bound
 * is inclusive; a missing bound is open. Throws DAYBOOK_E_DATE_INVALID / DAYBOOK_E_DATE_RANGE.
 */
export function parseRange(start?: DateInput, end?: DateInput): TimeRange {
  const a = bound(start, 'start', 'start date');
  const b = bound(end, 'end', 'end date');
  if (a.t > b.t || (b.exclusive && a.t === b.t)) {
    throw new AnalyticsError('DAYBOOK_E_DATE_RANGE', `start ${String(start)} is after end ${String(end)}`);
  }
  return { start: a.t, end: b.t, endExclusive: b.exclusive };
}

/** The whole UTC day `date` (YYYY-MM-DD or a Date; default: today, UTC). */
export function dayRange(date?: DateInput): { day: string; range: TimeRange } {
  let day: string;
  if (date === undefined || date === null || date === '') day = utcDay(Date.now() * US_PER_MS);
  else if (typeof date === 'string' && PLAIN_DATE.test(date.trim())) day = date.trim();
  else {
    const { t } = bound(date, 'start', 'date');
    day = utcDay(t);
  }
  return { day, range: parseRange(day, day) };
}
