/** How far a line must get before its log call's promise resolves true. */
export type Durability = 'sync' | 'batch' | 'none';

/**
 * Where serialized lines go. A sink never throws and its promises never reject: failure is
 * `false`, plus an `error` event on the logger that owns it. The storage engine (rotation,
 * chain, locks) lives behind this interface, so the logger does not change when it grows.
 */
export interface Sink {
  /**
   * Queues one JSON line (no trailing newline). Resolves true once the line is written and,
   * for `sync`/`batch`, fdatasync'ed; false if it could not be written or was dropped.
   * `droppable` lines may be discarded (and counted) when the buffer is full.
   */
  write(line: string, durability: Durability, droppable: boolean): Promise<boolean>;
  /** Resolves once everything queued so far is written and synced as its durability asks. */
  flush(): Promise<boolean>;
  /** Writes what is queued synchronously: the last resort on process exit. */
  flushSync(): void;
  close(): Promise<void>;
}

export const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);
export const RESOLVED_FALSE: Promise<boolean> = Promise.resolve(false);
