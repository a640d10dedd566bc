import { join } from 'node:path';
import { VERSION } from '@daybook/core';
import type { Alert, AlertAudit, Dispatcher, Receiver, Route, Rule } from '../types.js';
import { systemClock, type Clock } from './clock.js';
import { problemLine } from './codes.js';
import { slackMessage, telegramMessage } from './chat.js';
import { loadNotifications, logKey, NotificationLog, type LogEntry, type PersistedGroup } from './log.js';
import { groupKeyOf, groupLabelsOf, sortAlerts, templateData, webhookMessage, type Notification, type NotifyAlert } from './message.js';
import { Sender } from './sender.js';
import { writeJsonAtomic } from './state-file.js';

/** What the dispatcher asks of a silence store: the silence muting these labels now, if any. */
export interface SilenceMatcher {
  silencing(labels: Readonly<Record<string, string>>, now: number): { id: string } | undefined;
}

export interface DispatcherOptions {
  receivers: readonly Receiver[];
  route: Route;
  /** For each rule, its receivers (a rule without `receivers` notifies every receiver). */
  rules?: ReadonlyArray<Pick<Rule, 'name' | 'receivers'>>;
  silences: SilenceMatcher;
  audit: AlertAudit;
  clock?: Clock;
  /** Where notifications.json is kept; without it nothing survives the process. */
  stateDir?: string;
  fetch?: typeof fetch;
  /** Alertmanager's externalURL field (for example the dashboard's address); default ''. */
  externalURL?: string;
  /** Each alert's generatorURL; default ''. */
  generatorURL?: string;
  /**
   * For `--once`: no process stays to wait for group_wait or group_interval, so each update
   * notifies every group that has something to tell (repeat_interval still holds, through
   * the notification log).
   */
  immediate?: boolean;
  /** The first retry's wait (doubled after each further failure, up to maxBackoffMs). Default 1 s, 30 s. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Where each failure's line goes; default stderr. */
  warn?: (line: string) => void;
}

/** The dispatcher, plus what tests and `daybook alert` look at. */
export interface NotifyDispatcher extends Dispatcher {
  /** Resolves when nothing is on the network or ready to send: only the clock can move the dispatcher on. */
  idle(): Promise<void>;
  /** What was sent to whom and when (the last 1,000 notifications, oldest first). */
  history(): ReadonlyArray<{ at: string; receiver: string; groupKey: string; status: 'firing' | 'resolved'; alerts: string[] }>;
}

interface GroupAlert extends NotifyAlert {
  /** Clock instant of the last change: a resolution told is forgotten only if nothing changed since. */
  updatedAt: number;
}

interface Group {
  id: string;
  receiver: Receiver;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: Map<string, GroupAlert>;
  hasFlushed: boolean;
  nextFlushAt: number;
  /** A notification of this group is queued or on the network: the group waits for it. */
  busy: boolean;
}

/**
 * Alertmanager's dispatcher, for daybook's alerts. Alerts are grouped per receiver by the
 * route's group_by labels; a new group is told after group_wait, then at most every
 * group_interval when its alerts change, and again after repeat_interval while unchanged and
 * firing; resolved alerts are told when the receiver has sendResolved. The decision is
 * Alertmanager's (notify.DedupStage.needsUpdate), against a notification log persisted in
 * `stateDir/notifications.json`. `update()` never waits: notifications go through one
 * sender per receiver in the background.
 */
