// A parse worker for tests (pool.ts `worker`). With DAYBOOK_TEST_WORKER_DIES set, it reads one
// task as the real worker does, sends it, and its thread then ends: a worker killed in the
// middle of a load. Otherwise it is the real worker.
import { parentPort } from 'node:worker_threads';
import { readTask } from '../scan.js';
import { transferList } from '../segment.js';
import type { WorkerReply, WorkerTasks } from '../pool.js';

if (process.env.DAYBOOK_TEST_WORKER_DIES === undefined) await import('../worker.js');
else {
  parentPort?.once('message', async ({ queue, claimed }: WorkerTasks) => {
    const j = Atomics.add(new Int32Array(claimed), 0, 1);
    if (j < queue.length) {
      const result = await readTask(queue[j]!);
      parentPort!.postMessage({ id: queue[j]!.id, result } satisfies WorkerReply, transferList(result.segment));
    }
    process.exit(3);
  });
}
