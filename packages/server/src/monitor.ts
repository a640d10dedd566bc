import { watch, type FSWatcher } from 'node:fs';
import { listLogFiles } from '@daybook/analytics';

/**
 * Tells when the log files of some directories changed: `version` goes up on every change.
 * fs.watch reports changes at once where the platform supports it; a poll of the files'
 * identity, size and mtime (every `pollMs`) covers the rest (network file systems, a
 * directory created after start). Nothing is read: only readdir and stat.
 */
export class DirMonitor {
  version = 0;
  private signature = '';
  private readonly watchers: FSWatcher[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly dirs: readonly string[], pollMs = 1000) {
    this.signature = this.sign();
    for (const d of dirs) {
      try {
        const w = watch(d, { persistent: false }, () => this.bump());
        w.on('error', () => undefined); // the poll still runs
        this.watchers.push(w);
      } catch {
        // not watchable here (or not a directory): polling only
      }
    }
    if (pollMs > 0) {
      this.timer = setInterval(() => this.poll(), pollMs);
      this.timer.unref();
    }
  }

  private sign(): string {
    try {
      return listLogFiles(this.dirs).map((f) => `${f.dev}:${f.ino}:${f.size}:${f.mtimeMs}`).join('|');
    } catch {
      return 'unreadable';
    }
  }

  /** Compares the files' signature with the last one; bumps the version if it changed. */
  poll(): boolean {
    const s = this.sign();
    if (s === this.signature) return false;
    this.signature = s;
    this.bump();
    return true;
  }

  private bump(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Called on every change (the live stream uses it); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const w of this.watchers) w.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.listeners.clear();
  }
}
