import type { Alert, Transition } from './types.js';

// An alert as the command line (--json) and the REST API (/audit/alerts) print it: the
// contract's fields (name, state, value, labels, annotations, since) and the rest, in
// snake_case as every other answer of daybook.

/** Alert with its two camelCase instants in snake_case (a field added to Alert fails alertJson's build until it is printed). */
export type AlertJson = Omit<Alert, 'activeAt' | 'resolvedAt'> & { active_at: Alert['activeAt']; resolved_at: Alert['resolvedAt'] };

export const alertJson = (a: Alert): AlertJson => ({
  name: a.name, state: a.state, value: a.value, threshold: a.threshold, labels: a.labels, annotations: a.annotations,
  since: a.since, active_at: a.activeAt, resolved_at: a.resolvedAt, fingerprint: a.fingerprint,
});

export const transitionJson = (t: Transition): { at: string; from: Transition['from']; to: Transition['to']; alert: AlertJson } => ({ at: t.at, from: t.from, to: t.to, alert: alertJson(t.alert) });
