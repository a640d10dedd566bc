import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

// Telling the schedule that a log directory got new lines. fs.watch (inotify on Linux) says so
// within milliseconds; on file systems where it says nothing (NFS, some FUSE and container
// mounts) a stat poll of the directory's files is the fallback. The poll runs in any case but
// reports only what fs.watch did not: when fs.watch works, the poll costs a few stat calls and
// never starts an evaluation of its own.
//
// fs.watch stops after the change it reports until `rearm()`: a bot logging 10,000 events/s
// made thousands of events a second (~250 ms of CPU per 15 s, measured in `daybook alert`),
// and the schedule only needs the first after each evaluation starts, when it rearms.
//
// Entries whose name starts with a dot are not the logs: `.daybook/` holds the analyzer's index
// and the alert state, which every evaluation writes; counting them would make each
// evaluation start the next.

export interface DirectoryWatch {
  /** Stops watching and polling; idempotent. */
  close(): void;
  /** Watches with fs.watch again after the change it reported (until then only the poll runs). */
  rearm(): void;
}

export interface WatchOptions {
  /** Milliseconds between two polls (default 1000). */
  pollMs?: number;
  /** false: the poll alone, as on a file system where fs.watch says nothing (default true). */
  fsWatch?: boolean;
  /** false: fs.watch alone, for a caller that looks at the files on its own as well (trigger.ts; default true). */
  poll?: boolean;
}

const isLog = (name: string | null | undefined): boolean => name !== null && name !== undefined && name !== '' && !name.startsWith('.');

/** Calls `onChange` (no argument, possibly often: callers coalesce) when a file of `dir` changes. */
export function watchDirectory(dir: string, onChange: () => void, options: WatchOptions = {}): DirectoryWatch {
  let closed = false;
  let watcher: FSWatcher | undefined;
  /** fs.watch reported a change and was closed until rearm(). */
  let paused = false;
  /** fs.watch reported a change since the last poll: the poll only takes the new signature. */
  let watched = false;
  const fsWatch = (): FSWatcher | undefined => {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        // Without a name (some platforms) it may be a log: reported.
        if (name !== null && !isLog(String(name))) return;
        watched = true;
        paused = true;
        w.close();
        if (watcher === w) watcher = undefined;
        onChange();
      });
      // The directory removed or unreadable: the poll carries on alone.
      w.on('error', () => {
        w.close();
        watcher = undefined;
      });
      return w;
    } catch {
      return undefined;
    }
  };
  watcher = options.fsWatch === false ? undefined : fsWatch();

  let names: string[] = [];
  let dirMtime = -1;
  let last: string | undefined;
  let polling = false;
  const poll = async (): Promise<void> => {
    if (polling || closed) return;
    polling = true;
    // What fs.watch reported before this poll: the change it told is the one the poll would see.
    const told = watched;
    watched = false;
    try {
      const d = await stat(dir);
      // A file created, removed or renamed (a rotation) changes the directory's mtime: list again.
      if (d.mtimeMs !== dirMtime) {
        dirMtime = d.mtimeMs;
        names = (await readdir(dir)).filter(isLog).sort();
      }
      const parts: string[] = [];
      for (const n of names) {
        try {
          const s = await stat(join(dir, n));
          parts.push(`${n}:${s.size}:${s.mtimeMs}:${s.ino}`);
        } catch {
          parts.push(`${n}:gone`);
        }
      }
      const signature = parts.join('\n');
      if (last !== undefined && signature !== last && !told && !watched && !closed) onChange();
      last = signature;
    } catch {
      // The directory is not there (yet, or any more): nothing to report until it is.
      last = '';
    } finally {
      polling = false;
    }
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.poll !== false) {
    void poll();
    timer = setInterval(() => void poll(), Math.max(10, options.pollMs ?? 1000));
    // Watching never keeps a process alive: the caller's own wait does.
    timer.unref();
  }
  return {
    close(): void {
      closed = true;
      clearInterval(timer);
      watcher?.close();
      watcher = undefined;
    },
    rearm(): void {
      if (closed || !paused) return;
      paused = false;
      watcher = fsWatch();
    },
  };
}
