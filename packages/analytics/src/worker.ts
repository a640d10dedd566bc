// Worker thread entry: reads the files it is sent into segments and sends them back,
// transferring the typed arrays (no copy).
import { parentPort } from 'node:worker_threads';
import { readTask } from './scan.js';
import { transferList } from './segment.js';
import type { ParseTask } from './pool.js';

parentPort?.on('message', async (task: ParseTask) => {
  const result = await readTask(task);
  const transfer = transferList(result.segment);
  parentPort!.postMessage({ id: task.id, result }, transfer);
});
