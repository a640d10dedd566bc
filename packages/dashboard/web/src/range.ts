// The selected range and the buckets of the "over time" charts. Ranges are whole UTC days
// (plain YYYY-MM-DD bounds, as metrics.md defines them), so the cards ask the API exactly
// what `daybook report` would.
export type RangeKey = 'today' | '7d' | '30d' | 'custom';

export interface Range {
  key: RangeKey;
  start: string; // YYYY-MM-DD
  end: string; // YYYY-MM-DD, included
}

export interface Bucket {
  /** Bucket start, seconds since the epoch (uPlot's x). */
  x: number;
  start: string;
  end: string;
  /** A multi-day bucket's days, so per-day series can be summed into it. */
  days: string[];
}

const DAY = 86_400_000;

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const dayMs = (d: string): number => Date.parse(`${d}T00:00:00Z`);

export function rangeOf(key: RangeKey, now = Date.now(), custom?: { start: string; end: string }): Range {
  const today = isoDay(now);
  if (key === 'custom' && custom !== undefined && custom.start !== '' && custom.end !== '') {
    const [start, end] = custom.start <= custom.end ? [custom.start, custom.end] : [custom.end, custom.start];
    return { key, start, end };
  }
  const days = key === '7d' ? 7 : key === '30d' ? 30 : 1;
  return { key: key === 'custom' ? 'today' : key, start: isoDay(dayMs(today) - (days - 1) * DAY), end: today };
}

export const rangeDays = (r: Range): number => Math.round((dayMs(r.end) - dayMs(r.start)) / DAY) + 1;

/**
 * One range as at most ~60 buckets: hours for a single day (up to now), else days, or
 * groups of days for long custom ranges. Hour bounds are inclusive timestamps ending at
 * .999999, so an hour never counts an event of the next one.
 */
export function bucketsOf(r: Range, now = Date.now()): Bucket[] {
  const out: Bucket[] = [];
  const days = rangeDays(r);
  if (days === 1) {
    const d0 = dayMs(r.start);
    for (let h = 0; h < 24; h++) {
      const t = d0 + h * 3_600_000;
      if (t > now) break;
      out.push({ x: t / 1000, start: new Date(t).toISOString(), end: new Date(t + 3_599_999).toISOString().replace('Z', '999Z'), days: [r.start] });
    }
    return out;
  }
  const per = Math.ceil(days / 60);
  for (let i = 0; i < days; i += per) {
    const t = dayMs(r.start) + i * DAY;
    if (t > now) break;
    const group: string[] = [];
    for (let j = 0; j < per && i + j < days; j++) group.push(isoDay(t + j * DAY));
    out.push({ x: t / 1000, start: group[0]!, end: group[group.length - 1]!, days: group });
  }
  return out;
}

/** True when the range ends today or later, so live events belong in it. */
export const isLive = (r: Range, now = Date.now()): boolean => r.end >= isoDay(now);
