import type { AlertAudit, Receiver } from '../types.js';
import type { Clock } from './clock.js';
import { problemLine } from './codes.js';

/** One notification to deliver: its body is ready; `done` learns whether the receiver took it. */
export interface Job {
  groupKey: string;
  status: 'firing' | 'resolved';
  /** Fingerprints of the alerts it carries (what the audit trail records). */
  alerts: string[];
  body: string;
  done(ok: boolean): void;
}

export interface SenderOptions {
  clock: Clock;
  fetch: typeof fetch;
  audit: AlertAudit;
  /** Where a failed attempt's one line goes (stderr by default). */
  warn: (line: string) => void;
  userAgent: string;
  /** The wait after the first failed attempt; doubled after each further one, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

interface Outcome {
  ok: boolean;
  /** Worth another attempt: a 5xx, a 429, a timeout, a refused or dropped connection (as Alertmanager's retrier). */
  retry: boolean;
  error?: string;
}

/** What is read of a receiver's answer: enough for an error message, never a whole hostile body. */
const ANSWER_BYTES = 512;

/**
 * The deliveries to one receiver, one at a time and in order (a resolved notification never
 * overtakes the firing one of its group), at most `maxPerMinute` a minute, each attempt
 * bounded by `timeoutMs` and retried with exponential backoff. Each receiver has its own
 * sender: a receiver that fails or hangs only delays itself.
 */
export class Sender {
  private readonly queue: Job[] = [];
  private running = false;
  /** True while the sender waits on the clock (rate limit or backoff), not on the network. */
  private waiting = false;
  /** Clock instants at which notifications started, within the last minute. */
  private readonly started: number[] = [];
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  /** The clock wait in progress, so that stop() can cut it short. */
  private wake: (() => void) | undefined;

  constructor(readonly receiver: Receiver, private readonly o: SenderOptions) {}

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  send(job: Job): void {
    this.queue.push(job);
    if (!this.running) void this.run();
  }

  /** Resolves when every job sent so far has ended (taken, or given up after its last attempt). */
  drained(): Promise<void> {
    return this.until(() => !this.running && this.queue.length === 0);
  }

  /** Resolves when nothing is on the network and nothing is ready to go: only the clock can move the sender on. */
  idle(): Promise<void> {
    return this.until(() => (!this.running && this.queue.length === 0) || this.waiting);
  }

  private until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!ready()) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /**
   * For close(): the attempt on the network ends (within its timeout); nothing waits on the
   * clock any more, no further attempt starts. What was not delivered stays owed in the
   * notification log's groups, for the next process.
   */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
        if (!this.stopped) await this.rateLimit();
        job.done(this.stopped ? false : await this.deliver(job));
      }
    } finally {
      this.running = false;
      this.changed();
    }
  }

  /** Waits (on the clock) until one more notification fits in the last minute's allowance. */
  private async rateLimit(): Promise<void> {
    const max = this.receiver.maxPerMinute;
    while (!this.stopped) {
      const now = this.o.clock.now();
      while (this.started.length > 0 && this.started[0]! <= now - 60_000) this.started.shift();
      if (max <= 0 || this.started.length < max) break;
      await this.wait(this.started[0]! + 60_000 - now);
    }
    this.started.push(this.o.clock.now());
  }

  private async wait(ms: number): Promise<void> {
    if (this.stopped) return;
    this.waiting = true;
    this.changed();
    try {
      await new Promise<void>((resolve) => {
        const t = this.o.clock.setTimeout(resolve, ms);
        this.wake = () => {
          this.o.clock.clearTimeout(t);
          resolve();
        };
      });
    } finally {
      this.waiting = false;
      this.wake = undefined;
    }
  }

  private async deliver(job: Job): Promise<boolean> {
    const r = this.receiver;
    const attempts = Math.max(1, r.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(job);
      this.o.audit.notification({
        receiver: r.name, groupKey: job.groupKey, status: job.status, alerts: job.alerts, attempt, ok: outcome.ok,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      });
      if (outcome.ok) return true;
      const last = attempt >= attempts || !outcome.retry;
      const backoff = Math.min(this.o.backoffMs * 2 ** (attempt - 1), this.o.maxBackoffMs);
      const next = last ? (outcome.retry ? 'given up until the next group_interval' : 'not retried (the receiver refused it)') : `retrying in ${backoff} ms`;
      this.o.warn(problemLine(`receiver ${r.name}: ${job.status} notification for ${job.groupKey}, attempt ${attempt}/${attempts} failed: ${outcome.error}; ${next}`, 'DAYBOOK_E_ALERT_NOTIFY'));
      if (last) return false;
      await this.wait(backoff);
      if (this.stopped) return false;
    }
  }

  private async attempt(job: Job): Promise<Outcome> {
    const r = this.receiver;
    const signal = AbortSignal.timeout(r.timeoutMs);
    try {
      const res = await this.o.fetch(r.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': this.o.userAgent, ...r.headers },
        body: job.body,
        signal,
      });
      const answer = await readSome(res);
      if (res.ok) return { ok: true, retry: false };
      return { ok: false, retry: res.status >= 500 || res.status === 429, error: `HTTP ${res.status}${answer === '' ? '' : ` ${JSON.stringify(answer)}`}` };
    } catch (e) {
      if (signal.aborted) return { ok: false, retry: true, error: `no answer within ${r.timeoutMs} ms` };
      return { ok: false, retry: true, error: networkError(e) };
    }
  }
}

/** The start of the answer's body, read and the rest dropped (the connection is freed either way). */
async function readSome(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, ANSWER_BYTES)).trim().slice(0, 200);
}

/** undici says "fetch failed"; what went wrong is in its cause (ECONNREFUSED, "other side closed"). */
function networkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause;
  if (cause?.code !== undefined && cause.message !== undefined && !cause.message.includes(cause.code)) return `${cause.code}: ${cause.message}`;
  return cause?.message ?? cause?.code ?? err.message;
}
