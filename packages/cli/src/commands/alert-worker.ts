// The evaluator thread of continuous `daybook alert` (alert-thread.ts starts it): the command
// itself, run as on the main thread, its exit status sent back.
import { parentPort, workerData } from 'node:worker_threads';
import { run } from './alert.js';
import { FORWARDED, type AlertThreadData, type AlertThreadReply, type ForwardedSignal } from './alert-thread.js';

const port = parentPort!;
// A signal the main thread received, emitted here for the command's listeners. With none (the
// command has not begun to listen), the main thread is told: the process ends of it, as
// Node ends one without a listener.
port.on('message', (signal: unknown) => {
  if (!FORWARDED.includes(signal as ForwardedSignal)) return;
  const s = signal as ForwardedSignal;
  if (process.listenerCount(s) > 0) process.emit(s, s);
  else port.postMessage({ unhandled: s } satisfies AlertThreadReply);
});
// Like a signal listener, waiting for one does not keep the thread alive: the command does.
port.unref();
const exitCode = await run([...(workerData as AlertThreadData).argv]);
port.postMessage({ exitCode } satisfies AlertThreadReply);
