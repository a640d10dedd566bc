// Worker thread entry: claims tasks from the shared counter (pool.ts) and reads each file
// into segments, sending them back with their typed arrays transferred (no copy); says when
// none is left.
import { parentPort } from 'node:worker_threads';
import { readTask } from './scan.js';
import { transferList } from './segment.js';
import type { WorkerReply, WorkerTasks } from './pool.js';

parentPort?.once('message', async ({ queue, claimed }: WorkerTasks) => {
  const counter = new Int32Array(claimed);
  for (let j = Atomics.add(counter, 0, 1); j < queue.length; j = Atomics.add(counter, 0, 1)) {
    const result = await readTask(queue[j]!);
    parentPort!.postMessage({ id: queue[j]!.id, result } satisfies WorkerReply, transferList(result.segment));
  }
  parentPort!.postMessage({ id: -1 } satisfies WorkerReply);
});
