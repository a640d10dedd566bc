import { setFlagsFromString } from 'node:v8';

// Why a continuous evaluator sets two of V8's heap flags, and evaluates on a worker thread.
//
// `daybook alert` idles ~14 s of every 15, and V8's memory reducer takes that for a process
// that went quiet:
// - it leaves the old generation's limit at 1.1x what is live (~5 MB of slack on ~50 MB), and
//   the next evaluation, whose reads and windows live through a few scavenges, crossed it two
//   or three times: full marking, a third of the process's CPU (on V8's threads). A growing
//   factor of 2 keeps room for an evaluation; the resident size barely moves (the rows are
//   typed arrays outside V8's heap).
// - its collections clear what a normal one keeps for a while (the maps of objects that live
//   only during an evaluation): the optimized code of the read and of the figures was thrown
//   away in every idle spell, and V8 compiled it again at the next evaluation (~100 ms of CPU
//   an evaluation on its compiler threads, and the start of each read in slower code).
// The figures are in @daybook/alert's README, "Cost of an evaluation".
//
// The growing factor is read by V8 at each limit it computes, so setting it at run time works.
// The memory reducer is made with a heap: off only for a heap made after the flag is set (on
// node's command line, or a worker thread's), hence the continuous command's evaluator thread
// (the CLI's alert-thread.ts). Only that command asks for these: `--once` ends before the
// reducer acts, and `daybook serve` keeps report caches that a factor of 2 would let double
// and that the reducer rightly trims.

/** The growing factor asked for: 1 + 100 %. */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flags to set: each unless node's command line already says it (`node
 * --heap-growing-percent=N …`, `node --memory-reducer …`: the user's choice stands). The
 * command line is the only place a user can set them: node refuses them in NODE_OPTIONS.
 */
export function evaluatorHeapFlags(execArgv: readonly string[]): string[] {
  const given = (flag: RegExp): boolean => execArgv.some((a) => flag.test(a));
  const flags: string[] = [];
  if (!given(/^--heap[-_]growing[-_]percent(=|$)/)) flags.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (!given(/^--(no-)?memory[-_]reducer(=|$)/)) flags.push('--no-memory-reducer');
  return flags;
}

/**
 * Sets evaluatorHeapFlags (see above): call it before the evaluator's thread is started, whose
 * heap is then made without a memory reducer.
 */
export function roomForEvaluations(execArgv: readonly string[] = process.execArgv): void {
  for (const flag of evaluatorHeapFlags(execArgv)) setFlagsFromString(flag);
}
