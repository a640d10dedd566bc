// The alerts panel: what `daybook serve --rules FILE` evaluates (GET /audit/alerts), the
// pending and firing alerts and the latest state changes. Hidden when the server runs no
// rules. Polled: alerts change at the evaluator's pace (its evaluation_interval), not per event.
import { getJson } from './api.js';
import { byId, empty, h, replace } from './dom.js';
import type { AlertRow, AlertsAnswer } from './types.js';

const RECENT_SHOWN = 8;
const num = (v: number | null): string => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(2));
const time = (iso: string | null): string => (iso === null ? '' : iso.slice(0, 19).replace('T', ' '));
const who = (labels: Record<string, string>): string => ['bot', 'host'].filter((k) => labels[k] !== undefined).map((k) => labels[k]).join('@');

function row(a: AlertRow): HTMLElement {
  const place = who(a.labels);
  return h('li', { class: `alert ${a.state}`, 'data-alert': a.name, 'data-state': a.state, 'data-value': a.value ?? '' },
    h('span', { class: 'badge' }, a.state),
    h('strong', {}, a.name), place === '' ? null : h('span', { class: 'who' }, place),
    h('span', { class: 'figure' }, `${num(a.value)} / ${num(a.threshold)}`),
    h('time', { datetime: a.since ?? '' }, `since ${time(a.since)}`),
    a.annotations.summary === undefined ? null : h('span', { class: 'msg' }, a.annotations.summary));
}

export async function loadAlerts(): Promise<void> {
  const panel = byId('alerts-panel');
  let answer: AlertsAnswer;
  try {
    answer = await getJson<AlertsAnswer>('/audit/alerts');
  } catch {
    return; // the other panels report the server's state
  }
  panel.classList.toggle('hidden', !answer.enabled);
  panel.dataset.enabled = String(answer.enabled);
  if (!answer.enabled) return;
  const firing = answer.active.filter((a) => a.state === 'firing').length;
  replace(byId('alerts-note'), `${firing} firing · ${answer.active.length - firing} pending · evaluated ${time(answer.evaluated_at)} UTC`);
  replace(byId('alerts-active'), ...(answer.active.length === 0 ? [empty('No alert is pending or firing.')] : answer.active.map(row)));
  replace(byId('alerts-recent'), ...answer.recent.slice(0, RECENT_SHOWN).map((t) => {
    const to = t.to === 'inactive' && t.from === 'firing' ? 'resolved' : t.to;
    return h('li', { 'data-transition': `${t.alert.name}:${to}` }, h('time', { datetime: t.at }, time(t.at)), h('strong', {}, t.alert.name), ` ${t.from} → ${to}`);
  }));
}
