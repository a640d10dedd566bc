// The selected range. Ranges are whole UTC days (plain YYYY-MM-DD bounds, as metrics.md
// defines them), so the cards ask the API exactly what `daybook report` would; the "over
// time" charts are per hour for one day, else per day (/audit/timeseries).
export type RangeKey = 'today' | '7d' | '30d' | 'custom';

export interface Range {
  key: RangeKey;
  start: string; // YYYY-MM-DD
  end: string; // YYYY-MM-DD, included
}

export const DAY = 86_400_000;

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

/** True when the range ends today or later, so live events belong in it. */
export const isLive = (r: Range, now = Date.now()): boolean => r.end >= isoDay(now);
