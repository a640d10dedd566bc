import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlertError } from './errors.js';
import { writeJsonAtomicSync } from './notify/state-file.js';
import type { Alert, Transition } from './types.js';

// What the evaluator must not forget across a restart: each alert's state (pending since
// when, firing since when), so that a restarted `daybook alert` neither fires again what was
// firing (no second "firing" transition, so no second notification of it) nor forgets to
// resolve it. Kept beside the logs, in `<logDir>/.daybook/alerts/state.json` (or --state DIR
// over ClickHouse): the logs' own place for daybook's data, moved and backed up with them.
// Written whole after each evaluation, atomically (notify/state-file.ts, as the notification
// log and the silences): a crash leaves the old state or the new one, never half of one.

const STATE_FILE = 'state.json';
const VERSION = 1;

export interface AlertStateData {
  version: number;
  /** ISO instant of the last evaluation. */
  evaluatedAt: string | null;
  /** Every alert the evaluator knows (inactive ones too, with their last value). */
  alerts: Alert[];
  /** The latest transitions, newest last. */
  recent: Transition[];
}

export interface StateStore {
  load(): AlertStateData | undefined;
  save(data: AlertStateData): void;
}

/** The default place: `<logDir>/.daybook/alerts`. */
export const stateDirOf = (logDir: string): string => join(logDir, '.daybook', 'alerts');

export class FileStateStore implements StateStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, STATE_FILE);
  }

  load(): AlertStateData | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new AlertError('DAYBOOK_E_ALERT_STATE', `cannot read ${this.file}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const data = JSON.parse(text) as AlertStateData;
      if (data.version !== VERSION || !Array.isArray(data.alerts) || !Array.isArray(data.recent)) throw new Error(`not a version ${VERSION} alert state`);
      return data;
    } catch (e) {
      // Atomic writes never leave a half file: this one was edited or damaged. Starting
      // empty would forget to resolve what fires, so stop and say so.
      throw new AlertError('DAYBOOK_E_ALERT_STATE', `${this.file} is damaged (${(e as Error).message}): restore it, or delete it to start with no alert active`, { cause: e });
    }
  }

  save(data: AlertStateData): void {
    try {
      writeJsonAtomicSync(this.file, { ...data, version: VERSION });
    } catch (e) {
      throw new AlertError('DAYBOOK_E_ALERT_STATE', `cannot write ${this.file}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** State kept in memory only (tests, and `daybook serve` without a writable directory). */
export class MemoryStateStore implements StateStore {
  data: AlertStateData | undefined;
  load(): AlertStateData | undefined {
    return this.data === undefined ? undefined : structuredClone(this.data);
  }
  save(data: AlertStateData): void {
    this.data = structuredClone(data);
  }
}
