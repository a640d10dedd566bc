import { Worker } from 'node:worker_threads';
import { roomForEvaluations } from '@daybook/alert';

/** What the evaluator thread (alert-worker.ts) is given and sent, and what it answers. */
export interface AlertThreadData { readonly argv: readonly string[] }
export type ForwardedSignal = 'SIGINT' | 'SIGTERM';
export const FORWARDED: readonly ForwardedSignal[] = ['SIGINT', 'SIGTERM'];
/** The command's exit status, or a signal the thread had no listener for (the process then ends of it). */
export type AlertThreadReply = { readonly exitCode: number } | { readonly unhandled: ForwardedSignal };

/**
 * Continuous `daybook alert ARGV` on a worker thread; resolves with its exit status. The
 * thread's heap is made after roomForEvaluations, so without V8's memory reducer, which the
 * main thread's heap always has (why that matters: @daybook/alert's heap.ts). The command runs
 * there as it would here. Signals reach only this thread: each SIGINT or SIGTERM (or the
 * SIGTERM closed-pipe.ts emits when stdout's reader is gone) is passed on, and the thread's
 * `process` emits it, so the command (its stop) and core's exit hooks (the alert trail) see
 * what they saw on the main thread. After the second, this thread stops listening: core's
 * hooks raise the signal again once the trail is written (exit.ts), and the process dies of
 * it as Node's default would have it. A signal the thread has no listener for yet ends the
 * process at once. A crash of the thread is printed with its stack and gives status 1, as an
 * uncaught error here would.
 */
export function onEvaluatorThread(argv: readonly string[]): Promise<number> {
  roomForEvaluations();
  const worker = new Worker(new URL('./alert-worker.js', import.meta.url), { workerData: { argv } satisfies AlertThreadData });
  let passed = 0;
  const passers = FORWARDED.map((signal) => [signal, (): void => {
    if (++passed === 2) unlisten();
    worker.postMessage(signal);
  }] as const);
  const unlisten = (): void => {
    for (const [signal, pass] of passers) process.off(signal, pass);
  };
  for (const [signal, pass] of passers) process.on(signal, pass);
  return new Promise((resolve) => {
    let status: number | undefined;
    worker.on('message', (m: AlertThreadReply) => {
      if ('exitCode' in m) status = m.exitCode;
      else {
        unlisten();
        process.kill(process.pid, m.unhandled);
      }
    });
    worker.on('error', (e) => {
      process.stderr.write(`${e.stack ?? String(e)}\n`);
      status = 1;
    });
    worker.on('exit', (code) => {
      unlisten();
      if (status === undefined) process.stderr.write(`daybook alert: the evaluator's thread ended (code ${code}) before the command did\n`);
      resolve(status ?? (code === 0 ? 1 : code));
    });
  });
}
