/**
 * The types every part of the alerting shares: the rules file once validated, an alert's
 * state, and the two seams between the parts (the evaluator hands its alerts to a
 * `Dispatcher`; every firing, resolution, notification attempt and silence goes to an
 * `AlertAudit`, which writes it through the logger). Durations are milliseconds, instants
 * epoch milliseconds, except where a field is printed (ISO strings).
 */

/** The rule kinds of the contract ("Alerts"); each value is one of the analyzer's figures. */
export type RuleKind =
  | 'error_count'
  | 'avg_api_latency_ms'
  | 'p99_api_latency_ms'
  | 'no_events'
  | 'daily_loss'
  | 'max_drawdown'
  | 'risk_limit_hits'
  | 'rate_limit_hits'
  | 'chain_damaged';

export interface Rule {
  name: string;
  kind: RuleKind;
  /** The figure is computed over [now - window, now], both included as in a report's range (0 for chain_damaged: the whole chain). */
  window: number;
  /** Fires when the value is above it (`no_events`: when no event arrived in `window`; threshold 0). */
  threshold: number;
  /** How long the condition must hold before pending becomes firing (0: fires at once). */
  for: number;
  labels: Record<string, string>;
  /** Templates: `{{ $value }}`, `{{ $threshold }}`, `{{ $labels.NAME }}`. */
  annotations: Record<string, string>;
  /** Receivers by name; absent: every receiver. */
  receivers?: string[];
}

export type ReceiverFormat = 'alertmanager' | 'slack' | 'telegram';

export interface Receiver {
  name: string;
  url: string;
  format: ReceiverFormat;
  /** Telegram's chat_id (format "telegram"). */
  chatId?: string;
  headers?: Record<string, string>;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts per notification, with exponential backoff between them. */
  maxAttempts: number;
  /** At most this many notifications per minute to this receiver; the rest wait. */
  maxPerMinute: number;
  sendResolved: boolean;
}

/** Alertmanager's route settings, one set for the whole file. */
export interface Route {
  groupBy: string[];
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
}

export interface RulesFile {
  /**
   * Milliseconds between evaluations in continuous mode (`evaluation_interval`, default 1m): the
   * longest the schedule waits with no new line and no pending `for` to end (no_events and
   * sliding windows need the clock).
   */
  evaluationInterval: number;
  /**
   * `min_interval` (default 1s): new lines in the watched directory start an evaluation, at
   * most one per this many milliseconds (schedule.ts). Equal to evaluationInterval: evaluation
   * by the interval alone.
   */
  minInterval: number;
  rules: Rule[];
  receivers: Receiver[];
  route: Route;
}

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One alert: a rule for one label set (one per bot and host over a fleet). */
export interface Alert {
  name: string;
  state: AlertState;
  /** The figure at the last evaluation (null when it has no value, e.g. no API call in the window). */
  value: number | null;
  threshold: number;
  /** The rule's labels plus `alertname`, and `bot`/`host` over a fleet. */
  labels: Record<string, string>;
  /** Templates expanded with the value at the last evaluation. */
  annotations: Record<string, string>;
  /** ISO instant the alert entered its current state (null when inactive and never active). */
  since: string | null;
  /** ISO instant the condition started to hold (Alertmanager's startsAt). */
  activeAt: string | null;
  /** ISO instant it resolved, when it is inactive after having fired. */
  resolvedAt: string | null;
  /** Stable hash of the sorted labels (hex), Alertmanager's fingerprint. */
  fingerprint: string;
}

/** What changed at one evaluation. */
export interface Transition {
  alert: Alert;
  from: AlertState;
  to: AlertState;
  /** ISO instant of the evaluation. */
  at: string;
}

export interface Silence {
  id: string;
  /** Every matcher must equal the alert's label (`alertname` included). */
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/**
 * The evaluator's output seam. `update` is called after each evaluation with every alert
 * that is firing or that resolved at this evaluation; it must not block (notifications are
 * sent in the background; a failing receiver never delays the next evaluation).
 */
export interface Dispatcher {
  update(alerts: readonly Alert[], now: number): void;
  /** Resolves when every notification started so far has ended (sent or given up). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The audit trail of alerting: each call writes one event through the logger. */
export interface AlertAudit {
  firing(alert: Alert): void;
  resolved(alert: Alert): void;
  notification(n: {
    receiver: string;
    groupKey: string;
    status: 'firing' | 'resolved';
    alerts: string[];
    attempt: number;
    ok: boolean;
    error?: string;
  }): void;
  silence(s: Silence, action: 'added' | 'expired' | 'removed'): void;
}
