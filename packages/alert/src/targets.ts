import { join } from 'node:path';
import { verify, type VerifyCache } from '@daybook/core';
import { LogAnalyzer, type LogAnalyzerOptions } from '@daybook/analytics';
import type { Figures, Target } from './kinds.js';
import { readJson, writeJsonAtomicSync } from './notify/state-file.js';

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
 * Below this many bytes to read, an evaluator parses on its own thread. What a bot appends
 * between two evaluations (50 MB in 15 s at 10,000 events/s) is a read LogAnalyzer would
 * share with a worker thread, whose start-up and cold code cost more CPU than the wall time
 * they save (`npm run bench -- alert` at 10,000/s: 915 ms of CPU per evaluation with the
 * worker, 747 ms without); an evaluator runs beside a bot and should cost it the least CPU.
 * A first read of a large directory (no index yet) still uses every core.
 */
const EVALUATOR_PARALLEL_THRESHOLD = 256 * 1024 * 1024;

/**
 * The target of a log directory: one LogAnalyzer kept for the process (its segment cache and
 * the on-disk index make each evaluation read only what was appended), no labels.
 */
export function directoryTarget(dir: string, options: LogAnalyzerOptions = {}): Target {
  return { labels: {}, figures: analyzerFigures(new LogAnalyzer(dir, { parallelThreshold: EVALUATOR_PARALLEL_THRESHOLD, ...options })), damage: damageOf(dir) };
}

/**
 * A LogAnalyzer as the rules read it. An evaluation's snapshot answers with the analyzer's
 * lean figures (RangeFigures: the numbers of the reports, without the rest of them): at an
 * evaluation a second, the whole trading report of each window was most of the evaluator's
 * CPU, for the two numbers the trading kinds read.
 */
function analyzerFigures(analyzer: LogAnalyzer): Figures {
  return {
    getSystemMetrics: (s, e) => analyzer.getSystemMetrics(s, e),
    getErrorSummary: (s, e) => analyzer.getErrorSummary(s, e),
    getTradingMetrics: (s, e) => analyzer.getTradingMetrics(s, e),
    getRiskMetrics: (s, e) => analyzer.getRiskMetrics(s, e),
    async snapshot(since) {
      const snap = await analyzer.snapshot(since);
      return { getSystemMetrics: snap.getSystemFigures, getErrorSummary: snap.getErrorCount, getTradingMetrics: snap.getPnlFigures, getRiskMetrics: snap.getRiskMetrics };
    },
  };
}

/** A target's own saved state (the fleet's chain walks): load once, save after each check. */
export interface TargetStateFile {
  readonly path: string;
  load(): unknown;
  save(value: unknown): void;
}

/**
 * `<stateDir>/<name>`, JSON written atomically as the alert state is. It only saves work (a
 * lost file means reading again what was read), so a file that cannot be read starts empty
 * and one that cannot be written keeps the state in memory: one `warn` per outage, never a
 * failed rule.
 */
export function targetStateFile(stateDir: string, name: string, warn: (message: string) => void): TargetStateFile {
  const path = join(stateDir, name);
  let failing = false;
  return {
    path,
    load() {
      try {
        return readJson(path);
      } catch (e) {
        warn(`cannot read ${path} (${(e as Error).message}): starting from nothing`);
        return undefined;
      }
    },
    save(value) {
      try {
        writeJsonAtomicSync(path, value);
        failing = false;
      } catch (e) {
        if (!failing) warn(`cannot write ${path} (${(e as Error).message}): kept in memory until it can`);
        failing = true;
      }
    },
  };
}
