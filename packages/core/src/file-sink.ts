import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { RESOLVED_FALSE, type Durability, type Sink } from './sink.js';

const NONE = 0;
const BATCH = 1;
const SYNC = 2;
const NEED: Readonly<Record<Durability, number>> = { none: NONE, batch: BATCH, sync: SYNC };

/** Every line queued between two writes shares one promise: one allocation per batch, not per line. */
interface Group {
  promise: Promise<boolean>;
  resolve: (ok: boolean) => void;
  need: number;
}

function newGroup(): Group {
  let resolve!: (ok: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve, need: NONE };
}

export interface FileSinkOptions {
  path: string;
  driver?: FileDriver;
  /** Bytes queued before droppable lines are discarded. Default 8 MiB. */
  bufferSize?: number;
  /** `batch` durability: fdatasync at most this often. Default 50 ms. */
  batchIntervalMs?: number;
  /** A write or sync failed (the sink retries with backoff). */
  onError?: (err: Error) => void;
  /** Space returned after `count` droppable lines were discarded. */
  onDropped?: (count: number) => void;
}

/**
 * Appends lines to one file off the caller's path: `write` only concatenates into a string
 * and returns; a loop started with setImmediate hands everything queued to one async write
 * (the libuv pool), so a burst costs one syscall. fdatasync is group commit: one call covers
 * every line written before it and resolves all their promises.
 */
export class FileSink implements Sink {
  readonly path: string;
  private readonly driver: FileDriver;
  private readonly bufferSize: number;
  private readonly batchIntervalMs: number;
  private readonly onError: (err: Error) => void;
  private readonly onDropped: (count: number) => void;
  private fd: number;
  private pending = '';
  private group: Group | undefined;
  private loop: Promise<void> | undefined;
  private scheduled = false;
  private unsynced: Group[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<boolean> | undefined;
  private dropped = 0;
  private closed = false;
  /** Bytes in the file, for rotation. */
  size: number;

  constructor(options: FileSinkOptions) {
    this.path = options.path;
    this.driver = options.driver ?? nodeFileDriver;
    this.bufferSize = options.bufferSize ?? 8 * 1024 * 1024;
    this.batchIntervalMs = options.batchIntervalMs ?? 50;
    this.onError = options.onError ?? (() => {});
    this.onDropped = options.onDropped ?? (() => {});
    // Opened synchronously on purpose: a directory that cannot be written must fail at
    // initialization, where the bot's author sees it, not on the first trade.
    this.fd = this.driver.openAppend(this.path);
    this.size = this.driver.size(this.fd);
  }

  write(line: string, durability: Durability, droppable: boolean): Promise<boolean> {
    if (this.closed) return RESOLVED_FALSE;
    if (droppable && this.pending.length >= this.bufferSize) {
      this.dropped++;
      return RESOLVED_FALSE;
    }
    this.pending += line + '\n';
    const g = this.group ?? (this.group = newGroup());
    const need = NEED[durability];
    if (need > g.need) g.need = need;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.kick);
    }
    return g.promise;
  }

  private readonly kick = (): void => {
    this.scheduled = false;
    this.loop ??= this.drain().finally(() => (this.loop = undefined));
  };

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const data = Buffer.from(this.pending, 'utf8');
      const g = this.group!;
      this.pending = '';
      this.group = undefined;
      if (!(await this.writeAll(data, g))) return;
      if (g.need === NONE) g.resolve(true);
      else {
        this.unsynced.push(g);
        if (g.need === SYNC) await this.sync();
        else this.syncTimer ??= setTimeout(() => void this.sync(), this.batchIntervalMs);
      }
      if (this.dropped > 0 && this.pending.length < this.bufferSize / 2) {
        const n = this.dropped;
        this.dropped = 0;
        this.onDropped(n);
      }
    }
  }

  /** Writes all of `data`, retrying with backoff on failure; false only if closed meanwhile. */
  private async writeAll(data: Buffer, g: Group): Promise<boolean> {
    let off = 0;
    let delay = 10;
    while (off < data.length) {
      try {
        const n = await this.driver.write(this.fd, off === 0 ? data : data.subarray(off));
        off += n;
        this.size += n;
      } catch (e) {
        this.onError(e as Error);
        // The caller learns now that the line is not on disk; the bytes stay queued and are
        // written when the fault clears.
        g.resolve(false);
        if (this.closed) return false;
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 5000);
      }
    }
    return true;
  }

  private sync(): Promise<boolean> {
    if (this.syncTimer !== undefined) {
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
    }
    if (this.syncing !== undefined) {
      // A sync already running may have started before these lines were written: chain one more.
      return this.syncing.then(() => (this.unsynced.length > 0 ? this.sync() : true));
    }
    const groups = this.unsynced;
    this.unsynced = [];
    this.syncing = this.driver.fdatasync(this.fd).then(
      () => {
        for (const g of groups) g.resolve(true);
        return true;
      },
      (e: Error) => {
        this.onError(e);
        for (const g of groups) g.resolve(false);
        return false;
      },
    ).finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  async flush(): Promise<boolean> {
    while (this.pending.length > 0 || this.loop !== undefined) {
      this.kick();
      await this.loop;
    }
    return this.unsynced.length > 0 || this.syncing !== undefined ? this.sync() : true;
  }

  flushSync(): void {
    if (this.pending.length === 0 || this.closed) return;
    const data = Buffer.from(this.pending, 'utf8');
    const g = this.group;
    this.pending = '';
    this.group = undefined;
    try {
      let off = 0;
      while (off < data.length) off += this.driver.writeSync(this.fd, data.subarray(off));
      this.size += data.length;
      this.driver.fdatasyncSync(this.fd);
      g?.resolve(true);
    } catch (e) {
      this.onError(e as Error);
      g?.resolve(false);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    try {
      await this.driver.close(this.fd);
    } catch (e) {
      this.onError(e as Error);
    }
  }
}
