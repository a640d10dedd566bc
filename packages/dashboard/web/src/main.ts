// The dashboard: loads the selected range from the /audit API, draws cards, charts and
// tables, and keeps them current from the live stream.
import './style.css';
import { loadAlerts } from './alerts.js';
import { ApiError, getJson, getToken, setToken, UnreachableError } from './api.js';
import { renderCards } from './cards.js';
import { barList, COLORS, timeChart } from './charts.js';
import { byId, h, replace } from './dom.js';
import type { Kind } from './format.js';
import { LiveFeed, type StreamStatus } from './feed.js';
import { DAY, dayMs, isLive, isoDay, rangeDays, rangeOf, type Range, type RangeKey } from './range.js';
import { renderErrors, renderSymbols, renderTrades, tradeOf } from './tables.js';
import { initTrades, loadTrades, offerFilters } from './trades.js';
import { initFleet, loadFleet, noLocalChain } from './fleet.js';
import type { AuditEvent, ErrorSummary, SymbolPerformance, SystemMetrics, Timeseries, TradingMetrics, VerifyResult } from './types.js';

const CLOSED = new Set(['trade_exit', 'trade_partial_exit']);
const MAX_TRADES = 200_000;

let range: Range = rangeOf('today');
let series: Timeseries | undefined;
let tradeIds = new Set<string>();
let generation = 0;
let loadController: AbortController | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

const dates = (r: Range) => ({ start_date: r.start, end_date: r.end });

// ---- status banners -------------------------------------------------------------------

function banner(kind: 'error' | 'warn' | 'info' | null, ...content: (Node | string)[]): void {
  const el = byId('banner');
  el.className = kind === null ? 'banner hidden' : `banner ${kind}`;
  replace(el, ...content);
}

function askToken(refused: boolean): void {
  const input = h('input', { type: 'password', id: 'token-input', placeholder: 'Bearer token', autocomplete: 'off', 'aria-label': 'API token' });
  const form = h('form', { class: 'token-form' }, h('strong', {}, refused ? 'The token was refused.' : 'This server needs a token.'),
    ' Enter the value of --token / DAYBOOK_TOKEN (kept in this tab only): ', input, h('button', { type: 'submit' }, 'Connect'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setToken(input.value.trim());
    banner(null);
    reload();
    feed.start();
  });
  banner('warn', form);
  input.focus();
}

function handleFailure(e: unknown): void {
  if (e instanceof DOMException && e.name === 'AbortError') return;
  setConnection('down');
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return askToken(getToken() !== null);
  if (e instanceof UnreachableError) {
    banner('error', h('strong', {}, 'The daybook server is unreachable.'), ` Is \`daybook serve\` still running at ${location.host}? Retrying every 5 s…`);
  } else {
    banner('error', h('strong', {}, 'The server could not answer.'), ` ${e instanceof Error ? e.message : String(e)}. Retrying every 5 s…`);
  }
  clearTimeout(retryTimer);
  retryTimer = setTimeout(reload, 5000);
}

function setConnection(s: 'up' | 'down' | StreamStatus): void {
  const el = byId('conn');
  if (s === 'up' && el.textContent === 'live') return; // the stream's state says more
  const text = { up: 'connected', down: 'offline', connecting: 'connecting…', live: 'live', retrying: 'reconnecting…', unauthorized: 'token needed' }[s];
  el.textContent = text;
  el.className = `conn ${s === 'live' || s === 'up' ? 'ok' : s === 'down' || s === 'unauthorized' ? 'bad' : 'wait'}`;
}

// ---- data -------------------------------------------------------------------------------

interface Summary { trading: TradingMetrics; system: SystemMetrics; symbols: SymbolPerformance[]; errors: ErrorSummary }

async function loadSummary(r: Range, signal?: AbortSignal): Promise<Summary> {
  const p = dates(r);
  const [trading, system, symbols, errors] = await Promise.all([
    getJson<TradingMetrics>('/audit/trading_metrics', p, signal),
    getJson<SystemMetrics>('/audit/system_metrics', p, signal),
    getJson<SymbolPerformance[] | { symbols: SymbolPerformance[] }>('/audit/symbol_performance', p, signal),
    getJson<ErrorSummary>('/audit/error_summary', p, signal),
  ]);
  return { trading, system, symbols: Array.isArray(symbols) ? symbols : symbols.symbols, errors };
}

