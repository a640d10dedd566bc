import { Worker } from 'node:worker_threads';
import { roomForEvaluations } from '@daybook/alert';

/** What the evaluator thread (alert-worker.ts) is given, sent, and answers with before it ends. */
export interface AlertThreadData { readonly argv: readonly string[] }
export type ForwardedSignal = 'SIGINT' | 'SIGTERM';
export interface AlertThreadDone { readonly exitCode: number }

/**
 * Continuous `daybook alert ARGV` on a worker thread; resolves with its exit status. The
 * thread's heap is made after roomForEvaluations, so without V8's memory reducer, which the
 * main thread's heap always has (why that matters: @daybook/alert's heap.ts). The command runs
 * there as it would here. Signals reach only this thread: each SIGINT or SIGTERM is passed on,
 * and the thread's `process` emits it, so the command (its stop) and core's exit hooks (the
 * alert trail's lines) see what they saw on the main thread. After the second, this thread
 * stops listening: a signal the command's side raises again, to die of it as Node would
 * (core's exit.ts), then ends the process. A crash of the thread is printed with its stack and
 * gives status 1, as an uncaught error here would.
 */
export function onEvaluatorThread(argv: readonly string[]): Promise<number> {
  roomForEvaluations();
  const worker = new Worker(new URL('./alert-worker.js', import.meta.url), { workerData: { argv } satisfies AlertThreadData });
  let passed = 0;
  const pass = (signal: ForwardedSignal): void => {
    if (++passed === 2) unlisten();
    worker.postMessage(signal);
  };
  const unlisten = (): void => {
    process.off('SIGINT', pass);
    process.off('SIGTERM', pass);
  };
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  return new Promise((resolve) => {
    let status: number | undefined;
    worker.on('message', (m: AlertThreadDone) => void (status = m.exitCode));
    worker.on('error', (e) => {
      process.stderr.write(`${e.stack ?? String(e)}\n`);
      status = 1;
    });
    worker.on('exit', (code) => {
      unlisten();
      resolve(status ?? (code === 0 ? 1 : code));
    });
  });
}
