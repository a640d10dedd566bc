import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFileSegments, type FileSegments } from './reader.js';

export interface ParseTask {
  id: number;
  path: string;
  gz: boolean;
  start: number;
  size: number;
}

/** Below this many bytes to read, threads cost more (start-up ~30 ms each) than they save. */
export const PARALLEL_THRESHOLD = 16 * 1024 * 1024;

/**
 * Reads files into segments: on worker threads (one per core, at most `threads`) when there
 * is enough to read, else on this thread. Largest files first, so the threads finish together.
 */
export async function readFilesParallel(tasks: readonly Omit<ParseTask, 'id'>[], threads = availableParallelism(), threshold = PARALLEL_THRESHOLD): Promise<FileSegments[]> {
  const results: FileSegments[] = new Array(tasks.length);
  const total = tasks.reduce((n, t) => n + Math.max(0, t.size - t.start), 0);
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[b]!.size - tasks[b]!.start - (tasks[a]!.size - tasks[a]!.start));
  const n = Math.min(threads, tasks.length);
  if (n <= 1 || total < threshold) {
    for (const i of order) {
      const t = tasks[i]!;
      results[i] = await readFileSegments(t.path, t.gz, t.start, t.size - t.start);
    }
    return results;
  }
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = new Worker(new URL('./worker.js', import.meta.url));
        workers.push(w);
        for (;;) {
          const i = order[next++];
          if (i === undefined) return;
          const t = tasks[i]!;
          results[i] = await new Promise<FileSegments>((resolve, reject) => {
            const onMessage = (m: { id: number; result: FileSegments }): void => {
              w.off('error', reject);
              resolve(m.result);
            };
            w.once('message', onMessage);
            w.once('error', reject);
            w.postMessage({ ...t, id: i, size: t.size - t.start } satisfies ParseTask);
          });
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
