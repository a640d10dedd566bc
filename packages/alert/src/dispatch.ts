import { NO_AUDIT } from './audit.js';
import type { Alert, AlertAudit, Dispatcher, Receiver, RulesFile } from './types.js';

// The dispatcher `daybook alert` uses until notify/'s createDispatcher (grouping, repeat,
// silences, rate limit, retries) is merged: one Alertmanager webhook per transition (an alert
// that started firing or resolved at this evaluation) to each of its rule's receivers, one
// attempt with the receiver's timeout, each attempt in the audit trail. The seam is
// `dispatcherFor`: swap its body for createDispatcher once that lands.

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alertmanager's webhook JSON (version 4) for alerts of one status. */
export function alertmanagerBody(receiver: string, status: 'firing' | 'resolved', alerts: readonly Alert[]): Record<string, unknown> {
  return {
    version: '4',
    groupKey: `{}:{alertname="${alerts[0]?.name ?? ''}"}`,
    truncatedAlerts: 0,
    status,
    receiver,
    groupLabels: { alertname: alerts[0]?.name ?? '' },
    commonLabels: alerts.length === 1 ? alerts[0]!.labels : {},
    commonAnnotations: alerts.length === 1 ? alerts[0]!.annotations : {},
    externalURL: '',
    alerts: alerts.map((a) => ({
      status: a.state === 'firing' ? 'firing' : 'resolved',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.activeAt ?? ZERO_TIME,
      endsAt: a.resolvedAt ?? ZERO_TIME,
      generatorURL: '',
      fingerprint: a.fingerprint,
    })),
  };
}

export function transitionDispatcher(rules: RulesFile, audit: AlertAudit = NO_AUDIT): Dispatcher {
  const pending = new Set<Promise<void>>();
  const receiversOf = (name: string): Receiver[] => {
    const names = rules.rules.find((r) => r.name === name)?.receivers;
    return names === undefined ? rules.receivers : rules.receivers.filter((r) => names.includes(r.name));
  };
  const send = async (rcv: Receiver, a: Alert, status: 'firing' | 'resolved'): Promise<void> => {
    const body = alertmanagerBody(rcv.name, status, [a]);
    let error: string | undefined;
    try {
      const res = await fetch(rcv.url, { method: 'POST', headers: { 'content-type': 'application/json', ...rcv.headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(rcv.timeoutMs) });
      await res.arrayBuffer();
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    audit.notification({ receiver: rcv.name, groupKey: body.groupKey as string, status, alerts: [a.name], attempt: 1, ok: error === undefined, ...(error === undefined ? {} : { error }) });
  };
  return {
    update(alerts, now) {
      const at = new Date(now).toISOString();
      for (const a of alerts) {
        if (a.since !== at) continue;
        const status = a.state === 'firing' ? 'firing' : 'resolved';
        for (const rcv of receiversOf(a.name)) {
          if (status === 'resolved' && !rcv.sendResolved) continue;
          const p = send(rcv, a, status);
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
      }
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await this.flush();
    },
  };
}

/** The dispatcher of `daybook alert` and `daybook serve --rules`. */
export function dispatcherFor(rules: RulesFile, audit: AlertAudit): Dispatcher {
  return transitionDispatcher(rules, audit);
}
