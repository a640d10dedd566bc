import { NO_AUDIT } from './audit.js';
import { AlertError } from './errors.js';
import { holds, valueOf, type Figures, type Target } from './kinds.js';
import type { AlertStateData, StateStore } from './state.js';
import { expandAll } from './template.js';
import { problemLine } from './notify/codes.js';
import { fingerprint } from './notify/labels.js';
import type { Alert, AlertAudit, Dispatcher, Rule, RulesFile, Transition } from './types.js';

// Prometheus' rule evaluation over the analyzer's figures. Per rule and target, the value over
// [now - window, now]; the condition holds -> pending (or firing at once when `for` is 0) ->
// firing once it has held for `for` -> inactive with resolvedAt when it stops. The clock is
// injected (tests drive a timeline; `daybook alert --at` evaluates a past instant). Each
// evaluation saves the state, writes the audit events of its transitions, then hands the
// firing and just-resolved alerts to the dispatcher, which sends in the background.
//
// Cost: the targets' analyzers are kept across evaluations (LogAnalyzer re-reads only what
// was appended, and its `since` loads leave out the files a window does not reach), and within
// one evaluation each (report, range) is computed once, however many rules read it.

export interface EvaluatorOptions {
  rules: RulesFile;
  /** What the rules are evaluated for, asked at each evaluation (a fleet's bots come and go). */
  targets: () => Promise<readonly Target[]> | readonly Target[];
  dispatcher?: Dispatcher;
  audit?: AlertAudit;
  state?: StateStore;
  /** Epoch milliseconds (default Date.now). */
  clock?: () => number;
  /** Transitions kept for `recent` (default 100). */
  keepRecent?: number;
  /** Where the line of a state that cannot be saved goes; default stderr. */
  warn?: (line: string) => void;
}

export interface RuleError {
  rule: string;
  labels: Record<string, string>;
  message: string;
}

export interface Evaluation {
  at: string;
  /** Every alert after this evaluation, by rule order then labels. */
  alerts: Alert[];
  transitions: Transition[];
  /** Rules whose value could not be computed: their alerts kept their state. */
  errors: RuleError[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Figures whose answers are shared within one evaluation: rules over the same range read one report. */
function memoFigures(f: Figures): Figures {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(name: keyof Figures, start: string, end: string, get: () => Promise<T>): Promise<T> => {
    const key = `${name} ${start} ${end}`;
    let p = memo.get(key) as Promise<T> | undefined;
    if (p === undefined) memo.set(key, (p = get()));
    return p;
  };
  return {
    getSystemMetrics: (s, e) => once('getSystemMetrics', s, e, () => f.getSystemMetrics(s, e)),
    getErrorSummary: (s, e) => once('getErrorSummary', s, e, () => f.getErrorSummary(s, e)),
    getTradingMetrics: (s, e) => once('getTradingMetrics', s, e, () => f.getTradingMetrics(s, e)),
    getRiskMetrics: (s, e) => once('getRiskMetrics', s, e, () => f.getRiskMetrics(s, e)),
  };
}

/**
 * A target as one evaluation reads it: its figures from one snapshot taken from `since` (the
 * longest window's start) where the target offers one, each (report, range) computed once,
 * and its damage checked once.
 */
function memoTarget(t: Target, since: string | undefined): Target {
  let damage: Promise<number> | undefined;
  const d = t.damage;
  let figures = t.figures;
  const snap = since === undefined ? undefined : t.figures.snapshot?.bind(t.figures);
  if (snap !== undefined) {
    let taken: Promise<Figures> | undefined;
    const of = () => (taken ??= snap(since!));
    figures = {
      getSystemMetrics: async (s, e) => (await of()).getSystemMetrics(s, e),
      getErrorSummary: async (s, e) => (await of()).getErrorSummary(s, e),
      getTradingMetrics: async (s, e) => (await of()).getTradingMetrics(s, e),
      getRiskMetrics: async (s, e) => (await of()).getRiskMetrics(s, e),
    };
  }
  return { labels: t.labels, figures: memoFigures(figures), ...(d === undefined ? {} : { damage: () => (damage ??= d()) }) };
}

export class Evaluator {
  private rules: RulesFile;
  private readonly targets: EvaluatorOptions['targets'];
  private readonly dispatcher: Dispatcher | undefined;
  private readonly audit: AlertAudit;
  private readonly store: StateStore | undefined;
  private readonly clock: () => number;
  private readonly keepRecent: number;
  /** By fingerprint. */
  private readonly known = new Map<string, Alert>();
  private recentList: Transition[] = [];
  private evaluatedAt: string | null = null;
  private running: Promise<Evaluation> | undefined;
  private readonly warn: (line: string) => void;
  /** The last save failed: its line was printed, the next is printed after a save succeeds again. */
  private saveFailed = false;

  constructor(options: EvaluatorOptions) {
    this.rules = options.rules;
    this.targets = options.targets;
    this.dispatcher = options.dispatcher;
    this.audit = options.audit ?? NO_AUDIT;
    this.store = options.state;
    this.clock = options.clock ?? Date.now;
    this.keepRecent = options.keepRecent ?? 100;
    this.warn = options.warn ?? ((line) => void process.stderr.write(line));
    this.restore(this.store?.load());
  }

  /** Takes the saved state as the current one (none saved: no alert known). */
  private restore(saved: AlertStateData | undefined): void {
    this.known.clear();
    for (const a of saved?.alerts ?? []) this.known.set(a.fingerprint, a);
    this.recentList = saved?.recent.slice(-this.keepRecent) ?? [];
    this.evaluatedAt = saved?.evaluatedAt ?? null;
  }

  get rulesFile(): RulesFile {
    return this.rules;
  }

  /** Every alert as of the last evaluation (or as restored from the state). */
  alerts(): Alert[] {
    return [...this.known.values()].map((a) => structuredClone(a));
  }

  /** The latest transitions, newest first. */
  recent(): Transition[] {
    return this.recentList.slice().reverse();
  }

  lastEvaluation(): string | null {
    return this.evaluatedAt;
  }

  /**
   * The first instant (epoch ms) at which a pending alert's `for` will have elapsed, if one is
   * pending: the schedule evaluates then, so that it fires at that instant, not at the next
   * tick. Undefined when nothing is pending (or its rule left the file).
   */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const a of this.known.values()) {
      if (a.state !== 'pending' || a.activeAt === null) continue;
      const rule = this.rules.rules.find((r) => r.name === a.name);
      if (rule === undefined) continue;
      const at = Date.parse(a.activeAt) + rule.for;
      if (due === undefined || at < due) due = at;
    }
    return due;
  }

