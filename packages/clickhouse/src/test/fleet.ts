import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AuditLogger, EventType, splitLink } from '@daybook/core';
import { emptyBadLinesSink } from './sink.js';
import { readLine } from '@daybook/analytics';
import { appLineId, appRowOf, rowOf, type Row } from '../row.js';

// Fleet fixtures for the equality tests: log directories written by core's logger (several
// sessions over three weeks, a clock of our own) and in the Python DayBot's format (five
// files repeating each event, hand-written edge cases), and the rows a shipper would insert
// for them (rowOf over analytics' readLine of the same lines: not the shipper, which lives
// elsewhere, only what it inserts).

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYMBOLS = ['AAPL', 'TSLA', 'MSFT', 'BTC-USD'];
const SIDES = ['buy', 'sell', 'LONG', 'short'];
const STRATEGIES = ['momentum', 'mean_rev', undefined];

/**
 * A directory written by core's AuditLogger: `sessions` runs of the bot, each logging trades
 * (with and without position ids, derived and own pnl, partial exits, stops, cancels),
 * API calls (latencies, 5xx, 429), errors, warnings, health checks, risk events and
 * portfolio values, from `start` (ms) on, minutes to hours apart.
 */
export async function loggedBot(dir: string, seed: number, start = Date.UTC(2024, 2, 1, 9), sessions = 3, eventsPerSession = 160): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let now = start;
  for (let s = 0; s < sessions; s++) {
    const log = new AuditLogger({ logDir: dir, consoleLevel: false, sessionId: `sess_${seed}_${s}`, environment: 'test', clock: () => now });
    const open: { symbol: string; positionId?: string; side: string; price: number; qty: number }[] = [];
    for (let i = 0; i < eventsPerSession; i++) {
      now += Math.floor(rnd() * 3 * 3600_000) + (rnd() < 0.1 ? 0 : 1); // sometimes the same ms twice
      const k = rnd();
      if (k < 0.2) {
        const symbol = pick(SYMBOLS);
        const positionId = rnd() < 0.5 ? `p${seed}-${s}-${i}` : undefined;
        const side = pick(SIDES);
        const price = Math.round(rnd() * 50000) / 100 + 1;
        const qty = Math.ceil(rnd() * 20);
        open.push({ symbol, positionId, side, price, qty });
        void log.logTradeEntry({ symbol, side, quantity: qty, price, positionId, strategyName: pick(STRATEGIES), portfolioValue: rnd() < 0.3 ? 100_000 + i : undefined });
      } else if (k < 0.38 && open.length > 0) {
        const t = open[Math.floor(rnd() * open.length)]!;
        const price = Math.round(t.price * (0.9 + rnd() * 0.2) * 100) / 100;
        const partial = rnd() < 0.25;
        const qty = partial ? Math.max(1, Math.floor(t.qty / 2)) : t.qty;
        const own = rnd() < 0.4 ? Math.round((rnd() - 0.45) * 100000) / 100 : rnd() < 0.1 ? 0 : undefined;
        const o = { symbol: t.symbol, quantity: qty, price, pnl: own, positionId: t.positionId, reason: pick(['take_profit', 'stop_loss', 'signal', undefined]), strategyName: rnd() < 0.3 ? 'exit_strat' : undefined, metadata: rnd() < 0.3 ? { hold_time_minutes: Math.round(rnd() * 500) } : {} };
        if (partial) void log.logTradePartialExit(o);
        else {
          open.splice(open.indexOf(t), 1);
          void log.logTradeExit(o);
        }
      } else if (k < 0.42) {
        const sym = pick(SYMBOLS);
        void (rnd() < 0.5 ? log.logStopLossHit({ symbol: sym, price: 10, pnl: -5 }) : log.logTakeProfitHit({ symbol: sym, price: 11 }));
      } else if (k < 0.44 && open.length > 0) {
        const t = open.shift()!;
        void log.logTradeCancelled({ orderId: `o${i}`, positionId: t.positionId, symbol: t.symbol, reason: 'timeout' });
      } else if (k < 0.46) {
        void log.logPositionAdjusted({ symbol: pick(SYMBOLS), quantity: 5, previousQuantity: 3, positionId: open[0]?.positionId });
      } else if (k < 0.7) {
        const status = rnd() < 0.1 ? 503 : rnd() < 0.05 ? 429 : 200;
        void log.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: status, latencyMs: rnd() < 0.05 ? undefined : Math.round(rnd() * 100000) / 100 });
      } else if (k < 0.74) {
        void log.logApiCall({ endpoint: '/v2/orders', method: 'POST', eventType: rnd() < 0.5 ? EventType.API_ERROR : EventType.RATE_LIMIT, latencyMs: 12 });
      } else if (k < 0.8) {
        void log.logError(`Order ${Math.floor(rnd() * 1000)} rejected after ${Math.floor(rnd() * 5)} tries`, pick(['broker', 'feed', '']), { error: rnd() < 0.5 ? new RangeError('x') : undefined, level: rnd() < 0.2 ? 'CRITICAL' : undefined });
      } else if (k < 0.84) {
        void log.logSystemEvent(EventType.HEALTH_CHECK, 'health', { metadata: rnd() < 0.7 ? { status: 'healthy' } : rnd() < 0.5 ? { status: 'degraded' } : {}, level: rnd() < 0.1 ? 'WARNING' : undefined });
      } else if (k < 0.9) {
        const type = pick([EventType.RISK_LIMIT_HIT, EventType.DAILY_LOSS_LIMIT, EventType.PORTFOLIO_HEAT_WARNING, EventType.POSITION_SIZE_CALCULATED]);
        void log.logRiskEvent(type, 'risk', { portfolioHeat: rnd() < 0.5 ? Math.round(rnd() * 1000) / 1000 : undefined, dailyPnl: rnd() < 0.5 ? Math.round((rnd() - 0.5) * 1e5) / 100 : undefined, metadata: rnd() < 0.3 ? { portfolio_heat: 0.5 + rnd(), daily_pnl: -rnd() * 1000 } : {}, level: rnd() < 0.3 ? 'WARNING' : undefined });
      } else {
        void log.logPerformanceMetric('equity', 100_000 + i, 'USD', { portfolioValue: 100_000 + Math.round(rnd() * 1e6) / 100 });
      }
    }
    await log.close();
    now += 3600_000;
  }
}

