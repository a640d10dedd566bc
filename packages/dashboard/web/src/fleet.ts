// The fleet (a server started with `daybook serve --clickhouse URL`): an overview per bot from
// /audit/fleet and the bot and host filters that narrow every other panel (api.ts adds them to
// each /audit request). /health says whether the server reads a fleet; when it does not, the
// panel and the filters stay hidden, nothing more is asked, and the page is as it always was.
import { getJson } from './api.js';
import { byId, empty, h, replace } from './dom.js';
import { fmt, shortTime, signClass } from './format.js';
import type { Range } from './range.js';
import { scope } from './scope.js';
// The overview's shape, from the package that computes it (a type only: nothing of it is bundled).
import type { FleetBot } from '@daybook/clickhouse';

/** What /health says (no token needed): whether the server reads a fleet, and whether it has a readable log directory. */
let health: Promise<{ fleet: boolean; dirReadable: boolean }> | undefined;
const serverHealth = () => (health ??= fetch('/health', { headers: { accept: 'application/json' } })
  .then((r) => r.json() as Promise<{ fleet?: boolean; log_dir_readable?: boolean }>)
  .then((b) => ({ fleet: b.fleet === true, dirReadable: b.log_dir_readable !== false }), () => ({ fleet: false, dirReadable: true })));

/**
 * Why the chain badge has nothing to check, or undefined: a fleet's server without a readable
 * log directory (the chains are proven where the files are).
 */
export async function noLocalChain(): Promise<string | undefined> {
  const h = await serverHealth();
  return h.fleet && !h.dirReadable ? 'This server reads the fleet from ClickHouse and has no log directory of its own: prove each bot\'s chain where its files are, with daybook verify DIR --clickhouse URL.' : undefined;
}
let onChange: () => void = () => undefined;
let knownHosts: string[] = [];

/** Wires the bot and host filters; `changed` reloads the page's panels. */
export function initFleet(changed: () => void): void {
  onChange = changed;
  for (const [id, key] of [['fleet-bot', 'bot'], ['fleet-host', 'host']] as const) {
    byId<HTMLSelectElement>(id).addEventListener('change', (ev) => setScope(key, (ev.target as HTMLSelectElement).value));
  }
}

function setScope(key: 'bot' | 'host', value: string): void {
  if (scope[key] === value) return;
  scope[key] = value;
  byId<HTMLSelectElement>(`fleet-${key}`).value = value;
  onChange();
}

/** Keeps a select's choices: "all" first, then `values`, and the current choice even when it left the range. */
function fillSelect(id: string, all: string, values: readonly string[], current: string): void {
  const select = byId<HTMLSelectElement>(id);
  const choices = [...new Set([...values, ...(current === '' ? [] : [current])])].sort();
  replace(select, h('option', { value: '' }, all), ...choices.map((v) => h('option', { value: v }, v)));
  select.value = current;
}

/**
 * Loads the overview of range `r` (every bot, narrowed by the host filter only, so that a
 * bot can be switched from the table) and shows it; nothing on a server without a fleet.
 */
export async function loadFleet(r: Range, signal?: AbortSignal): Promise<void> {
  if (!(await serverHealth()).fleet) return;
  const overview = await getJson<{ bots: FleetBot[] }>('/audit/fleet', { start_date: r.start, end_date: r.end, host: scope.host }, signal, false);
  document.body.dataset.fleet = 'true';
  byId('fleet-panel').classList.remove('hidden');
  byId('fleet-scope').classList.remove('hidden');
  // The hosts to choose from: those of the last overview not narrowed by a host.
  if (scope.host === '') knownHosts = overview.bots.flatMap((b) => b.hosts);
  fillSelect('fleet-bot', 'All bots', overview.bots.map((b) => b.bot), scope.bot);
  fillSelect('fleet-host', 'All hosts', knownHosts, scope.host);
  renderFleet(overview.bots);
}

function renderFleet(bots: FleetBot[]): void {
  const total = bots.reduce((n, b) => n + b.net_pnl, 0);
  byId('fleet-note').textContent = `${bots.length} bot${bots.length === 1 ? '' : 's'}${scope.host === '' ? '' : ` on ${scope.host}`} · net P&L ${fmt(total, 'money')} · click a bot to narrow every panel to it`;
  const el = byId('fleet-table');
  if (bots.length === 0) return replace(el, empty('No bot logged an event in this range.'));
  const head = ['Bot', 'Hosts', 'Net P&L', 'P&L', 'Trades', 'Win rate', 'Open', 'Errors', 'Warnings', 'Events', 'Avg latency', 'p95 latency', 'Last event'];
  // Each figure keeps the API's value in data-value (as the cards do), for the browser test.
  const num = (b: FleetBot, field: keyof FleetBot, kind: Parameters<typeof fmt>[1], cls = '', shown = b[field] as number | null) =>
    h('td', { class: `num ${cls}`.trim(), 'data-field': field, 'data-value': JSON.stringify(b[field]) }, fmt(shown, kind));
  const rows = bots.map((b) => {
    const selected = scope.bot === b.bot;
    const tr = h('tr', { 'data-bot': b.bot, class: selected ? 'selected' : undefined, 'aria-selected': String(selected), tabindex: 0, title: selected ? 'Show every bot again' : `Narrow every panel to ${b.bot}` },
      h('td', {}, h('strong', {}, b.bot)),
      h('td', {}, b.hosts.join(', ')),
      num(b, 'net_pnl', 'money', signClass(b.net_pnl)),
      num(b, 'total_pnl', 'money', signClass(b.total_pnl)),
      num(b, 'total_trades', 'count'),
      num(b, 'win_rate', 'percent', '', b.total_trades === 0 ? null : b.win_rate),
      num(b, 'open_trades', 'count'),
      num(b, 'error_count', 'count', b.error_count > 0 ? 'neg' : ''),
      num(b, 'warning_count', 'count'),
      num(b, 'total_events', 'count'),
      num(b, 'avg_api_latency', 'ms'),
      num(b, 'p95_api_latency', 'ms'),
      h('td', { 'data-field': 'last_event', 'data-value': JSON.stringify(b.last_event) }, h('time', { datetime: b.last_event, title: b.last_event }, shortTime(b.last_event))));
    const pick = () => setScope('bot', selected ? '' : b.bot);
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        pick();
      }
    });
    return tr;
  });
  replace(el, h('table', { class: 'fleet-table' }, h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows)));
}
