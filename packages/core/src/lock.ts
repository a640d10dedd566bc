import { hostname } from 'node:os';
import { daybookError } from './errors.js';
import type { FileDriver } from './file-driver.js';

/**
 * One writer per log file. A second writer would interleave lines and fork the hash chain,
 * so the file's lock (`.daybook/<file>.lock`, holding `pid host`) is taken with O_EXCL before
 * the file is opened. A lock whose pid no longer runs on this host is stale (the owner was
 * killed) and is taken over. Within one process, a new writer takes the file over from the
 * old one (see FileSink), so only other processes are refused.
 */
export interface FileLock {
  readonly path: string;
  release(): void;
}

const HOST = hostname();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(driver: FileDriver, lockPath: string, logPath: string): FileLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = driver.openExclusive(lockPath);
      try {
        driver.writeSync(fd, Buffer.from(`${process.pid} ${HOST}\n`), 0);
      } finally {
        driver.closeSync(fd);
      }
      let held = true;
      return {
        path: lockPath,
        release() {
          if (!held) return;
          held = false;
          try {
            driver.unlinkSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = '';
    try {
      owner = driver.readFileSync(lockPath).toString('utf8').trim();
    } catch {
      continue; // released between our open and read: try again
    }
    const [pidText, host] = owner.split(' ');
    const pid = Number(pidText);
    const stale = owner === '' ? false : !Number.isSafeInteger(pid) || pid <= 0 || (host === HOST && (pid === process.pid || !alive(pid)));
    if (!stale) {
      throw daybookError('DAYBOOK_E_LOCKED', `${logPath} is being written by process ${pidText ?? '?'} on ${host ?? '?'} (lock ${lockPath})`);
    }
    try {
      driver.unlinkSync(lockPath);
    } catch {
      // Another process removed the stale lock first; the next attempt decides.
    }
  }
  throw daybookError('DAYBOOK_E_LOCKED', `${logPath}: could not take its lock ${lockPath}`);
}
