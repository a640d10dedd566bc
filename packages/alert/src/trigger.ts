import { addSignals, noSignals, type SignalNeeds, type Signals } from './signals.js';
import { DirectoryTail } from './tail.js';
import { watchDirectory, type DirectoryWatch } from './watch.js';
import type { Alert, Rule } from './types.js';
import type { Evaluation } from './evaluator.js';

// When new lines should start an evaluation before the interval's: only when they may make a
// rule that does not hold hold. Each evaluation leaves every rule's value; the lines appended
// since it started add at most what signals.ts bounds (errors, rate limits, risk hits, the
// largest API latency, a trading loss), so a rule whose value plus that bound stays at or below
// its threshold cannot hold yet, and nothing is evaluated for it. The bounds are sound per
// kind: a count only grows by the new lines; a mean or a percentile of latencies at or below
// a threshold, joined by more latencies at or below it, stays at or below it; a realized loss
// or a drawdown grows by at most the new losses. What time alone changes (a window sliding
// past old lines, no_events) is the interval's, as in Prometheus; so is a rule that holds
// already (pending or firing: its resolution comes at the interval).
//
// Evaluating on every new line cost what an evaluation costs, once per min_interval (each
// re-reads the lines appended and reduces six windows). Now the lines are looked at every
// SCAN_MS, a few bytes each, and an evaluation follows the interval, or the lines that may
// fire a rule: the figures of both are in @daybook/alert's README, "Notification latency".

/** How long after a change the new lines are read, and how often while they keep coming. */
const SCAN_MS = 200;

export interface TriggerOptions {
  /** Milliseconds between two looks once lines stopped coming, for file systems where fs.watch says nothing (min_interval; default 1000). */
  pollMs?: number;
  /** Milliseconds between two looks while lines keep coming (default 200). */
  scanMs?: number;
  /** false: no fs.watch, a look every pollMs alone. */
  fsWatch?: boolean;
}

/** A rule that does not hold, with its value at the last evaluation. */
interface Armed {
  rule: Rule;
  value: number;
}

/** What a kind's value may be at most after the lines of `s`, from `value` before them; -Infinity: the lines cannot change it. */
function boundOf(rule: Rule, value: number, s: Signals): number {
  switch (rule.kind) {
    case 'error_count': return value + s.errors;
    case 'rate_limit_hits': return value + s.rateLimits;
    case 'risk_limit_hits': return value + s.riskHits;
    case 'avg_api_latency_ms':
    case 'p99_api_latency_ms': return s.maxLatency;
    case 'daily_loss':
    case 'max_drawdown': return value + s.loss;
    case 'no_events':
    case 'chain_damaged': return -Infinity;
  }
}

/** Which signals `rules` read. */
function needsOf(rules: readonly Rule[]): SignalNeeds {
  const has = (...kinds: Rule['kind'][]) => rules.some((r) => kinds.includes(r.kind));
  return {
    errors: has('error_count'),
    rateLimits: has('rate_limit_hits'),
    riskHits: has('risk_limit_hits'),
    latency: has('avg_api_latency_ms', 'p99_api_latency_ms'),
    loss: has('daily_loss', 'max_drawdown'),
  };
}

/** Starts continuous mode's evaluations on the new lines that may make a rule hold (Schedule's `watch`). */
export class DataTrigger {
  private readonly tail: DirectoryTail;
  private readonly rules: ReadonlyMap<string, Rule>;
  private signals: Signals = noSignals();
  /** The rules that do not hold; undefined until an evaluation ended (the first one is under way). */
  private armed: Armed[] | undefined;
  /** What the armed rules need read; while an evaluation is under way, what any rule may (its values may arm one that held). */
  private needs: SignalNeeds;
  private readonly allNeeds: SignalNeeds;
  /** A chain_damaged rule that does not hold: a file rewritten starts an evaluation for it. */
  private chainRule: Rule | undefined;
  private rewritten = false;
  /** An evaluation started and has not ended: its values are not known yet. */
  private evaluating = false;
  /** Told, and no evaluation started since: the lines need not be read into signals. */
  private told = false;
  private onTrigger: (() => void) | undefined;

  constructor(private readonly dir: string, rules: readonly Rule[], private readonly options: TriggerOptions = {}) {
    this.tail = new DirectoryTail(dir);
    this.rules = new Map(rules.map((r) => [r.name, r]));
    this.allNeeds = needsOf(rules);
    this.needs = this.allNeeds;
  }

