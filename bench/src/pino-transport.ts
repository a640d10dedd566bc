// pino's transports (thread-stream) report a worker that fails, say one that cannot open its
// file, only with an `error` event: a bench waiting for `ready` or `finish` alone would stop
// with an unsettled await and half a table. Both waits here fail with the worker's error.
import type { EventEmitter } from 'node:events';

function settle(stream: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.off('error', fail);
      resolve();
    };
    const fail = (e: Error): void => {
      stream.off(event, done);
      reject(new Error(`pino transport: ${e.message}`));
    };
    stream.once(event, done);
    stream.once('error', fail);
  });
}

/** Resolves once the transport's worker has started. */
export const transportReady = (stream: EventEmitter): Promise<void> => settle(stream, 'ready');

/** Ends the transport; resolves once its worker has written and closed its file (thread-stream's end() waits for that, then emits `finish`). */
export function transportEnd(stream: EventEmitter & { end(): void }): Promise<void> {
  const ended = settle(stream, 'finish');
  stream.end();
  return ended;
}
