import type { EventFilter, EventIndex, Position } from './event-index.js';

/** The position of the last event indexed (undefined for an empty index): following starts after it. */
export function endOf(index: EventIndex): Position | undefined {
  const f = index.files.at(-1);
  return f === undefined || f.n === 0 ? undefined : { file: f.key, row: f.n - 1, ts: f.ts.a[f.n - 1]! };
}

/**
 * Follows an event index: each `pump()` refreshes it and hands every matching event after
 * the last one handed over to `emit`, in order. Calls made while a pump runs are coalesced
 * into one more round, so nothing written in between is missed. Used by /audit/stream and
 * `daybook tail`.
 */
export class Follower {
  private running = false;
  private again = false;
  stopped = false;

  constructor(
    private readonly index: EventIndex,
    private readonly filter: EventFilter,
    public position: Position | undefined,
    private readonly emit: (position: Position, event: Record<string, unknown>) => void | Promise<void>,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {}

  async pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.index.refresh();
        for (;;) {
          const { rows, more } = this.index.query(this.filter, 500, 'asc', this.position);
          if (rows.length === 0) break;
          for (const { position, event } of await this.index.read(rows)) {
            if (this.stopped) return;
            await this.emit(position, event);
          }
          this.position = rows.at(-1);
          if (!more) break;
        }
      } while (this.again && !this.stopped);
    } catch (e) {
      this.onError(e);
    } finally {
      this.running = false;
    }
  }
}
