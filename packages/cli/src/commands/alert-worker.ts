// The evaluator thread of continuous `daybook alert` (alert-thread.ts starts it): the command
// itself, run as on the main thread, its exit status sent back.
import { parentPort, workerData } from 'node:worker_threads';
import { run } from './alert.js';
import type { AlertThreadData, AlertThreadDone, ForwardedSignal } from './alert-thread.js';

const port = parentPort!;
// A signal the main thread received, emitted here for the command's listeners; with none, the
// process ends of it, as Node ends one without a listener.
port.on('message', (signal: ForwardedSignal) => {
  if (process.listenerCount(signal) > 0) process.emit(signal, signal);
  else process.kill(process.pid, signal);
});
// Like a signal listener, waiting for one does not keep the thread alive: the command does.
port.unref();
const exitCode = await run([...(workerData as AlertThreadData).argv]);
port.postMessage({ exitCode } satisfies AlertThreadDone);