  /** Evaluates every rule at `now` (default the clock). Evaluations never overlap: a second call waits for the first. */
  async evaluate(now?: number): Promise<Evaluation> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
    const p = this.run(now ?? this.clock());
    this.running = p;
    try {
      return await p;
    } finally {
      this.running = undefined;
    }
  }

  private async run(now: number): Promise<Evaluation> {
    const at = iso(now);
    // Pending-for and resolution instants assume time moves forward; an evaluation again at
    // the same instant would hand the dispatcher the same transitions a second time.
    if (this.evaluatedAt !== null && now <= Date.parse(this.evaluatedAt)) {
      throw new AlertError('DAYBOOK_E_ALERT_CLOCK', `cannot evaluate at ${at}: the state was last evaluated at ${this.evaluatedAt}`);
    }
    // One read per target for the whole evaluation, from the longest window's start.
    const windows = this.rules.rules.filter((r) => r.kind !== 'chain_damaged').map((r) => r.window);
    const since = windows.length === 0 ? undefined : iso(now - Math.max(...windows));
    const targets = (await this.targets()).map((t) => memoTarget(t, since));
    const transitions: Transition[] = [];
    const errors: RuleError[] = [];
    const seen = new Set<string>();
    const order: string[] = [];
    for (const rule of this.rules.rules) {
      const start = iso(now - rule.window);
      const values = await Promise.all(targets.map(async (t) => {
        try {
          return { t, value: await valueOf(rule.kind, t, start, at) };
        } catch (e) {
          return { t, error: e instanceof Error ? e.message : String(e) };
        }
      }));
      for (const r of values) {
        const labels = this.labelsOf(rule, r.t.labels);
        const fp = fingerprint(labels);
        seen.add(fp);
        order.push(fp);
        if ('error' in r) {
          errors.push({ rule: rule.name, labels, message: r.error! });
          continue;
        }
        const tr = this.step(rule, labels, fp, r.value ?? null, now);
        if (tr !== undefined) transitions.push(tr);
      }
    }
    // An alert no rule or target gives any more (the rule left the file, the bot the fleet):
    // a firing one resolves, as Prometheus resolves an alert whose series is gone.
    for (const [fp, a] of this.known) {
      if (seen.has(fp)) continue;
      if (a.state === 'firing') {
        const from = a.state;
        Object.assign(a, { state: 'inactive', since: at, resolvedAt: at });
        transitions.push({ alert: structuredClone(a), from, to: 'inactive', at });
        order.push(fp);
      } else this.known.delete(fp);
    }
    this.evaluatedAt = at;
    this.recentList.push(...transitions);
    if (this.recentList.length > this.keepRecent) this.recentList.splice(0, this.recentList.length - this.keepRecent);
    const alerts = order.map((fp) => this.known.get(fp)).filter((a): a is Alert => a !== undefined).map((a) => structuredClone(a));
    // Forget what resolved now and is no longer produced (kept in `recent`).
    for (const [fp, a] of this.known) if (!seen.has(fp) && a.state === 'inactive') this.known.delete(fp);
    // Saved before anything is told: a crash after this point may lose a notification (the
    // dispatcher's own log retries it), never repeat a transition. A state that cannot be
    // saved (read-only directory, full disk) does not stop alerting: the transitions are still
    // audited and told (a restart before the next good save may tell them again), and the
    // outage costs one line, not one per evaluation.
    try {
      this.store?.save(this.snapshot());
      this.saveFailed = false;
    } catch (e) {
      if (!this.saveFailed) this.warn(problemLine(`${(e as Error).message}; alerting goes on, a restart may repeat its transitions`, 'DAYBOOK_E_ALERT_STATE'));
      this.saveFailed = true;
    }
    for (const t of transitions) {
      if (t.to === 'firing') this.audit.firing(t.alert);
      else if (t.from === 'firing' && t.to === 'inactive') this.audit.resolved(t.alert);
    }
    this.dispatcher?.update(alerts.filter((a) => a.state === 'firing' || (a.state === 'inactive' && a.resolvedAt === at)), now);
    return { at, alerts, transitions, errors };
  }

  private snapshot(): AlertStateData {
    return { version: 1, evaluatedAt: this.evaluatedAt, alerts: [...this.known.values()], recent: this.recentList };
  }

  private labelsOf(rule: Rule, targetLabels: Record<string, string>): Record<string, string> {
    const ruleLabels = expandAll(rule.labels, { value: null, threshold: rule.threshold, labels: targetLabels });
    return { ...targetLabels, ...ruleLabels, alertname: rule.name };
  }

  /** One alert's step at `now`; the transition, if its state changed. */
  private step(rule: Rule, labels: Record<string, string>, fp: string, value: number | null, now: number): Transition | undefined {
    const at = iso(now);
    let a = this.known.get(fp);
    if (a === undefined) {
      a = { name: rule.name, state: 'inactive', value, threshold: rule.threshold, labels, annotations: {}, since: null, activeAt: null, resolvedAt: null, fingerprint: fp };
      this.known.set(fp, a);
    }
    a.value = value;
    a.threshold = rule.threshold;
    a.labels = labels;
    a.annotations = expandAll(rule.annotations, { value, threshold: rule.threshold, labels });
    const from = a.state;
    if (holds(rule.kind, value, rule.threshold)) {
      if (a.state === 'inactive') {
        a.activeAt = at;
        a.resolvedAt = null;
        a.since = at;
        a.state = rule.for === 0 ? 'firing' : 'pending';
      }
      if (a.state === 'pending' && now - Date.parse(a.activeAt!) >= rule.for) {
        a.state = 'firing';
        a.since = at;
      }
    } else if (a.state === 'firing') {
      a.state = 'inactive';
      a.since = at;
      a.resolvedAt = at;
    } else if (a.state === 'pending') {
      // It never fired: nothing to resolve, as Prometheus drops a pending alert.
      a.state = 'inactive';
      a.since = a.resolvedAt === null ? null : a.resolvedAt;
      a.activeAt = null;
    }
    return a.state === from ? undefined : { alert: structuredClone(a), from, to: a.state, at };
  }
}
