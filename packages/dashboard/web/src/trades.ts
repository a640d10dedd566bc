// The trades panel and the open positions (GET /audit/trades): trades linked from entry to
// exit, newest first, a page at a time ("Load more" follows next_cursor); a row opens its
// events in order below it. Each row keeps the API's figures in data-* attributes, so the
// browser tests (and anyone inspecting the page) can compare them with the REST API exactly.
import { getJson, type Params } from './api.js';
import { byId, empty, h, replace } from './dom.js';
import { fmt, fmtMinutes, shortTime, signClass } from './format.js';
import type { Range } from './range.js';
import type { LinkedTrade, TradePage, TradeStep } from './types.js';

/** Trades per page; a refresh re-reads as many as are shown (up to the API's 1,000). */
const PAGE = 50;
const MAX_LIMIT = 1000;

interface Filter { symbol: string; strategy: string; open: boolean }

let shown: LinkedTrade[] = [];
let next: string | null = null;
/** Trade ids whose events are open: kept across refreshes and pages. */
const expanded = new Set<string>();
let current: { range: Range; filter: Filter } | undefined;
let generation = 0;

const filterOf = (): Filter => ({
  symbol: byId<HTMLSelectElement>('trades-symbol').value,
  strategy: byId<HTMLSelectElement>('trades-strategy').value,
  open: byId<HTMLSelectElement>('trades-status').value === 'open',
});

const paramsOf = (r: Range, f: Filter, limit: number, cursor?: string): Params => ({
  start_date: r.start, end_date: r.end, symbol: f.symbol, strategy: f.strategy, open: f.open ? 'true' : undefined, limit, cursor,
});

const UNSET = '—';
const text = (v: string | null): string => v ?? UNSET;
const money = (v: number | null) => h('td', { class: `num ${signClass(v)}` }, fmt(v, 'money'));
/** Prices and quantities as logged: up to 8 decimals, no currency (a price may be of anything). */
const plain = (v: number | null): string => (v === null ? UNSET : v.toLocaleString('en-US', { maximumFractionDigits: 8 }));

function stepsRow(t: LinkedTrade): HTMLTableRowElement {
  const held = t.status === 'open' ? `open for ${fmtMinutes(t.age_minutes)}` : t.status === 'cancelled' ? 'cancelled' : `held ${fmtMinutes(t.hold_minutes)}`;
  const summary = h('p', { class: 'summary' },
    `${t.side ?? ''} ${plain(t.quantity)} ${t.symbol} @ ${plain(t.entry_price)} · ${t.strategy} · ${held} · P&L `, h('b', { class: signClass(t.pnl) }, fmt(t.pnl, 'money')),
    ' · fees ', h('b', {}, fmt(t.fees, 'money')), ' · net ', h('b', { class: signClass(t.net_pnl) }, fmt(t.net_pnl, 'money')),
    t.position_id === null ? ' · linked first in, first out' : ` · position ${t.position_id}`);
  const row = (e: TradeStep) => h('tr', { 'data-event-id': e.event_id, 'data-type': e.event_type, 'data-pnl': JSON.stringify(e.pnl), 'data-fee': JSON.stringify(e.fee) },
    h('td', { title: e.timestamp }, shortTime(e.timestamp)), h('td', {}, e.event_type),
    h('td', { class: 'num' }, plain(e.price)), h('td', { class: 'num' }, plain(e.quantity)),
    money(e.pnl), h('td', { class: 'num' }, fmt(e.fee, 'money')), h('td', { class: 'reason' }, text(e.reason)));
  const table = h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Time (UTC)'), h('th', {}, 'Event'), h('th', { class: 'num' }, 'Price'), h('th', { class: 'num' }, 'Qty'), h('th', { class: 'num' }, 'P&L'), h('th', { class: 'num' }, 'Fee'), h('th', {}, 'Reason'))),
    h('tbody', {}, ...t.events.map(row)));
  return h('tr', { class: 'steps', 'data-steps-of': t.trade_id }, h('td', { colspan: COLS }, summary, h('div', { class: 'table-wrap' }, table)));
}

const COLS = 10;

function tradeRow(t: LinkedTrade): HTMLTableRowElement[] {
  const open = expanded.has(t.trade_id);
  const tr = h('tr', {
    class: 'trade', tabindex: 0, 'aria-expanded': String(open), 'data-trade-id': t.trade_id, 'data-status': t.status,
    'data-pnl': JSON.stringify(t.pnl), 'data-fees': JSON.stringify(t.fees), 'data-net-pnl': JSON.stringify(t.net_pnl),
  },
  h('td', {}, t.symbol), h('td', { class: 'opt' }, text(t.side)), h('td', { class: 'opt' }, t.strategy),
  h('td', {}, h('span', { class: `state ${t.status}` }, t.status)),
  h('td', { class: 'opt', title: t.opened_at ?? '' }, t.opened_at === null ? UNSET : shortTime(t.opened_at)),
  h('td', { class: 'opt', title: t.closed_at ?? '' }, t.closed_at === null ? UNSET : shortTime(t.closed_at)),
  h('td', { class: 'num opt' }, t.status === 'open' ? fmtMinutes(t.age_minutes) : fmtMinutes(t.hold_minutes)),
  money(t.pnl), h('td', { class: 'num opt' }, fmt(t.fees, 'money')), money(t.net_pnl));
  const toggle = (): void => {
    if (expanded.has(t.trade_id)) expanded.delete(t.trade_id);
    else expanded.add(t.trade_id);
    renderList();
    byId('trade-list').querySelector<HTMLElement>(`tr.trade[data-trade-id="${CSS.escape(t.trade_id)}"]`)?.focus();
  };
  tr.addEventListener('click', toggle);
  tr.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      toggle();
    }
  });
  return open ? [tr, stepsRow(t)] : [tr];
}

