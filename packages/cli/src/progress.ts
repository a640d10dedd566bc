/**
 * A one-line progress indicator on a terminal's stderr, for work that may take seconds (a
 * first report over a large directory, verify, export). It draws nothing at all unless the
 * stream is a TTY, nothing before `delayMs` (work that ends sooner leaves no trace), and
 * erases its line when stopped, so that stdout (tables, --json) never carries any of it and
 * a redirected stderr holds no escape codes.
 */

import { bytes } from './format.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** Work done of total (bytes, files); without a total it is shown as elapsed time. */
  update(done?: number, total?: number): void;
  /** Erases the line (if one was drawn); later updates draw nothing. */
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** Nothing is drawn before this (default 1000 ms, or the DAYBOOK_PROGRESS_DELAY_MS environment variable; 0 draws at once). */
  delayMs?: number;
  /** Redraws at most this often (default 100 ms). */
  intervalMs?: number;
  /** Elapsed-time ticks without update() calls, when the work reports no progress (default true). */
  ticker?: boolean;
  now?: () => number;
}

/** For output that must carry none (--json). */
export const NO_PROGRESS: Progress = { update: () => undefined, stop: () => undefined };

/** DAYBOOK_PROGRESS_DELAY_MS: how long work runs before its progress shows (a whole number of milliseconds). */
function envDelay(): number | undefined {
  const v = process.env.DAYBOOK_PROGRESS_DELAY_MS;
  return v !== undefined && /^\d{1,7}$/.test(v) ? Number(v) : undefined;
}

/** The text of one frame: a 24-cell bar with the percentage, or the label and elapsed seconds. */
export function progressLine(label: string, elapsedMs: number, done: number | undefined, total: number | undefined, width: number): string {
  const seconds = `${(elapsedMs / 1000).toFixed(1)} s`;
  let text: string;
  if (done !== undefined && total !== undefined && total > 0) {
    const frac = Math.min(1, Math.max(0, done / total));
    const cells = 24;
    const full = Math.round(frac * cells);
    text = `${label} [${'#'.repeat(full)}${'.'.repeat(cells - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${bytes(done)} / ${bytes(total)}  ${seconds}`;
  } else {
    text = `${label}... ${seconds}`;
  }
  return text.length > width - 1 ? text.slice(0, Math.max(0, width - 1)) : text;
}

export function startProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  if (stream.isTTY !== true) return NO_PROGRESS;
  const now = options.now ?? Date.now;
  const started = now();
  const delay = options.delayMs ?? envDelay() ?? 1000;
  const interval = options.intervalMs ?? 100;
  let drawnAt: number | undefined;
  let done: number | undefined;
  let total: number | undefined;
  let stopped = false;
  const draw = (force: boolean): void => {
    const t = now();
    if (stopped || t - started < delay) return;
    if (!force && drawnAt !== undefined && t - drawnAt < interval) return;
    drawnAt = t;
    // \r and erase-line: the frame overwrites the previous one in place.
    stream.write(`\r\x1b[2K${progressLine(options.label, t - started, done, total, stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80)}`);
  };
  const ticker = options.ticker === false ? undefined : setInterval(() => draw(false), interval);
  ticker?.unref();
  if (delay <= 0) draw(true);
  return {
    update(d, t) {
      done = d;
      total = t;
      draw(d !== undefined && t !== undefined && d >= t);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (ticker !== undefined) clearInterval(ticker);
      if (drawnAt !== undefined) stream.write('\r\x1b[2K');
    },
  };
}