const py = (fields: Record<string, unknown>): string => JSON.stringify(fields).replaceAll('":', '": ').replaceAll(',"', ', "');

/**
 * A Python DayBot directory: audit.log holds every event, trades.log / system.log /
 * errors.log / performance.log repeat theirs; no chain. Edge cases: fees and rebates, exits
 * without position_id linked first-in-first-out, lower-case levels, a 429 and a 5xx, a health
 * check whose status is null, a negative latency (not counted), events without session_id,
 * names that are Object.prototype's properties (`__proto__`, `toString`, `constructor`).
 */
export function pythonBot(dir: string): void {
  mkdirSync(dir, { recursive: true });
  let id = 0;
  const uuid = () => `7${String(++id).padStart(7, '0')}-e8cb-481e-9f46-560582462b1e`;
  const base = (ts: string, type: string, extra: Record<string, unknown>) => ({ timestamp: ts, level: 'INFO', logger: 'daybot_audit', message: `${type} event`, module: 'audit_logger', function: '_log', line: 238, event_id: uuid(), event_type: type, component: 'trading', session_id: 's1', ...extra, environment: 'test' });
  const events: { view: string; e: Record<string, unknown> }[] = [
    { view: 'trades', e: base('2026-11-20T14:00:00.000001+00:00', 'trade_entry', { symbol: 'AAPL', side: 'buy', quantity: 100.0, price: 150.25, strategy_name: 'momentum', fee: 1.5, portfolio_value: 50000.0, metadata: {} }) },
    { view: 'trades', e: base('2026-11-20T14:05:00.5+00:00', 'trade_entry', { symbol: 'AAPL', side: 'buy', quantity: 50.0, price: 151.0, fee: 0.75, metadata: {} }) },
    { view: 'trades', e: base('2026-11-21T15:00:00.123456+00:00', 'trade_exit', { symbol: 'AAPL', quantity: 100.0, price: 155.75, fee: -0.2, metadata: { exit_reason: 'take_profit_hit' } }) },
    { view: 'trades', e: base('2026-11-22T16:00:00+00:00', 'trade_partial_exit', { symbol: 'AAPL', quantity: 20.0, price: 149.0, metadata: { reason: 'trim', hold_time_minutes: 12.5 } }) },
    { view: 'trades', e: base('2026-11-23T10:00:00Z', 'trade_exit', { symbol: 'AAPL', quantity: 30.0, price: 149.5, pnl: -45.0, strategy_name: 'manual', metadata: {} }) },
    { view: 'trades', e: base('2026-11-23T11:00:00Z', 'trade_exit', { symbol: 'TSLA', quantity: 1.0, price: 200.0, metadata: {} }) },
    { view: 'trades', e: base('2026-11-24T09:30:00Z', 'trade_entry', { symbol: 'TSLA', side: 'Short', quantity: 10.0, price: 210.0, metadata: {} }) },
    { view: 'trades', e: base('2026-11-24T12:00:00Z', 'stop_loss_hit', { symbol: 'TSLA', price: 215.0, pnl: -50.0, metadata: { reason: 'stop' } }) },
    { view: 'system', e: base('2026-11-20T14:00:01Z', 'api_call', { component: 'api', latency_ms: 120.5, metadata: { status_code: 200 } }) },
    { view: 'system', e: base('2026-11-20T14:00:02Z', 'api_call', { component: 'api', latency_ms: -3.0, metadata: { status_code: 429 } }) },
    { view: 'system', e: base('2026-11-20T14:00:03Z', 'api_call', { component: 'api', latency_ms: 0.0, metadata: { status_code: 502 } }) },
    { view: 'system', e: base('2026-11-21T14:00:03Z', 'api_call', { component: 'api', latency_ms: 99.25, metadata: {} }) },
    { view: 'system', e: base('2026-11-22T00:00:00Z', 'health_check', { component: 'system', metadata: { status: null } }) },
    { view: 'system', e: base('2026-11-22T00:01:00Z', 'health_check', { component: 'system', level: 'warning', metadata: { status: 'healthy' } }) },
    { view: 'errors', e: base('2026-11-22T03:00:00Z', 'api_error', { component: '', level: 'error', message: 'Timeout 30s on 10.0.0.1', metadata: { error_type: 'TimeoutError' } }) },
    { view: 'errors', e: base('2026-11-22T03:00:00Z', 'app_log', { component: 'feed', level: 'Critical', message: 'Timeout 5s on 10.0.0.2', metadata: {} }) },
    // Names that are Object.prototype's properties: keys of by_component, by_error_type, by_strategy, by_exit_reason.
    { view: 'errors', e: base('2026-11-22T04:00:00Z', 'system_error', { component: '__proto__', level: 'error', message: 'hostile names', metadata: { error_type: 'toString' } }) },
    { view: 'trades', e: base('2026-11-23T12:00:00Z', 'trade_exit', { symbol: 'MSFT', quantity: 1.0, price: 10.0, pnl: 3.0, strategy_name: '__proto__', metadata: { exit_reason: 'constructor' } }) },
    { view: 'system', e: base('2026-11-23T00:00:00Z', 'portfolio_heat_warning', { component: 'risk', level: 'WARNING', portfolio_heat: 0.31, metadata: { portfolio_heat: 0.9 } }) },
    { view: 'system', e: base('2026-11-23T00:00:01Z', 'daily_loss_limit', { component: 'risk', metadata: { daily_pnl: -1234.5 } }) },
    { view: 'performance', e: base('2026-11-24T00:00:00Z', 'performance_metric', { component: 'performance', session_id: undefined, portfolio_value: 51000.0, metadata: { metric: 'equity' } }) },
  ];
  const files: Record<string, string> = { audit: '', trades: '', system: '', errors: '', performance: '' };
  for (const { view, e } of events) {
    const line = py(e) + '\n';
    files.audit += line;
    files[view] += line;
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, `${name}.log`), text);
}

