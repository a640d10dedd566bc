import { AnalyticsError } from './codes.js';

/**
 * What the reader holds itself to on hostile input, so that no file can make a report take
 * unbounded memory or time: a line is never held whole past `maxLineBytes` (a 600 MB line
 * used to end the process with ERR_STRING_TOO_LONG), and a gzip file is never inflated past
 * `max(minInflateBytes, maxInflateRatio × its size)` (a 10 MB bomb inflating to 10 GB used to
 * take a report past 4 GB).
 */
export interface ReadLimits {
  /**
   * Longer lines are counted (`too_long`) and skipped as they stream by. Default 16 MiB: core
   * caps an event line far below that, and the Python DayBot writes lines of a few KB, so a
   * line this long is not an event of either; yet a generous bound costs nothing (only one
   * line is ever held).
   */
  readonly maxLineBytes: number;
  /**
   * Inflated bytes per compressed byte. Default 64: daybook's lines carry a 64-hex link
   * each, which does not compress, so its backups inflate ~5-10×; plain JSON logs ~10-20×.
   * gzip's ceiling is ~1030×, which is what a bomb uses.
   */
  readonly maxInflateRatio: number;
  /** Below this many inflated bytes the ratio is not applied (a small, very regular file). Default 64 MiB. */
  readonly minInflateBytes: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({ maxLineBytes: 16 * 1024 * 1024, maxInflateRatio: 64, minInflateBytes: 64 * 1024 * 1024 });

/** The limits with the defaults filled in; throws DAYBOOK_E_OPTION_INVALID for a value that is not a positive number. */
export function readLimits(given: Partial<ReadLimits> = {}): ReadLimits {
  const out = { ...DEFAULT_READ_LIMITS };
  for (const k of Object.keys(DEFAULT_READ_LIMITS) as (keyof ReadLimits)[]) {
    const v = given[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new AnalyticsError('DAYBOOK_E_OPTION_INVALID', `limits.${k}=${String(v)} must be a positive number`);
    out[k] = v;
  }
  return out;
}

/** Inflated bytes allowed for a gzip file of `compressedBytes`. */
export function inflateLimit(limits: ReadLimits, compressedBytes: number): number {
  return Math.max(limits.minInflateBytes, limits.maxInflateRatio * compressedBytes);
}
