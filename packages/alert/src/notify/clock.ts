/**
 * The dispatcher's time: group_wait, group_interval, repeat_interval, the rate limit and the
 * backoff between attempts all run on this clock, so that a test drives hours of alerting in
 * milliseconds. Only the per-attempt timeout runs on real time: it bounds real network I/O.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    // A pending group or a backoff never keeps a finished process alive: close() or flush() is how a caller waits.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

