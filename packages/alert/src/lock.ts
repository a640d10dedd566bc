import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, CodedError, nodeFileDriver } from '@daybook/core';
import { AlertError } from './errors.js';

// One evaluator per state directory. Two (two `daybook alert`, or one and `daybook serve
// --rules`, over the same directory) would each notify every transition, and each overwrite
// the other's state.json with its own view, so that a restart could repeat a notification or
// forget a resolution. core's file lock is taken at start-up (`<state dir>/evaluator.lock`,
// holding `pid host`, created with O_EXCL): a second evaluator fails at once, naming the
// holder; a lock whose process is gone (killed: no release ran) is taken over, as core's is.
// The silences CLI takes no lock: it only adds to silences.json, which the evaluator re-reads.

export const LOCK_FILE = 'evaluator.lock';

export interface StateLock {
  readonly path: string;
  /**
   * Why no lock is held although no one else holds it: the directory cannot be written
   * (read-only, full). Then no state can be saved either, by this evaluator or another, and
   * evaluation goes on as it does when state.json cannot be written (one warning).
   */
  readonly problem?: AlertError;
  release(): void;
}

/** Takes `<stateDir>/evaluator.lock`, creating the directory; DAYBOOK_E_ALERT_LOCKED when another live process holds it. */
export function lockStateDir(stateDir: string): StateLock {
  const path = join(stateDir, LOCK_FILE);
  try {
    mkdirSync(stateDir, { recursive: true });
    return acquireLock(nodeFileDriver, path, stateDir);
  } catch (e) {
    if (e instanceof CodedError && e.code === 'DAYBOOK_E_LOCKED') {
      throw new AlertError('DAYBOOK_E_ALERT_LOCKED', `the alert state directory ${stateDir} is in use by ${holder(path)} (lock ${path})`, { cause: e });
    }
    const problem = new AlertError('DAYBOOK_E_ALERT_STATE', `cannot create the lock ${path} (${(e as Error).message}); evaluating without it`, { cause: e });
    return { path, problem, release: () => undefined };
  }
}

/** Who holds the lock, from its `pid host` line. */
function holder(path: string): string {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split(' ');
    if (pid !== undefined && pid !== '') return `process ${pid}${host === undefined ? '' : ` on ${host}`}`;
  } catch {
    // Released meanwhile: the next start takes it.
  }
  return 'another process';
}
