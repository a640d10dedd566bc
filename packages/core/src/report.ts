import type { EventEmitter } from 'node:events';
import { DaybookError, type ErrorCode } from './errors.js';

/**
 * Reports a problem without ever throwing: an `error`/`warning` event when someone listens
 * (EventEmitter throws on an unheard `error`, which would crash the bot from a write
 * callback), else one stderr line, at most one per code every 10 s with a count of the rest.
 */
export class Reporter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly emitter: EventEmitter,
    private readonly name: string,
  ) {}

  error(code: ErrorCode, message: string, cause?: unknown): void {
    this.report('error', new DaybookError(code, message, cause === undefined ? undefined : { cause }));
  }

  warning(code: ErrorCode, message: string): void {
    this.report('warning', new DaybookError(code, message));
  }

  private report(kind: 'error' | 'warning', err: DaybookError): void {
    try {
      if (this.emitter.listenerCount(kind) > 0) {
        this.emitter.emit(kind, err);
        return;
      }
      const now = Date.now();
      const seen = this.last.get(err.code);
      if (seen !== undefined && now - seen.at < 10_000) {
        seen.suppressed++;
        return;
      }
      const more = seen !== undefined && seen.suppressed > 0 ? ` (${seen.suppressed} more like it suppressed)` : '';
      this.last.set(err.code, { at: now, suppressed: 0 });
      process.stderr.write(`[${this.name}] ${kind} ${err.code}: ${err.message}${more}. ${err.hint}\n`);
    } catch {
      // Reporting must never be the thing that breaks the bot.
    }
  }
}
