import type { Clock } from './notify/clock.js';

// When continuous mode evaluates: driven by the data and the clock, not only by the interval.
// The latency from the line that makes a rule hold to its notification was up to one
// evaluation_interval (15 s, 1 min) plus group_wait; here it is about min_interval plus one
// evaluation. Four reasons to evaluate:
//
//   data      the watch reported new lines (over a log directory, trigger.ts: lines that may
//             make a rule hold): evaluated min_interval after the last evaluation started,
//             and no sooner than the last evaluation's duration after it ended, so that
//             reports arriving all the time cost at most one evaluation per min_interval and
//             at most half of a core however slow one gets
//   due       a pending alert's `for` ends (Evaluator.nextDue): evaluated at that instant, so
//             it fires then and not at the next tick; not throttled (one instant per pending
//             alert, and those became pending at evaluations already throttled)
//   interval  evaluation_interval after the last start, whatever happened: no_events and
//             windows sliding past old lines need the clock, and a directory whose changes
//             are not seen (ClickHouse, a file system without notifications) still evaluates
//   start     once, at start()
//
// Evaluations never overlap: the next is planned when one ends (and the Evaluator queues
// anyway). Each evaluation is at an instant after the previous one (the Evaluator refuses to
// go back in time), so two in the same millisecond are one millisecond apart.

export type EvaluationReason = 'start' | 'data' | 'due' | 'interval';

export interface ScheduleOptions<E> {
  /** Evaluates at `now` (epoch ms): the Evaluator's evaluate. */
  evaluate(now: number): Promise<E>;
  /** The instant the first pending alert's `for` ends (Evaluator.nextDue). */
  due?: () => number | undefined;
  /** evaluation_interval, ms: the longest wait. */
  interval: number;
  /** min_interval, ms: the shortest time between two evaluations' starts that new lines cause. */
  minInterval: number;
  /**
   * Starts watching the data; calls `onChange` when new lines arrived; returns how to stop, and
   * `rearm`, called as each evaluation starts (watch.ts stops fs.watch after a report until then).
   * `new DataTrigger(dir, rules).watch` over a log directory (or `(f) => watchDirectory(dir, f)`:
   * on any new line); absent: the interval alone.
   */
  watch?: (onChange: () => void) => { close(): void; rearm?(): void };
  /** Default: the system clock, whose timers keep the process alive while the schedule runs. */
  clock?: Clock;
  /** After each evaluation, with what started it. */
  onEvaluation?: (evaluation: E, reason: EvaluationReason) => void;
  /** An evaluation that threw (the schedule goes on). */
  onError?: (error: unknown, reason: EvaluationReason) => void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Evaluates from start() until stop(), on new data, at the end of a `for`, and every interval. */
export class Schedule<E = unknown> {
  private readonly clock: Clock;
  private timer: unknown;
  private planned: { at: number; reason: EvaluationReason } | undefined;
  private running: Promise<void> | undefined;
  private watcher: { close(): void; rearm?(): void } | undefined;
  private started = false;
  private stopped = false;
  /** New lines arrived since the last evaluation started. */
  private dirty = false;
  private lastStart = -Infinity;
  private lastEnd = -Infinity;
  private lastDuration = 0;

  constructor(private readonly o: ScheduleOptions<E>) {
    this.clock = o.clock ?? systemClock;
  }

  /** The next evaluation planned, if none is under way: when and why (for tests and logs). */
  get next(): { at: number; reason: EvaluationReason } | undefined {
    return this.planned === undefined ? undefined : { ...this.planned };
  }

  /** Resolves when no evaluation is under way (what a test waits for after moving its clock). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Evaluates now, then watches and plans. Once. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.watcher = this.o.watch?.(() => this.changed());
    this.run('start');
  }

  /** No further evaluation; waits for the one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    this.cancel();
    await this.running;
  }

  private changed(): void {
    // Already planned for (or to be planned when the evaluation under way ends): a burst of
    // appends costs one flag test each.
    if (this.dirty || this.stopped) return;
    this.dirty = true;
    this.plan();
  }

  private cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.planned = undefined;
  }

  private plan(): void {
    if (this.stopped || this.running !== undefined) return;
    let at = this.lastStart + this.o.interval;
    let reason: EvaluationReason = 'interval';
    const due = this.o.due?.();
    if (due !== undefined && due < at) {
      at = due;
      reason = 'due';
    }
    if (this.dirty) {
      const dataAt = Math.max(this.lastStart + this.o.minInterval, this.lastEnd + this.lastDuration);
      if (dataAt < at) {
        at = dataAt;
        reason = 'data';
      }
    }
    if (this.planned !== undefined && this.planned.at === at && this.planned.reason === reason) return;
    this.cancel();
    this.planned = { at, reason };
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.planned = undefined;
      this.run(reason, at);
    }, at - this.clock.now());
  }

  /** `at`: the instant planned. A timer may fire a millisecond before Date.now() reaches it (a `for` would not have ended yet): evaluated at it. */
  private run(reason: EvaluationReason, at = -Infinity): void {
    if (this.stopped) return;
    const started = this.clock.now();
    const now = Math.max(started, at, this.lastStart + 1);
    // Lines arriving from here on may be after what this evaluation reads: they plan the next.
    this.dirty = false;
    this.watcher?.rearm?.();
    this.lastStart = now;
    this.running = this.o.evaluate(now).then(
      (e) => this.o.onEvaluation?.(e, reason),
      (e: unknown) => this.o.onError?.(e, reason),
    ).catch(() => undefined).finally(() => {
      this.lastEnd = this.clock.now();
      this.lastDuration = this.lastEnd - started;
      this.running = undefined;
      this.plan();
    });
  }
}
