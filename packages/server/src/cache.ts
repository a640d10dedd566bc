import type { DirMonitor } from './monitor.js';

interface Entry {
  version: number;
  at: number;
  value: Buffer;
}

/**
 * Serialized responses (JSON, or the text a computation returned, as UTF-8 bytes) by request key. An entry is served while the log files are unchanged
 * (the monitor's version), or, when they keep changing (a bot writing), for at most
 * `maxStaleMs` after it was computed, so a busy directory costs one computation per key per
 * interval, however many requests arrive. Concurrent misses of one key share one computation.
 * Least recently used entries go first beyond `maxEntries`.
 */
export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly monitor: DirMonitor,
    private readonly maxStaleMs = 500,
    private readonly maxEntries = 512,
  ) {}

  get(key: string, compute: () => Promise<unknown>): Promise<Buffer> {
    const e = this.entries.get(key);
    if (e !== undefined && (e.version === this.monitor.version || Date.now() - e.at < this.maxStaleMs)) {
      this.entries.delete(key);
      this.entries.set(key, e); // most recently used last
      return Promise.resolve(e.value);
    }
    const running = this.pending.get(key);
    if (running !== undefined) return running;
    const version = this.monitor.version;
    const at = Date.now();
    const p = compute()
      .then((v) => {
        const value = Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)); // encoded once, sent many times
        this.entries.delete(key);
        this.entries.set(key, { version, at, value });
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        return value;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }

  clear(): void {
    this.entries.clear();
  }
}
