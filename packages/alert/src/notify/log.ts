import { readJson } from './state-file.js';
import type { NotifyAlert } from './message.js';

/**
 * The notification log (Alertmanager's nflog): per receiver and group, which alerts the last
 * notification told as firing and as resolved, and when. With it a restarted process knows
 * what it already said: it neither repeats a notification within repeat_interval nor misses
 * that a group it reported firing is now resolved.
 */
export interface LogEntry {
  firing: ReadonlySet<string>;
  resolved: ReadonlySet<string>;
  /** Epoch ms of the notification. */
  at: number;
}

/** One line of the history: what was sent to whom and when. */
export interface SentRecord {
  at: string;
  receiver: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  /** Fingerprints. */
  alerts: string[];
}

/** A group with alerts not yet told, kept so that a restart still owes them (a resolution above all). */
export interface PersistedGroup {
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  hasFlushed: boolean;
  alerts: Array<Omit<NotifyAlert, 'startsAt' | 'endsAt' | 'status'> & { startsAt: string; endsAt: string | null; updatedAt: string }>;
}

/** The file `stateDir/notifications.json`. */
export interface NotificationsFile {
  version: 1;
  log: Array<{ receiver: string; groupKey: string; firing: string[]; resolved: string[]; at: string }>;
  groups: PersistedGroup[];
  sent: SentRecord[];
}

/**
 * Entries whose last notification resolved everything are forgotten after this long (as
 * Alertmanager's --data.retention): they only matter while the group may fire again soon.
 */
export const LOG_RETENTION_MS = 5 * 24 * 3600_000;
/** Bounds on the file: log entries (those still owing a resolution are dropped last) and history lines. */
export const MAX_LOG_ENTRIES = 10_000;
export const MAX_SENT_RECORDS = 1_000;

export const logKey = (receiver: string, groupKey: string): string => `${receiver}\u0000${groupKey}`;

export class NotificationLog {
  readonly entries = new Map<string, LogEntry & { receiver: string; groupKey: string }>();
  readonly sent: SentRecord[] = [];

  get(receiver: string, groupKey: string): LogEntry | undefined {
    return this.entries.get(logKey(receiver, groupKey));
  }

  record(receiver: string, groupKey: string, entry: LogEntry, record?: SentRecord): void {
    const key = logKey(receiver, groupKey);
    // Re-inserted so that the map's order is the order of notifications (the oldest are pruned first).
    this.entries.delete(key);
    this.entries.set(key, { ...entry, receiver, groupKey });
    if (record !== undefined) {
      this.sent.push(record);
      if (this.sent.length > MAX_SENT_RECORDS) this.sent.splice(0, this.sent.length - MAX_SENT_RECORDS);
    }
  }

  prune(now: number): void {
    for (const [k, e] of this.entries) if (e.firing.size === 0 && e.at < now - LOG_RETENTION_MS) this.entries.delete(k);
    for (const owing of [false, true]) {
      for (const [k, e] of this.entries) {
        if (this.entries.size <= MAX_LOG_ENTRIES) return;
        if ((e.firing.size > 0) === owing) this.entries.delete(k);
      }
    }
  }

  toFile(groups: PersistedGroup[]): NotificationsFile {
    return {
      version: 1,
      log: [...this.entries.values()].map((e) => ({ receiver: e.receiver, groupKey: e.groupKey, firing: [...e.firing], resolved: [...e.resolved], at: new Date(e.at).toISOString() })),
      groups,
      sent: this.sent,
    };
  }
}

/** Reads the file; throws when it is there but damaged (the caller reports it and starts afresh). */
export function loadNotifications(path: string): { log: NotificationLog; groups: PersistedGroup[] } {
  const log = new NotificationLog();
  const raw = readJson(path) as Partial<NotificationsFile> | undefined;
  if (raw === undefined) return { log, groups: [] };
  if (raw === null || typeof raw !== 'object' || raw.version !== 1 || !Array.isArray(raw.log)) throw new Error(`${path} is not a notification log of this version`);
  for (const e of raw.log) {
    const at = Date.parse(e.at);
    if (typeof e.receiver !== 'string' || typeof e.groupKey !== 'string' || !Number.isFinite(at)) continue;
    log.record(e.receiver, e.groupKey, { firing: new Set(e.firing ?? []), resolved: new Set(e.resolved ?? []), at });
  }
  if (Array.isArray(raw.sent)) log.sent.push(...raw.sent.slice(-MAX_SENT_RECORDS));
  return { log, groups: Array.isArray(raw.groups) ? raw.groups : [] };
}