  /** Schedule's `watch`: reads the new lines soon after each change; `rearm` is called as each evaluation starts. */
  readonly watch = (onTrigger: () => void): { close(): void; rearm(): void } => {
    this.onTrigger = onTrigger;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const every = this.options.scanMs ?? SCAN_MS;
    // While lines keep coming, the files are looked at every `every`; once they stop, when
    // fs.watch tells of a change, or after `idle` (a file system that tells nothing).
    const idle = Math.max(every, this.options.pollMs ?? 1000);
    let at = Infinity;
    const plan = (ms: number): void => {
      if (timer !== undefined) clearTimeout(timer);
      at = Date.now() + ms;
      timer = setTimeout(() => {
        timer = undefined;
        at = Infinity;
        if (closed) return;
        let read = 0;
        try {
          read = this.scan();
        } catch {
          // A look that failed (a file system error): the interval still evaluates, and the next look tries again.
        }
        if (read > 0) plan(every);
        else {
          inner.rearm();
          plan(idle);
        }
      }, ms);
      timer.unref();
    };
    const wake = (): void => {
      if (!closed && at > Date.now() + every) plan(every);
    };
    const inner: DirectoryWatch = watchDirectory(this.dir, wake, { fsWatch: this.options.fsWatch, poll: false });
    plan(idle);
    // Where each file ends now: the first evaluation reads what is before.
    this.tail.look(() => undefined);
    return {
      close: () => {
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        inner.close();
        this.tail.close();
      },
      rearm: () => this.begin(),
    };
  };

  /** An evaluation starts: what is appended from now on is measured against its values. */
  begin(): void {
    // The lines not looked at yet are in the file the evaluation reads: they are read into the
    // new signals too (counted twice at worst, never missed).
    this.signals = noSignals();
    this.rewritten = false;
    this.evaluating = true;
    this.told = false;
    this.needs = this.allNeeds;
  }

  /** Hands the evaluation's values over (`undefined`: it failed; the last values stay), and tells if the lines since it started may already fire a rule. */
  settle(alerts: readonly Alert[] | undefined): void {
    this.evaluating = false;
    if (alerts !== undefined) {
      const armed: Armed[] = [];
      this.chainRule = undefined;
      for (const a of alerts) {
        const rule = this.rules.get(a.name);
        if (rule === undefined || a.state !== 'inactive') continue;
        if (rule.kind === 'chain_damaged') this.chainRule = rule;
        // No value (no API call in the window, a rule that could not be computed): any line of its kind may give one.
        else armed.push({ rule, value: a.value ?? 0 });
      }
      this.armed = armed;
    }
    if (this.armed !== undefined) this.needs = needsOf(this.armed.map((a) => a.rule));
    this.check();
  }

  /** `evaluation` settled: its alerts handed over when it ends, whether it resolves or throws. */
  after(evaluation: Promise<Evaluation>): Promise<Evaluation> {
    return evaluation.then(
      (e) => {
        this.settle(e.alerts);
        return e;
      },
      (error: unknown) => {
        this.settle(undefined);
        throw error;
      },
    );
  }

  /** Reads the new lines now (the watch does soon after each change); the bytes read. */
  scan(): number {
    const n = this.needs;
    const read = !this.told && (n.errors || n.rateLimits || n.riskHits || n.latency || n.loss);
    const look = this.tail.look(read ? (b, s, e) => this.add(b, s, e) : () => undefined);
    if (look.rewritten) this.rewritten = true;
    this.check();
    return look.bytes;
  }

  /**
   * Adds lines to the signals. A count grows by one a line at most: while the lines could not
   * bring any rule of a count's kind to its threshold, each line is counted as one of its
   * kind instead of being read for it (an upper bound still), and a line costs less.
   */
  private add(b: Buffer, start: number, end: number): void {
    const s = this.signals;
    const n = this.needs;
    // More lines than bytes there cannot be.
    const near = (kind: Rule['kind'], count: number): boolean =>
      this.armed === undefined || this.evaluating || this.armed.some((a) => a.rule.kind === kind && a.value + count + (end - start) > a.rule.threshold);
    const errors = n.errors && near('error_count', s.errors);
    const rateLimits = n.rateLimits && near('rate_limit_hits', s.rateLimits);
    const riskHits = n.riskHits && near('risk_limit_hits', s.riskHits);
    const lines = s.lines;
    addSignals(b, start, end, s, { errors, rateLimits, riskHits, latency: n.latency, loss: n.loss });
    const added = s.lines - lines;
    if (n.errors && !errors) s.errors += added;
    if (n.rateLimits && !rateLimits) s.rateLimits += added;
    if (n.riskHits && !riskHits) s.riskHits += added;
  }

  /** The rule a trigger would start an evaluation for now, if any (for tests and logs). */
  crossed(): Rule | undefined {
    if (this.armed === undefined || this.evaluating) return undefined;
    if (this.rewritten && this.chainRule !== undefined) return this.chainRule;
    return this.armed.find((a) => boundOf(a.rule, a.value, this.signals) > a.rule.threshold)?.rule;
  }

  private check(): void {
    if (this.told || this.crossed() === undefined) return;
    this.told = true;
    this.onTrigger?.();
  }
}