function renderList(): void {
  const el = byId('trade-list');
  byId('trades-more').classList.toggle('hidden', next === null);
  if (shown.length === 0) {
    const f = current?.filter;
    return replace(el, empty(f !== undefined && (f.symbol !== '' || f.strategy !== '' || f.open)
      ? 'No trade in this range matches the filters.'
      : 'No trades in this range. A trade appears here from its trade_entry (AuditLogger.logTradeEntry) to its trade_exit.'));
  }
  const th = (label: string, cls = '') => h('th', { class: cls }, label);
  replace(el, h('table', {},
    h('thead', {}, h('tr', {}, th('Symbol'), th('Side', 'opt'), th('Strategy', 'opt'), th('Status'), th('Opened (UTC)', 'opt'), th('Closed (UTC)', 'opt'), th('Hold', 'num opt'), th('P&L', 'num'), th('Fees', 'num opt'), th('Net', 'num'))),
    h('tbody', {}, ...shown.flatMap(tradeRow))));
}

function renderOpen(page: TradePage): void {
  byId('open-note').textContent = `${fmt(page.open_trades, 'count')} at the range's end`;
  const el = byId('open-positions');
  if (page.trades.length === 0) return replace(el, empty('No open positions at the end of this range.'));
  // Oldest first: the position held longest is the one to look at.
  const oldest = [...page.trades].sort((a, b) => (b.age_minutes ?? 0) - (a.age_minutes ?? 0));
  replace(el, h('ul', { class: 'open-list' }, ...oldest.map((t) => h('li', { 'data-trade-id': t.trade_id, 'data-age-minutes': JSON.stringify(t.age_minutes) },
    h('span', { class: 'sym' }, t.symbol),
    h('span', { class: 'meta', title: `opened ${t.opened_at ?? '?'} · ${t.strategy}` }, `${t.side ?? ''} ${plain(t.quantity)} @ ${plain(t.entry_price)} · ${t.strategy}`),
    h('span', { class: 'age' }, fmtMinutes(t.age_minutes))))),
  page.trades.length < page.open_trades ? h('p', { class: 'empty' }, `and ${fmt(page.open_trades - page.trades.length, 'count')} more`) : null);
}

/** Adds the options a select lacks (kept sorted after "All"), leaving the selection as it is. */
function addOptions(id: string, values: Iterable<string>): void {
  const select = byId<HTMLSelectElement>(id);
  const have = new Set([...select.options].map((o) => o.value));
  const add = [...new Set(values)].filter((v) => v !== '' && !have.has(v));
  if (add.length === 0) return;
  const all = [...[...select.options].slice(1).map((o) => o.value), ...add].sort();
  const keep = select.value;
  select.replaceChildren(select.options[0]!, ...all.map((v) => h('option', { value: v }, v)));
  select.value = keep;
}

/** Symbols and strategies the filters offer: those of the range's reports and of the trades seen. */
export function offerFilters(symbols: Iterable<string>, strategies: Iterable<string>): void {
  addOptions('trades-symbol', symbols);
  addOptions('trades-strategy', strategies);
}

/**
 * Loads the trades of `r` (and its open positions): the first page, or, for a refresh of the
 * same range and filters, as many as are shown, so "Load more" is not undone by a live trade.
 */
export async function loadTrades(r: Range, signal?: AbortSignal): Promise<void> {
  const filter = filterOf();
  const same = current !== undefined && current.range.start === r.start && current.range.end === r.end && JSON.stringify(current.filter) === JSON.stringify(filter);
  const limit = same ? Math.min(MAX_LIMIT, Math.max(PAGE, shown.length)) : PAGE;
  const gen = ++generation;
  const [list, open] = await Promise.all([
    getJson<TradePage>('/audit/trades', paramsOf(r, filter, limit), signal),
    getJson<TradePage>('/audit/trades', { start_date: r.start, end_date: r.end, open: 'true', limit: 200 }, signal),
  ]);
  if (gen !== generation) return;
  if (!same) expanded.clear();
  current = { range: r, filter };
  shown = list.trades;
  next = list.next_cursor;
  offerFilters(list.trades.map((t) => t.symbol), list.trades.map((t) => t.strategy));
  renderList();
  renderOpen(open);
}

async function loadMore(): Promise<void> {
  if (current === undefined || next === null) return;
  const gen = generation;
  const button = byId<HTMLButtonElement>('trades-more');
  button.disabled = true;
  try {
    const page = await getJson<TradePage>('/audit/trades', paramsOf(current.range, current.filter, PAGE, next));
    if (gen !== generation) return;
    const have = new Set(shown.map((t) => t.trade_id));
    shown = [...shown, ...page.trades.filter((t) => !have.has(t.trade_id))];
    next = page.next_cursor;
    offerFilters(page.trades.map((t) => t.symbol), page.trades.map((t) => t.strategy));
    renderList();
  } finally {
    button.disabled = false;
  }
}

/** Wires the filters and "Load more"; `range()` is the page's current range. */
export function initTrades(range: () => Range, onError: (e: unknown) => void): void {
  for (const id of ['trades-symbol', 'trades-strategy', 'trades-status']) {
    byId(id).addEventListener('change', () => void loadTrades(range()).catch(onError));
  }
  byId('trades-more').addEventListener('click', () => void loadMore().catch(onError));
}
