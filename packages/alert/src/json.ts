import type { Alert, Transition } from './types.js';

// An alert as the command line (--json) and the REST API (/audit/alerts) print it: the
// contract's fields (name, state, value, labels, annotations, since) and the rest, in
// snake_case as every other answer of daybook.

export interface AlertJson {
  name: string;
  state: Alert['state'];
  value: number | null;
  threshold: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  since: string | null;
  active_at: string | null;
  resolved_at: string | null;
  fingerprint: string;
}

export const alertJson = (a: Alert): AlertJson => ({
  name: a.name, state: a.state, value: a.value, threshold: a.threshold, labels: a.labels, annotations: a.annotations,
  since: a.since, active_at: a.activeAt, resolved_at: a.resolvedAt, fingerprint: a.fingerprint,
});

export const transitionJson = (t: Transition): { at: string; from: Transition['from']; to: Transition['to']; alert: AlertJson } => ({ at: t.at, from: t.from, to: t.to, alert: alertJson(t.alert) });
