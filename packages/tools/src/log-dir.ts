import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHAIN_DIR, LOG_FILES } from '@daybook/core';
import { ToolsError } from './errors.js';

export interface LogFileInfo {
  /** The file name inside the log directory. */
  file: string;
  bytes: number;
  mtimeMs: number;
}

export interface Backup extends LogFileInfo {
  /** 1 is the newest. */
  n: number;
  gz: boolean;
}

/** One log stream: `hedge-bot.log` and its rotated `hedge-bot.log.1.gz`, `hedge-bot.log.2`, ... */
export interface LogStream {
  /** `hedge-bot.log` */
  base: string;
  /** `hedge-bot` */
  app: string;
  active: LogFileInfo | undefined;
  /** Sorted by number, newest first. */
  backups: Backup[];
  /**
   * The stream is hash-chained (core keeps `<CHAIN_DIR>/<base>.chain`): only the logger that
   * owns the chain may delete its backups, because it records the pruning in the chain first.
   */
  chained: boolean;
}

const BACKUP = /^(.+\.log)\.(\d+)(\.gz)?$/;
const ACTIVE = /^(.+)\.log$/;

/** The DayBot audit files: the audit trail of one process rather than one app's log. */
export const AUDIT_FILE_NAMES: ReadonlySet<string> = new Set(Object.values(LOG_FILES));

/** The category views of audit.log: every line they hold is also in audit.log. */
export const AUDIT_VIEW_NAMES: ReadonlySet<string> = new Set([LOG_FILES.trades, LOG_FILES.system, LOG_FILES.errors, LOG_FILES.performance]);


/** Groups the log files of a directory into streams; other files (locks, temporaries) are left out. */
export function scanLogDir(dir: string): LogStream[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch (e) {
    throw new ToolsError('DAYBOOK_E_TOOLS_PATH', `log directory ${dir} cannot be read (${(e as Error).message})`, { cause: e });
  }
  const streams = new Map<string, LogStream>();
  const stream = (base: string): LogStream => {
    let s = streams.get(base);
    if (s === undefined) {
      s = { base, app: base.replace(/\.log$/, ''), active: undefined, backups: [], chained: existsSync(join(dir, CHAIN_DIR, `${base}.chain`)) };
      streams.set(base, s);
    }
    return s;
  };
  for (const name of names) {
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st === undefined || !st.isFile()) continue;
    const info = { file: name, bytes: st.size, mtimeMs: st.mtimeMs };
    const b = BACKUP.exec(name);
    if (b !== null) stream(b[1]!).backups.push({ ...info, n: Number(b[2]), gz: b[3] !== undefined });
    else if (ACTIVE.test(name)) stream(name).active = info;
  }
  for (const s of streams.values()) s.backups.sort((a, b) => a.n - b.n || Number(a.gz) - Number(b.gz));
  return [...streams.values()].sort((a, b) => (a.base < b.base ? -1 : 1));
}
