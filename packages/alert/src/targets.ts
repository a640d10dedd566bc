import { verify, type VerifyCache } from '@daybook/core';
import { LogAnalyzer, type LogAnalyzerOptions } from '@daybook/analytics';
import type { Target } from './kinds.js';

/** A crash's marks, listed by verify but not damage (verify.ts NOT_DAMAGE). */
const NOT_DAMAGE = new Set(['torn_tail', 'leftover']);

/**
 * chain_damaged for a directory: verify's damage problems. Its VerifyCache is kept between
 * evaluations, so a check reads the current files and what changed, not the backups again:
 * the cost of `daybook verify` after a rotation, once per evaluation (and per evaluation only
 * when a chain_damaged rule exists).
 */
export function damageOf(dir: string): () => Promise<number> {
  const cache: VerifyCache = {};
  return async () => {
    const r = await verify(dir, { cache });
    return r.ok ? 0 : Math.max(1, r.problems.filter((p) => !NOT_DAMAGE.has(p.kind)).length);
  };
}

/**
 * The target of a log directory: one LogAnalyzer kept for the process (its segment cache and
 * the on-disk index make each evaluation read only what was appended), no labels.
 */
export function directoryTarget(dir: string, options: LogAnalyzerOptions = {}): Target {
  return { labels: {}, figures: new LogAnalyzer(dir, options), damage: damageOf(dir) };
}
