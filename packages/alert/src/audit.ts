import type { AuditLogger } from '@daybook/core';
import { formatValue } from './template.js';
import type { Alert, AlertAudit, Silence } from './types.js';

// The audit trail of alerting: each firing, resolution, notification attempt and silence is
// one event of an AuditLogger, so it is hash-chained and verified like a trade. The logger
// belongs to the caller (its directory, its durability); these calls never throw and never
// wait, as every log call.

const alertMeta = (a: Alert): Record<string, unknown> => ({
  alertname: a.name,
  fingerprint: a.fingerprint,
  value: a.value,
  threshold: a.threshold,
  labels: a.labels,
  annotations: a.annotations,
  active_at: a.activeAt,
  resolved_at: a.resolvedAt,
});

export function loggerAudit(logger: AuditLogger): AlertAudit {
  return {
    firing(a) {
      void logger.logEvent('alert_firing', `alert ${a.name} firing: value ${formatValue(a.value)}, threshold ${formatValue(a.threshold)}`, { component: 'alert', level: 'WARNING', metadata: alertMeta(a) });
    },
    resolved(a) {
      void logger.logEvent('alert_resolved', `alert ${a.name} resolved: value ${formatValue(a.value)}, threshold ${formatValue(a.threshold)}`, { component: 'alert', level: 'INFO', metadata: alertMeta(a) });
    },
    notification(n) {
      const what = `${n.status} notification to ${n.receiver} (${n.alerts.length} alert${n.alerts.length === 1 ? '' : 's'}), attempt ${n.attempt}`;
      void logger.logEvent('alert_notification', n.ok ? `${what}: sent` : `${what}: failed${n.error === undefined ? '' : `: ${n.error}`}`, {
        component: 'alert',
        level: n.ok ? 'INFO' : 'WARNING',
        metadata: { receiver: n.receiver, group_key: n.groupKey, status: n.status, alerts: n.alerts, attempt: n.attempt, ok: n.ok, ...(n.error === undefined ? {} : { error: n.error }) },
      });
    },
    silence(s: Silence, action) {
      void logger.logEvent('alert_silence', `silence ${s.id} ${action} by ${s.createdBy}: ${Object.entries(s.matchers).map(([k, v]) => `${k}=${v}`).join(', ')} until ${s.endsAt}`, {
        component: 'alert',
        level: 'INFO',
        metadata: { action, silence_id: s.id, matchers: s.matchers, starts_at: s.startsAt, ends_at: s.endsAt, created_by: s.createdBy, comment: s.comment },
      });
    },
  };
}

/** An AlertAudit that writes nothing (a caller that keeps no trail, tests of other parts). */
export const NO_AUDIT: AlertAudit = { firing() {}, resolved() {}, notification() {}, silence() {} };
