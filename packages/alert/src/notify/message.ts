import { commonLabels, compareAlertLabels, labelOf, labelsString, sortedLabels, type Labels } from './labels.js';

/** One alert of a notification, as the dispatcher holds it. Instants are epoch milliseconds. */
export interface NotifyAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  /** When it resolved; null while firing. */
  endsAt: number | null;
  generatorURL: string;
}

/** One notification: a group of alerts for one receiver, before it is put in a format. */
export interface Notification {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  /** In Alertmanager's order (sortAlerts). */
  alerts: readonly NotifyAlert[];
  externalURL: string;
}

/** Alertmanager's template data (template.Data), the body of its webhook and the input of every format. */
export interface TemplateData {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
}

/** Alertmanager's webhook message: the template data, then version "4", the group key and the truncated count. */
export interface WebhookMessage extends TemplateData {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

/** Go's zero time, which Alertmanager sends as the endsAt of an alert still firing. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** An instant as Go's time.Time marshals it (RFC 3339 with the fraction's trailing zeros cut): 05:00:00Z, 05:00:00.12Z. */
export function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f === '' ? 'Z' : `.${f}Z`));
}

/** The group key Alertmanager sends for the root route (`{}`) and the group's labels: `{}:{alertname="X"}`. */
export function groupKeyOf(groupLabels: Labels): string {
  return `{}:${labelsString(groupLabels)}`;
}

/** A group's labels: the alert's values of the route's group_by names (`...`: every label), as Alertmanager groups. */
export function groupLabelsOf(labels: Labels, groupBy: readonly string[]): Record<string, string> {
  if (groupBy.includes('...')) return sortedLabels(labels);
  const out: Record<string, string> = {};
  for (const name of groupBy) {
    const v = labelOf(labels, name);
    if (v !== undefined) out[name] = v;
  }
  return sortedLabels(out);
}

export function sortAlerts(alerts: NotifyAlert[]): NotifyAlert[] {
  return alerts.sort((a, b) => compareAlertLabels(a.labels, b.labels));
}

export function templateData(n: Notification): TemplateData {
  return {
    receiver: n.receiver,
    status: n.alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: n.alerts.map((a) => ({
      status: a.status,
      labels: sortedLabels(a.labels),
      annotations: sortedLabels(a.annotations),
      startsAt: goTime(a.startsAt),
      // As Alertmanager: the end of an alert still firing is not exposed.
      endsAt: a.status === 'firing' || a.endsAt === null ? GO_ZERO_TIME : goTime(a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: sortedLabels(n.groupLabels),
    commonLabels: commonLabels(n.alerts.map((a) => a.labels)),
    commonAnnotations: commonLabels(n.alerts.map((a) => a.annotations)),
    // Alertmanager strips the external URL's trailing slash.
    externalURL: n.externalURL.replace(/\/+$/, ''),
  };
}

/**
 * The body Alertmanager's webhook notifier posts (notify/webhook/webhook.go, version "4"),
 * field for field and in its order.
 */
export function webhookMessage(n: Notification, maxAlerts = 0): WebhookMessage {
  const truncated = maxAlerts > 0 && n.alerts.length > maxAlerts ? n.alerts.length - maxAlerts : 0;
  const data = templateData(truncated > 0 ? { ...n, alerts: n.alerts.slice(0, maxAlerts) } : n);
  return { ...data, version: '4', groupKey: n.groupKey, truncatedAlerts: truncated };
}

/**
 * Alertmanager's default title (`template "__subject"`): `[FIRING:2] HighErrorCount (critical)`,
 * the group labels' values, then the other common labels' values in parentheses.
 */
export function title(d: TemplateData): string {
  const firing = d.alerts.filter((a) => a.status === 'firing').length;
  const head = d.status === 'firing' ? `[FIRING:${firing}]` : '[RESOLVED]';
  const group = Object.values(d.groupLabels).join(' ');
  const rest = Object.entries(d.commonLabels).filter(([k]) => !Object.hasOwn(d.groupLabels, k)).map(([, v]) => v);
  return `${head} ${group}${rest.length > 0 ? ` (${rest.join(' ')})` : ''}`.trimEnd();
}
