/**
 * Writes what is buffered before the process goes. Every open file writer registers here.
 *
 * - normal exit (`exit` event): lines written, fdatasync'ed, a closing checkpoint, lock released;
 * - uncaught exception: `uncaughtExceptionMonitor` observes it without changing what Node
 *   does next (a listener on `uncaughtException` would keep a broken bot alive);
 * - SIGINT / SIGTERM: lines written and synced; then, if the app has no handler of its own,
 *   the writers are finalized and the signal is raised again with ours removed, so the
 *   process dies of it as it would have without daybook (exit status 128+n, the parent sees
 *   the signal). With an app handler, the app decides when to exit.
 */
export interface ExitParticipant {
  /** Writes and syncs buffered lines; the writer stays usable. */
  flushSync(): void;
  /** flushSync, then the closing checkpoint and the lock: the process is going. */
  finalizeSync(): void;
}

const participants = new Set<ExitParticipant>();
let hooked = false;

const each = (fn: (p: ExitParticipant) => void): void => {
  for (const p of participants) {
    try {
      fn(p);
    } catch {
      // One broken writer must not keep the others from saving their lines.
    }
  }
};

function onSignal(signal: NodeJS.Signals): void {
  each((p) => p.flushSync());
  if (process.listenerCount(signal) > 1) return;
  each((p) => p.finalizeSync());
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => each((p) => p.finalizeSync()));
  process.on('uncaughtExceptionMonitor', () => each((p) => p.flushSync()));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function registerForExit(p: ExitParticipant): void {
  participants.add(p);
  hook();
}

export function unregisterForExit(p: ExitParticipant): void {
  participants.delete(p);
}