function renderSummary(s: Summary): void {
  renderCards(s.trading, s.system);
  const byPnl = (o: Record<string, { total_pnl: number; trades: number }>) =>
    Object.entries(o).map(([label, b]) => ({ label, value: b.total_pnl, note: `${b.trades} trades` })).sort((a, b) => b.value - a.value);
  barList(byId('chart-symbol'), s.symbols.map((x) => ({ label: x.symbol, value: x.total_pnl, note: `${x.trades} trades` })), 'money', 'No closed trades in this range.');
  barList(byId('chart-strategy'), byPnl(s.trading.by_strategy), 'money', 'No closed trades in this range.');
  barList(byId('chart-exit'), Object.entries(s.trading.by_exit_reason).map(([label, b]) => ({ label, value: b.trades, note: fmtPnl(b.total_pnl) })).sort((a, b) => b.value - a.value), 'count', 'No closed trades in this range.');
  renderSymbols(s.symbols);
  for (const x of s.symbols) feed.addOption('feed-symbol', x.symbol);
  renderErrors(s.errors);
  offerFilters(s.symbols.map((x) => x.symbol), Object.keys(s.trading.by_strategy));
  const none = s.system.total_events === 0;
  byId('empty-state').classList.toggle('hidden', !none);
}

const fmtPnl = (v: number): string => `P&L ${v.toFixed(2)}`;

/**
 * The charts' data in one request: per hour (a one-day range) or per day, latency, errors,
 * risk events and realized P&L, and the closed trades (the latest MAX_TRADES).
 */
function loadSeries(r: Range, signal: AbortSignal): Promise<Timeseries> {
  return getJson<Timeseries>('/audit/timeseries', { ...dates(r), bucket: rangeDays(r) === 1 ? 'hour' : 'day', max_trades: MAX_TRADES }, signal);
}

const xRangeOf = (r: Range): [number, number] => [dayMs(r.start) / 1000, dayMs(r.end) / 1000 + 86_400];

function renderTradeCharts(s: Timeseries): void {
  // Equity: cumulative realized P&L from 0 at the range start (or from where the trades left
  // out by the cap brought it); the band between the running peak and the curve is the drawdown.
  const xs: number[] = [dayMs(range.start) / 1000];
  const eq: number[] = [s.earlier_pnl];
  const peak: number[] = [s.earlier_peak];
  let sum = s.earlier_pnl;
  let top = s.earlier_peak;
  for (const t of s.trades) {
    sum += t.pnl;
    top = Math.max(top, sum);
    xs.push(Math.max(xs[xs.length - 1]!, Date.parse(t.timestamp) / 1000));
    eq.push(sum);
    peak.push(top);
  }
  // The total holds after the last trade, up to now (or the range's end): a quiet stretch
  // reads as flat, not as the end of the data.
  const until = Math.min(Date.now(), dayMs(range.end) + DAY) / 1000;
  if (until > xs[xs.length - 1]!) {
    xs.push(until);
    eq.push(sum);
    peak.push(top);
  }
  timeChart(byId('chart-equity'), {
    kind: 'money',
    series: [{ label: 'Peak', color: COLORS.text, hidden: true, stepped: true }, { label: 'Equity (realized P&L)', color: COLORS.accent, stepped: true }],
    data: s.trades.length === 0 ? [[]] : [xs, peak, eq],
    bands: [{ series: [1, 2], fill: 'rgba(255,93,108,0.28)' }],
  }, 'No closed trades in this range yet: the equity curve starts with the first trade_exit.');

  // Daily P&L from the buckets, which count every trade, capped list or not.
  const perDay = new Map<string, number>();
  for (const b of s.buckets) if (b.closed_trades > 0) perDay.set(b.start.slice(0, 10), (perDay.get(b.start.slice(0, 10)) ?? 0) + b.realized_pnl);
  const days = [...perDay.keys()].sort();
  timeChart(byId('chart-daily'), {
    kind: 'money',
    series: [
      { label: 'Gain', color: COLORS.pos, bars: { align: 0, size: 0.7 } },
      { label: 'Loss', color: COLORS.neg, bars: { align: 0, size: 0.7 } },
    ],
    xRange: xRangeOf(range),
    data: [days.map((d) => dayMs(d) / 1000 + 43_200), days.map((d) => (perDay.get(d)! >= 0 ? perDay.get(d)! : null)), days.map((d) => (perDay.get(d)! < 0 ? perDay.get(d)! : null))],
  }, 'No closed trades in this range.');
  renderTrades(s.trades);
}