/** The rows a shipper inserts for `files` (paths) of bot `bot` on `host`: one per event line. */
export function rowsOf(files: readonly string[], bot: string, host = 'h1'): Row[] {
  const rows: Row[] = [];
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    // The file's head, as the shipper knows it (app text lines' ids are made of it).
    const head = createHash('sha256').update(text.slice(0, text.indexOf('\n') + 1)).digest('hex');
    let offset = 0;
    for (const line of text.split('\n')) {
      const at = offset;
      offset += Buffer.byteLength(line) + 1;
      if (line === '') continue;
      const src = { bot, host, file: basename(path), offset: at };
      const sink = emptyBadLinesSink((o, ts) => {
        const row = rowOf(o, ts, src);
        row.hash = splitLink(line)?.hash ?? '';
        rows.push(row);
      }, (ts, timestamp, app, level, message) => rows.push(appRowOf(ts, timestamp, app, level, message, src, appLineId(head, at))));
      readLine(line, sink);
    }
  }
  return rows;
}

/** The audit.log family of a directory written by core's logger (oldest backup first). */
export const auditFiles = (dir: string): string[] => readdirSync(dir).filter((f) => /^audit\.log(\.\d+)?$/.test(f)).sort((a, b) => (b.length - a.length) || b.localeCompare(a)).map((f) => join(dir, f));

/** Every .log file of a directory. */
export const allFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f));

export const insertSql = (database: string, rows: readonly Row[]): string => `INSERT INTO ${database}.events FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

/**
 * An app log (`<app>.log`, the Drift format core's AppLogger writes) of `lines` text lines in
 * `dir`, one every 97 minutes from `start`: every level (errors, criticals and warnings count
 * in the reports), one written in lower case, numbers in messages (normalized in top messages).
 */
export function appLog(dir: string, app: string, start: number, lines = 40): string {
  const levels = ['INFO', 'ERROR', 'WARNING', 'CRITICAL', 'DEBUG', 'error'];
  const path = join(dir, `${app}.log`);
  let text = '';
  for (let i = 0; i < lines; i++) {
    const iso = new Date(start + i * 97 * 60_000).toISOString();
    text += `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)} | ${app} | ${levels[i % levels.length]} | step ${i} of the ${app} loop took ${i * 7} ms\n`;
  }
  writeFileSync(path, text);
  return path;
}
