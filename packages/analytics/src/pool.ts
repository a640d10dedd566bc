import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReadLimits } from './limits.js';
import type { FileSegments } from './reader.js';
import { readTask } from './scan.js';

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
  let next = 0;
  const workers: Worker[] = [];
  const lane = async (k: number): Promise<void> => {
    let w: Worker | undefined;
    if (k > 0 || !mainLane) {
      w = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      workers.push(w);
    }
    for (;;) {
      const i = order[next++];
      if (i === undefined) return;
      const t = tasks[i]!;
      if (w === undefined) {
        done(i, await readTask({ ...t, id: i, size: t.size - t.start }));
        continue;
      }
      const worker = w;
      const r = await new Promise<FileSegments>((resolve, reject) => {
        const onMessage = (m: { id: number; result: FileSegments }): void => {
          worker.off('error', reject);
          resolve(m.result);
        };
        worker.once('message', onMessage);
        worker.once('error', reject);
        worker.postMessage({ ...t, id: i, size: t.size - t.start } satisfies ParseTask);
      });
      done(i, r);
    }
  };
  try {
    await Promise.all(Array.from({ length: n }, (_, k) => lane(k)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
