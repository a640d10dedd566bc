// Tables: symbol performance (sortable by any column), recent closed trades, error summary.
import { byId, empty, h, replace } from './dom.js';
import { fmt, shortTime, signClass, type Kind } from './format.js';
import type { AuditEvent, ErrorSummary, SymbolPerformance, Trade } from './types.js';

type Col = { key: keyof SymbolPerformance; label: string; kind?: Kind };
const SYMBOL_COLS: Col[] = [
  { key: 'symbol', label: 'Symbol' },
  { key: 'trades', label: 'Trades', kind: 'count' },
  { key: 'win_rate', label: 'Win rate', kind: 'percent' },
  { key: 'total_pnl', label: 'Total P&L', kind: 'money' },
  { key: 'avg_pnl', label: 'Avg P&L', kind: 'money' },
  { key: 'largest_win', label: 'Largest win', kind: 'money' },
  { key: 'largest_loss', label: 'Largest loss', kind: 'money' },
  { key: 'profit_factor', label: 'PF', kind: 'ratio' },
  { key: 'total_volume', label: 'Volume', kind: 'money' },
];

/**
 * metrics.md defines largest_loss as the smallest P&L and largest_win as the largest, so a
 * symbol that never lost has a "largest loss" of +$83.37. Shown as such it reads as a loss
 * of $83.37; the cell says there was no losing (winning) trade instead, in a neutral colour,
 * and keeps the number in its title. Sorting treats it as no value, like a null PF.
 */
function shown(r: SymbolPerformance, key: keyof SymbolPerformance): { value: SymbolPerformance[typeof key]; none?: string } {
  if (key === 'largest_loss' && r.losses === 0) return { value: null, none: 'no losing trade' };
  if (key === 'largest_win' && r.wins === 0) return { value: null, none: 'no winning trade' };
  return { value: r[key] };
}

let sort: { key: keyof SymbolPerformance; dir: 1 | -1 } = { key: 'total_pnl', dir: -1 };
let lastRows: SymbolPerformance[] = [];

export function renderSymbols(rows: SymbolPerformance[] = lastRows): void {
  lastRows = rows;
  const el = byId('symbol-table');
  if (rows.length === 0) return replace(el, empty('No closed trades in this range, so no symbol has a result yet.'));
  const sorted = [...rows].sort((a, b) => {
    const x = shown(a, sort.key).value;
    const y = shown(b, sort.key).value;
    if (x === y) return a.symbol < b.symbol ? -1 : 1;
    if (x === null) return 1; // nulls (no loser) last either way
    if (y === null) return -1;
    return (x < y ? -1 : 1) * sort.dir;
  });
  const head = h('tr', {}, ...SYMBOL_COLS.map((c) => {
    const th = h('th', { scope: 'col', class: c.kind ? 'num' : '', 'aria-sort': sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined }, h('button', { type: 'button', 'data-sort': c.key }, c.label, sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''));
    th.querySelector('button')!.addEventListener('click', () => {
      sort = sort.key === c.key ? { key: c.key, dir: sort.dir === 1 ? -1 : 1 } : { key: c.key, dir: c.kind ? -1 : 1 };
      renderSymbols();
    });
    return th;
  }));
  const body = sorted.map((r) => h('tr', {}, ...SYMBOL_COLS.map((c) => {
    const { value: v, none } = shown(r, c.key);
    if (none !== undefined) return h('td', { class: 'num none', title: `${none} (${c.label.toLowerCase()} as defined: ${fmt(r[c.key] as number, 'money')})` }, '—');
    return c.kind ? h('td', { class: `num ${c.kind === 'money' && c.key !== 'total_volume' ? signClass(v as number) : ''}` }, fmt(v as number | null, c.kind)) : h('td', {}, String(v));
  })));
  replace(el, h('table', {}, h('thead', {}, head), h('tbody', {}, ...body)));
}

export function renderTrades(trades: readonly Trade[]): void {
  const el = byId('trades-table');
  if (trades.length === 0) return replace(el, empty('No closed trades in this range. Trades appear here when a bot logs trade_exit events (AuditLogger.logTradeExit).'));
  const recent = trades.slice(-15).reverse();
  replace(el, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Time (UTC)'), h('th', {}, 'Symbol'), h('th', {}, 'Exit'), h('th', { class: 'num' }, 'P&L'))),
    h('tbody', {}, ...recent.map((t) => h('tr', { 'data-event-id': t.event_id, title: `${t.timestamp} · ${t.strategy} · ${fmt(t.quantity, 'count')} @ ${fmt(t.price, 'ratio')}` },
      h('td', {}, shortTime(t.timestamp)), h('td', {}, t.symbol),
      h('td', { class: 'reason' }, t.exit_reason), h('td', { class: `num ${signClass(t.pnl)}` }, fmt(t.pnl, 'money')))))));
}

/** A live trade_exit as the trade /audit/timeseries would list (metrics.md: exit reason, strategy). */
export function tradeOf(e: AuditEvent): Trade {
  const m = e.metadata ?? {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    timestamp: e.timestamp, event_id: e.event_id, symbol: typeof e.symbol === 'string' ? e.symbol : 'unknown', strategy: text(e.strategy_name) ?? 'unknown',
    quantity: num(e.quantity), price: num(e.price), pnl: e.pnl!, exit_reason: text(m.exit_reason) ?? text(m.reason) ?? 'unknown', hold_minutes: num(m.hold_time_minutes),
  };
}

export function renderErrors(s: ErrorSummary): void {
  const el = byId('error-table');
  byId('error-totals').textContent = `${fmt(s.total_errors, 'count')} errors · ${fmt(s.total_warnings, 'count')} warnings`;
  if (s.top_messages.length === 0) return replace(el, empty('No errors in this range.'));
  const comps = Object.entries(s.by_component).sort((a, b) => b[1] - a[1]).slice(0, 6);
  replace(el,
    h('p', { class: 'chips' }, ...comps.map(([c, n]) => h('span', { class: 'chip' }, `${c} ${fmt(n, 'count')}`))),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Message (digits as #)'), h('th', { class: 'num' }, 'Count'), h('th', {}, 'Last seen (UTC)'))),
      h('tbody', {}, ...s.top_messages.map((m) => h('tr', {}, h('td', { class: 'msg' }, m.message), h('td', { class: 'num' }, fmt(m.count, 'count')), h('td', { title: `first seen ${m.first_seen}` }, shortTime(m.last_seen)))))));
}