/** The per-bucket figures a line chart can draw. */
type BucketField = 'p50_api_latency' | 'p95_api_latency' | 'p99_api_latency' | 'risk_limit_hit' | 'daily_loss_limit' | 'portfolio_heat_warning' | 'position_size_calculated';

function renderBuckets(r: Range, s: Timeseries): void {
  const now = Date.now();
  const buckets = s.buckets.filter((b) => Date.parse(b.start) <= now); // none from the future
  const xs = buckets.map((b) => Date.parse(b.start) / 1000);
  const xRange = xRangeOf(r);
  // Each line is [label, field, color], so a label can never drift from its data.
  const lines = (id: string, kind: Kind, spec: readonly (readonly [string, BucketField, string])[], none: string): void =>
    timeChart(byId(id), {
      xRange,
      kind,
      series: spec.map(([label, , color]) => ({ label, color })),
      data: [xs, ...spec.map(([, field]) => buckets.map((b) => b[field]))],
    }, none);
  lines('chart-latency', 'ms', [['p50', 'p50_api_latency', COLORS.teal], ['p95', 'p95_api_latency', COLORS.amber], ['p99', 'p99_api_latency', COLORS.neg]], 'No api_call events with latency_ms in this range.');
  timeChart(byId('chart-errors'), {
    xRange,
    kind: 'count',
    series: [
      { label: 'Errors', color: COLORS.neg, bars: { align: -1, size: 0.42 } },
      { label: 'Warnings', color: COLORS.amber, bars: { align: 1, size: 0.42 } },
    ],
    data: [xs, buckets.map((b) => b.error_count), buckets.map((b) => b.warning_count)],
  }, 'No errors or warnings in this range.');
  lines('chart-risk', 'count', [['Risk limit', 'risk_limit_hit', COLORS.neg], ['Daily loss limit', 'daily_loss_limit', COLORS.violet], ['Heat warning', 'portfolio_heat_warning', COLORS.amber], ['Position sizing', 'position_size_calculated', COLORS.teal]], 'No risk events in this range.');
}

async function loadChain(): Promise<void> {
  const el = byId('chain');
  const none = await noLocalChain();
  if (none !== undefined) {
    el.className = 'chain wait';
    el.textContent = 'Chains: verified per host';
    el.title = none;
    return;
  }
  try {
    const v = await getJson<VerifyResult>('/audit/verify', {}, undefined, false);
    const problems = v.problems ?? [];
    if (v.ok) {
      el.className = 'chain ok';
      el.textContent = `✓ Chain intact · ${v.files?.length ?? 0} files`;
      el.title = 'Every line of the log directory checks against its hash chain.';
      return;
    }
    el.className = 'chain bad';
    el.textContent = `⚠ Logs damaged · ${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    const kinds = [...new Set(problems.map((p) => p.kind))].join(', ');
    const first = problems.slice(0, 3).map((p) => `${p.file}${p.line === undefined ? '' : `:${p.line}`} (${p.kind})`).join('; ');
    byId('chain-warning').classList.remove('hidden');
    replace(byId('chain-warning'), h('strong', {}, 'The audit log is damaged: these numbers may not be trustworthy.'), ` ${problems.length} problem(s): ${kinds}. ${first}. Run \`daybook verify <dir>\` for the full list.`);
  } catch (e) {
    el.className = 'chain wait';
    el.textContent = 'Chain status unavailable';
    el.title = e instanceof Error ? e.message : String(e);
  }
}

// ---- loading a range --------------------------------------------------------------------

