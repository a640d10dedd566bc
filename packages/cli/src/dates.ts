/**
 * Dates as a person types them on the command line: `today`, `yesterday` and `Nd` (N days
 * before today) are UTC days, turned into the YYYY-MM-DD that the analyzer reads; anything
 * else (YYYY-MM-DD, an ISO-8601 timestamp) is passed on as it is, for the analyzer to check.
 */
const DAY_MS = 86_400_000;

export const RELATIVE_DATES = "today, yesterday or Nd (N days before today, e.g. 7d), all UTC";

export function resolveDate(text: string | undefined, now: number = Date.now()): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  const back = t === 'today' ? 0 : t === 'yesterday' ? 1 : /^\d{1,5}d$/.test(t) ? Number(t.slice(0, -1)) : undefined;
  if (back === undefined) return text;
  return new Date(Math.floor(now / DAY_MS) * DAY_MS - back * DAY_MS).toISOString().slice(0, 10);
}