export function createDispatcher(o: DispatcherOptions): NotifyDispatcher {
  const clock = o.clock ?? systemClock;
  const warn = o.warn ?? ((line: string) => void process.stderr.write(line));
  const route = o.route;
  const path = o.stateDir === undefined ? undefined : join(o.stateDir, 'notifications.json');
  const receiversOfRule = new Map((o.rules ?? []).map((r) => [r.name, r.receivers]));
  const byName = new Map(o.receivers.map((r) => [r.name, r]));
  const senders = new Map(o.receivers.map((r) => [r.name, new Sender(r, {
    clock, audit: o.audit, warn, fetch: o.fetch ?? fetch, userAgent: `daybook/${VERSION}`,
    backoffMs: o.backoffMs ?? 1000, maxBackoffMs: o.maxBackoffMs ?? 30_000,
  })]));
  const groups = new Map<string, Group>();
  let log = new NotificationLog();
  let timer: unknown;
  let timerAt = Infinity;
  let closed = false;

  // What the last process owed: its log, and the groups it had not finished telling.
  if (path !== undefined) {
    try {
      const loaded = loadNotifications(path);
      log = loaded.log;
      const start = clock.now();
      for (const p of loaded.groups) restore(p, o.immediate === true ? start : start + route.groupWait);
      // Told even if no evaluation comes (the evaluator's first update usually does, before group_wait).
      schedule();
    } catch (e) {
      warn(problemLine(`cannot read ${path} (${(e as Error).message}); starting with an empty notification log`, 'DAYBOOK_E_ALERT_STATE'));
    }
  }

  function restore(p: PersistedGroup, flushAt: number): void {
    const receiver = byName.get(p.receiver);
    if (receiver === undefined || !Array.isArray(p.alerts)) return;
    const g = newGroup(receiver, p.groupKey, p.groupLabels, flushAt);
    g.hasFlushed = p.hasFlushed === true;
    for (const a of p.alerts) {
      const endsAt = a.endsAt === null ? null : Date.parse(a.endsAt);
      if (typeof a.fingerprint !== 'string' || !Number.isFinite(Date.parse(a.startsAt)) || Number.isNaN(endsAt)) continue;
      g.alerts.set(a.fingerprint, {
        fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, generatorURL: a.generatorURL ?? '',
        startsAt: Date.parse(a.startsAt), endsAt, status: endsAt === null ? 'firing' : 'resolved', updatedAt: Date.parse(a.updatedAt),
      });
    }
    if (g.alerts.size === 0) groups.delete(g.id);
  }

  function newGroup(receiver: Receiver, groupKey: string, groupLabels: Record<string, string>, flushAt: number): Group {
    const g: Group = { id: logKey(receiver.name, groupKey), receiver, groupKey, groupLabels, alerts: new Map(), hasFlushed: false, nextFlushAt: flushAt, busy: false };
    groups.set(g.id, g);
    return g;
  }

  function receiversOf(alert: Alert): Receiver[] {
    const names = receiversOfRule.get(alert.name);
    if (names === undefined) return [...o.receivers];
    return names.map((n) => byName.get(n)).filter((r): r is Receiver => r !== undefined);
  }

  // ---- persistence: the latest state, written whole, one write at a time ----
  let writing: Promise<void> | undefined;
  let dirty = false;
  let writeFailed = false;
  function persist(): void {
    if (path === undefined) return;
    dirty = true;
    writing ??= (async () => {
      while (dirty) {
        dirty = false;
        log.prune(clock.now());
        try {
          await writeJsonAtomic(path, log.toFile([...groups.values()].map(persisted)));
          writeFailed = false;
        } catch (e) {
          // One line per outage, not per write.
          if (!writeFailed) warn(problemLine(`cannot write ${path}: ${(e as Error).message}`, 'DAYBOOK_E_ALERT_STATE'));
          writeFailed = true;
        }
      }
      writing = undefined;
    })();
  }
  const persisted = (g: Group): PersistedGroup => ({
    receiver: g.receiver.name, groupKey: g.groupKey, groupLabels: g.groupLabels, hasFlushed: g.hasFlushed,
    alerts: [...g.alerts.values()].map((a) => ({
      fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, generatorURL: a.generatorURL,
      startsAt: new Date(a.startsAt).toISOString(), endsAt: a.endsAt === null ? null : new Date(a.endsAt).toISOString(), updatedAt: new Date(a.updatedAt).toISOString(),
    })),
  });

  // ---- the schedule: one timer, for the group due first ----
  function schedule(): void {
    if (closed) return;
    let next = Infinity;
    for (const g of groups.values()) next = Math.min(next, g.nextFlushAt);
    if (next === timerAt) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    timerAt = next;
    if (next === Infinity) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      processDue(clock.now());
    }, next - clock.now());
  }

  function processDue(now: number): void {
    for (const g of [...groups.values()]) if (g.nextFlushAt <= now) flushGroup(g, now);
    schedule();
  }

  function flushGroup(g: Group, now: number): void {
    g.nextFlushAt = now + route.groupInterval;
    // Alertmanager's group waits for its notification to end before the next one.
    if (g.busy) return;
    g.hasFlushed = true;
    const snapshot = sortAlerts([...g.alerts.values()].map((a) => ({ ...a })));
    // Alertmanager's mute stage: silenced alerts are neither told nor counted as told.
    const shown = snapshot.filter((a) => o.silences.silencing(a.labels, now) === undefined);
    const firing = new Set(shown.filter((a) => a.status === 'firing').map((a) => a.fingerprint));
    const resolved = new Set(shown.filter((a) => a.status === 'resolved').map((a) => a.fingerprint));
    if (shown.length === 0 || !needsUpdate(log.get(g.receiver.name, g.groupKey), firing, resolved, g.receiver.sendResolved, route.repeatInterval, now)) {
      forgetResolved(g, snapshot, now);
      return;
    }
    const told = g.receiver.sendResolved ? shown : shown.filter((a) => a.status === 'firing');
    if (told.length === 0) {
      // Everything resolved and the receiver does not want resolutions: recorded as told, as Alertmanager does, so the log stops owing them.
      log.record(g.receiver.name, g.groupKey, { firing, resolved, at: now });
      forgetResolved(g, snapshot, now);
      persist();
      return;
    }
    const n: Notification = { receiver: g.receiver.name, groupKey: g.groupKey, groupLabels: g.groupLabels, alerts: told, externalURL: o.externalURL ?? '' };
    const status = firing.size > 0 ? 'firing' : 'resolved';
    const alerts = told.map((a) => a.fingerprint);
    g.busy = true;
    senders.get(g.receiver.name)!.send({
      groupKey: g.groupKey, status, alerts, body: body(g.receiver, n),
      done: (ok) => {
        g.busy = false;
        if (ok) {
          const at = clock.now();
          log.record(g.receiver.name, g.groupKey, { firing, resolved, at }, { at: new Date(at).toISOString(), receiver: g.receiver.name, groupKey: g.groupKey, status, alerts });
          forgetResolved(g, snapshot, now);
        }
        // A failure is tried again at the next group_interval: the log does not hold it as told.
        persist();
        schedule();
      },
    });
  }

  /** Resolved alerts that were in a flush and did not change since leave the group; an empty group ends. */
  function forgetResolved(g: Group, snapshot: readonly NotifyAlert[], at: number): void {
    for (const a of snapshot) {
      const cur = g.alerts.get(a.fingerprint);
      if (a.status === 'resolved' && cur !== undefined && cur.status === 'resolved' && cur.updatedAt <= at) g.alerts.delete(a.fingerprint);
    }
    if (g.alerts.size === 0 && !g.busy) groups.delete(g.id);
  }

  function body(r: Receiver, n: Notification): string {
    if (r.format === 'slack') return JSON.stringify(slackMessage(templateData(n)));
    if (r.format === 'telegram') return JSON.stringify(telegramMessage(templateData(n), r.chatId ?? ''));
    return JSON.stringify(webhookMessage(n));
  }

  /** Waits for the senders (drained or idle), then for the state write their ends started. */
  async function settle(wait: (s: Sender) => Promise<void>): Promise<void> {
    for (;;) {
      await Promise.all([...senders.values()].map(wait));
      if (writing === undefined) return;
      await writing;
    }
  }
  const drain = (s: Sender): Promise<void> => s.drained();

  return {
    update(alerts: readonly Alert[], now: number): void {
      if (closed) return;
      const seen = new Set<string>();
      // Written to the state file only when a group changed: an unchanged evaluation costs no fsync.
      let touched = false;
      for (const a of alerts) {
        const status = a.state === 'firing' ? 'firing' : a.resolvedAt !== null ? 'resolved' : undefined;
        if (status === undefined) continue;
        const endsAt = status === 'resolved' ? Date.parse(a.resolvedAt!) || now : null;
        // The group key depends on the labels only: computed once for every receiver.
        const groupLabels = groupLabelsOf(a.labels, route.groupBy);
        const groupKey = groupKeyOf(groupLabels);
        for (const r of receiversOf(a)) {
          let g = groups.get(logKey(r.name, groupKey));
          if (g === undefined) {
            g = newGroup(r, groupKey, groupLabels, now + route.groupWait);
            touched = true;
          }
          const before = g.alerts.get(a.fingerprint);
          // A resolved alert may come without its activeAt: the start told with its firing stays its start.
          const startsAt = Date.parse(a.activeAt ?? '') || before?.startsAt || Date.parse(a.since ?? '') || now;
          // Only a new alert or a change of state is a change: it makes a told resolution new and is
          // worth writing down. Annotations follow the value at each evaluation; the next process gets
          // them fresh from its evaluator, so a new value alone costs no write.
          const changed = before === undefined || before.status !== status || before.endsAt !== endsAt;
          touched ||= changed;
          g.alerts.set(a.fingerprint, {
            fingerprint: a.fingerprint, status, labels: a.labels, annotations: a.annotations, startsAt, endsAt,
            generatorURL: o.generatorURL ?? '', updatedAt: changed ? now : before.updatedAt,
          });
          seen.add(`${g.id}\u0000${a.fingerprint}`);
          // Alertmanager: an alert older than group_wait does not wait for it (a restarted process tells at once).
          if (!g.hasFlushed && startsAt + route.groupWait < now) g.nextFlushAt = Math.min(g.nextFlushAt, now);
        }
      }
      // `update` gets every firing alert (the Dispatcher's contract): one not there stopped firing.
      for (const g of groups.values()) {
        for (const a of g.alerts.values()) {
          if (a.status !== 'firing' || seen.has(`${g.id}\u0000${a.fingerprint}`)) continue;
          g.alerts.set(a.fingerprint, { ...a, status: 'resolved', endsAt: now, updatedAt: now });
          touched = true;
        }
        if (o.immediate === true) g.nextFlushAt = Math.min(g.nextFlushAt, now);
      }
      if (touched) persist();
      processDue(now);
    },

    async flush(): Promise<void> {
      await settle(drain);
    },

    async idle(): Promise<void> {
      await settle((s) => s.idle());
    },

    async close(): Promise<void> {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      for (const s of senders.values()) s.stop();
      await settle(drain);
      // The groups still waiting are kept in the file: the next process owes them.
      persist();
      await settle(drain);
    },

    history: () => log.sent,
  };
}

/**
 * Alertmanager's notify.DedupStage.needsUpdate: whether a group's state is news to its
 * receiver, given the last notification (`entry`).
 */
export function needsUpdate(entry: LogEntry | undefined, firing: ReadonlySet<string>, resolved: ReadonlySet<string>, sendResolved: boolean, repeatInterval: number, now: number): boolean {
  // Never told: only a firing alert is news.
  if (entry === undefined) return firing.size > 0;
  // A firing alert the receiver was not told of.
  for (const f of firing) if (!entry.firing.has(f)) return true;
  // Everything resolved: the receiver was told something fires (sent even without sendResolved, so that the log is cleared).
  if (firing.size === 0) return entry.firing.size > 0;
  if (sendResolved) for (const r of resolved) if (!entry.resolved.has(r)) return true;
  // Nothing new: again only after repeat_interval.
  return entry.at < now - repeatInterval;
}
