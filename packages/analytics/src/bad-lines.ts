/** Lines that are not events, by kind (metrics.md, "Reading events"). Every report carries them. */
export interface BadLineCounts {
  /** Whitespace only. */
  blank: number;
  /** Not valid UTF-8. */
  invalid_utf8: number;
  /** Not strict JSON (NaN, Infinity, truncated, ...) and not an app log text line either. */
  invalid_json: number;
  /** JSON, but not an object. */
  not_object: number;
  /** An object without a string event_id. */
  missing_event_id: number;
  /** An object (or app log line) without a parseable timestamp. */
  invalid_timestamp: number;
  /** Longer than the reader's maxLineBytes: skipped unread (reader.ts ReadLimits). */
  too_long: number;
}

export type BadLineKind = keyof BadLineCounts;
export const BAD_LINE_KINDS: readonly BadLineKind[] = ['blank', 'invalid_utf8', 'invalid_json', 'not_object', 'missing_event_id', 'invalid_timestamp', 'too_long'];

export function emptyBadLines(): BadLineCounts {
  return { blank: 0, invalid_utf8: 0, invalid_json: 0, not_object: 0, missing_event_id: 0, invalid_timestamp: 0, too_long: 0 };
}

export function addBadLines(into: BadLineCounts, from: BadLineCounts): BadLineCounts {
  for (const k of BAD_LINE_KINDS) into[k] += from[k];
  return into;
}

/** The count as reports show it: `{ total, ...by kind }`. */
export function badLinesReport(b: BadLineCounts): { total: number } & BadLineCounts {
  let total = 0;
  for (const k of BAD_LINE_KINDS) total += b[k];
  return { total, ...b };
}