function reload(): void {
  clearTimeout(retryTimer);
  loadController?.abort();
  const controller = new AbortController();
  loadController = controller;
  const gen = ++generation;
  const r = range;
  document.body.dataset.loading = 'true';
  series = undefined; // live trades wait for the new range's series
  const signal = controller.signal;
  const summary = loadSummary(r, signal).then((s) => {
    if (gen !== generation) return;
    setConnection('up');
    if (byId('banner').classList.contains('error')) banner(null);
    renderSummary(s);
  });
  const seriesDone = loadSeries(r, signal).then((t) => {
    if (gen !== generation) return;
    series = t;
    tradeIds = new Set(t.trades.map((x) => x.event_id));
    renderTradeCharts(t);
    renderBuckets(r, t);
  });
  const tradesDone = loadTrades(r, signal);
  const fleetDone = loadFleet(r, signal);
  const loaded = Promise.all([summary, seriesDone, tradesDone, fleetDone]).then(
    () => {
      if (gen !== generation) return;
      document.body.dataset.loading = 'false';
      document.body.dataset.loadedRange = `${r.start}..${r.end}`;
    },
    (e) => {
      if (gen === generation) handleFailure(e);
    },
  );
  // The chain's status waits for the figures: the server's first check of a directory hashes
  // every line, and the figures matter more.
  void loaded.then(() => {
    if (gen === generation) void loadChain();
  });
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let lastRefresh = 0;
/** Re-reads the cards, bars and tables after live events: soon after a trade or an error, else at most every 5 s. */
function scheduleRefresh(urgent: boolean): void {
  const wait = urgent ? 250 : Math.max(250, 5000 - (Date.now() - lastRefresh));
  if (refreshTimer !== undefined) {
    if (!urgent) return;
    clearTimeout(refreshTimer);
  }
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    lastRefresh = Date.now();
    const gen = generation;
    loadSummary(range).then((s) => {
      if (gen === generation) renderSummary(s);
    }, () => undefined);
    loadTrades(range).catch(() => undefined);
    loadFleet(range).catch(() => undefined);
  }, wait);
}

function onLiveEvent(e: AuditEvent): void {
  if (!isLive(range) || e.timestamp.slice(0, 10) < range.start) return;
  const closed = CLOSED.has(e.event_type) && typeof e.pnl === 'number' && Number.isFinite(e.pnl);
  if (closed && series !== undefined && !tradeIds.has(e.event_id)) {
    // Into the list and into its bucket (the last one starting at or before it), as the
    // server will count it on the next load.
    tradeIds.add(e.event_id);
    const t = tradeOf(e);
    series.trades.push(t);
    const at = Date.parse(t.timestamp);
    const bucket = series.buckets.findLast((b) => Date.parse(b.start) <= at);
    if (bucket !== undefined) {
      bucket.closed_trades++;
      bucket.realized_pnl += t.pnl;
    }
    renderTradeCharts(series);
  }
  const level = String(e.level).toUpperCase();
  scheduleRefresh(closed || level === 'ERROR' || level === 'CRITICAL');
}

const feed = new LiveFeed(onLiveEvent, (s) => {
  if (s === 'unauthorized') askToken(getToken() !== null);
  setConnection(s);
}, () => range);

// ---- controls -----------------------------------------------------------------------------

function setRange(key: RangeKey): void {
  const custom = { start: byId<HTMLInputElement>('custom-start').value, end: byId<HTMLInputElement>('custom-end').value };
  range = rangeOf(key, Date.now(), custom);
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-range]')) b.setAttribute('aria-pressed', String(b.dataset.range === range.key));
  byId('custom-fields').classList.toggle('hidden', key !== 'custom');
  const hash = range.key === 'custom' ? `#${range.start}..${range.end}` : `#${range.key}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  byId('range-label').textContent = range.start === range.end ? `${range.start} (UTC)` : `${range.start} → ${range.end} (UTC)`;
  reload();
  feed.refill();
}

for (const b of document.querySelectorAll<HTMLButtonElement>('[data-range]')) b.addEventListener('click', () => setRange(b.dataset.range as RangeKey));
const today = isoDay(Date.now());
byId<HTMLInputElement>('custom-start').value = isoDay(Date.now() - 13 * DAY);
byId<HTMLInputElement>('custom-end').value = today;
for (const id of ['custom-start', 'custom-end']) byId(id).addEventListener('change', () => setRange('custom'));

/** The range is in the URL's hash (#today, #7d, #30d, #2025-01-06..2025-01-31), so a view can be linked. */
function rangeFromHash(): RangeKey {
  const hash = decodeURIComponent(location.hash.slice(1));
  const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(hash);
  if (m !== null) {
    byId<HTMLInputElement>('custom-start').value = m[1]!;
    byId<HTMLInputElement>('custom-end').value = m[2]!;
    return 'custom';
  }
  return hash === '7d' || hash === '30d' ? hash : 'today';
}
window.addEventListener('hashchange', () => setRange(rangeFromHash()));

initTrades(() => range, handleFailure);
// A bot or host chosen: every panel again, and the live feed from the start for that part of the fleet.
initFleet(() => {
  feed.reset();
  reload();
  feed.refill();
});
setRange(rangeFromHash());
feed.start();
setInterval(() => void loadChain(), 60_000);
void loadAlerts();
setInterval(() => void loadAlerts(), 15_000);
