import { setFlagsFromString } from 'node:v8';

// Why a continuous evaluator sets one of V8's heap flags for its own process.
//
// `daybook alert` idles ~14 s of every 15: V8's memory reducer takes that for a process that
// went quiet, collects, and leaves the old generation's limit at 1.1x what is live (~50 MB:
// ~5 MB of slack). The next evaluation promotes more than that (its reads and windows live
// through a few scavenges), so each one crossed the limit two or three times: full marking,
// a third of the process's CPU (on V8's threads), and the issue's 5 % of a core missed for it.
// With a growing factor of 2 the limit follows the live heap with room for an evaluation, and
// the resident size barely moves (the rows are typed arrays outside V8's heap): the figures are
// in @daybook/alert's README, "Cost of an evaluation".
//
// Only the continuous `daybook alert` calls this: `--once` ends before the reducer acts, and
// `daybook serve` keeps report caches whose heap a factor of 2 would double in size. The flag
// is read by V8 at each limit it computes, so setting it at run time works (Node 20 and 24);
// the memory reducer itself can only be turned off on node's command line.

/** The growing factor asked for: 1 + 100 %. */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flag to set, or undefined when node's command line already sets the growing factor
 * (`node --heap-growing-percent=N …`: the user's choice stands). The command line is the only
 * place a user can set it: node refuses it in NODE_OPTIONS.
 */
export function heapGrowingFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Gives the old generation room for an evaluation between full collections (see above). */
export function roomForEvaluations(execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowingFlag(execArgv);
  if (flag !== undefined) setFlagsFromString(flag);
}
