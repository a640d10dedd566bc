import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Sets the calling thread's niceness alone (a worker that must yield to the bot, or to a
 * server's requests). Linux names the calling thread in /proc/thread-self (…/task/<tid>), and
 * setpriority() with a thread id applies to that thread. Returns false where that is not
 * possible (another OS, or raising priority without the right): the thread keeps its own.
 */
export function setThreadPriority(priority: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid)) return false;
    setPriority(tid, priority);
    return true;
  } catch {
    return false;
  }
}
