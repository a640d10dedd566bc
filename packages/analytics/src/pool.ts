import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReadLimits } from './limits.js';
import type { FileSegments } from './reader.js';
import { readTask } from './scan.js';

/** What a worker is sent: every task, and the counter each lane claims the next one from. */
export interface WorkerTasks {
  queue: readonly ParseTask[];
  claimed: SharedArrayBuffer;
}

/** A worker's answer: a task's result, or (without one) that no task is left. */
export interface WorkerReply {
  id: number;
  result?: FileSegments;
}

export interface ParseTask {
  id: number;
  path: string;
  gz: boolean;
  start: number;
  size: number;
  /** µs: of a file read from its start whose every event is earlier, only the trading rows are read (scan.ts). */
  since?: number;
  /** Default: DEFAULT_READ_LIMITS. */
  limits?: ReadLimits;
}

/**
 * A worker's parse garbage dies young; a small young generation keeps each worker's resident
 * size down (measured: ~30 MB less per worker than V8's default) at no measurable cost.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/** Below this many bytes to read, threads cost more (start-up ~30 ms each) than they save. */
export const PARALLEL_THRESHOLD = 16 * 1024 * 1024;

/**
 * Reads files into segments, on `threads` lanes (this thread and threads - 1 workers) when
 * there is enough to read, else on this thread alone. Largest files first, so the lanes
 * finish together.
 */
export interface ReadOptions {
  /** Lanes (default: the machine's cores). */
  threads?: number;
  /** Bytes to read from which more than one lane is used (default PARALLEL_THRESHOLD). */
  threshold?: number;
  /** `size`: largest first (default); `given`: in the order given, so that results can be consumed as a prefix completes. */
  order?: 'size' | 'given';
  /** Called with each result as it arrives (the returned array is then left empty). */
  onResult?: (index: number, result: FileSegments) => void;
  /**
   * Whether this thread is one of the lanes of a large read (default true). A server says
   * false: its thread then keeps answering while workers parse, even one large file.
   */
  mainLane?: boolean;
  /** The workers' script (default worker.js); tests give one whose thread dies. */
  worker?: URL;
}

export async function readFilesParallel(tasks: readonly Omit<ParseTask, 'id'>[], options: ReadOptions = {}): Promise<FileSegments[]> {
  const threads = options.threads ?? availableParallelism();
  const threshold = options.threshold ?? PARALLEL_THRESHOLD;
  const results: FileSegments[] = new Array(tasks.length);
  // With onResult the caller owns each result (and may drop its rows); keeping them here
  // would hold every file's raw segment until the last one is read.
  const done = (i: number, r: FileSegments): void => {
    if (options.onResult === undefined) results[i] = r;
    else options.onResult(i, r);
  };
  const total = tasks.reduce((n, t) => n + Math.max(0, t.size - t.start), 0);
  const order = tasks.map((_, i) => i);
  if (options.order !== 'given') order.sort((a, b) => tasks[b]!.size - tasks[b]!.start - (tasks[a]!.size - tasks[a]!.start));
  const mainLane = options.mainLane !== false;
  const n = Math.min(threads, tasks.length);
  if (total < threshold || (n <= 1 && mainLane)) {
    for (const i of order) {
      const t = tasks[i]!;
      done(i, await readTask({ ...t, id: i, size: t.size - t.start }));
    }
    return results;
  }
  // Lane 0 reads on this thread (it would only wait otherwise), the others on workers: one
  // worker heap fewer for the same number of cores. Without the main lane, all are workers.
  // Every lane claims its next task from one shared counter: a worker that asked this thread
  // for each task idled until the answer came, and this thread, parsing and taking in results
  // between its awaits, answered late (the worker sat idle ~20 % of a first report).
  const claimed = new Int32Array(new SharedArrayBuffer(4));
  const queue = order.map((i) => ({ ...tasks[i]!, id: i, size: tasks[i]!.size - tasks[i]!.start }) satisfies ParseTask);
  const workers: Worker[] = [];
  // A lane that fails stops every lane claiming; the others end after the task in hand, and
  // only then does this reject: no result reaches the caller after its load has failed (its
  // next load could have begun by then).
  let failure: { error: unknown } | undefined;
  const stop = (error: unknown): void => {
    failure ??= { error };
    Atomics.store(claimed, 0, queue.length);
  };
  const lane = async (k: number): Promise<void> => {
    if (k === 0 && mainLane) {
      for (let j = Atomics.add(claimed, 0, 1); j < queue.length; j = Atomics.add(claimed, 0, 1)) done(queue[j]!.id, await readTask(queue[j]!));
      return;
    }
    const w = new Worker(options.worker ?? new URL('./worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    workers.push(w);
    await new Promise<void>((resolve, reject) => {
      w.on('message', (m: WorkerReply) => {
        if (m.result === undefined) resolve();
        else done(m.id, m.result);
      });
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`a parse worker exited (${code}) before its last task`)));
      w.postMessage({ queue, claimed: claimed.buffer } satisfies WorkerTasks);
    });
  };
  try {
    await Promise.all(Array.from({ length: n }, (_, k) => lane(k).catch(stop)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure !== undefined) throw failure.error;
  return results;
}
