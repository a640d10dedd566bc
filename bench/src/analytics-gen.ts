// Writes a realistic log directory for the analytics benchmark with daybook's own logger:
// mostly API calls and health checks, a few percent trades, some strategy, risk, performance
// and error events, over ~60 simulated days (the clock is simulated: Date.now is replaced
// while generating). Files rotate at 50 MiB through core's rotation; the first half of the
// days is written with compress: true (gzipped backups), the rest with compress: false, so
// the directory holds current, rotated and gzipped files.
//
//   node bench/dist/analytics-gen.js [dir] [megabytes]     (default .bench-data/analytics 1024)
import { closeSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom } from 'daybook/random';
import { closeAuditLogger, EventType, initializeAuditLogger, type AuditLogger } from '@daybook/core';

const SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'NVDA', 'AMZN', 'META', 'SOL-PERP', 'BTC-PERP', 'ETH-PERP', 'SPY'];
const ENDPOINTS = ['/v2/positions', '/v2/orders', '/v2/account', '/v2/clock', '/v2/bars'];
const STRATEGIES = ['momentum', 'mean_reversion', 'breakout'];
const DAY_MS = 86_400_000;

/**
 * The time of the last line of `dir`'s audit.log (ms), from its last 64 KiB: where a bench's
 * appends go on from, as a bot goes on from its last event. The analytics bench took the latest
 * error's time before: a directory that earlier runs had appended to (without errors, so dated
 * after it) then got events older than its last trade, and the first repeated report linked
 * every trade again (0.1-0.2 s of the Python bench's first repeat), which a bot appending in
 * time order never causes.
 */
export function lastEventMs(dir: string): number {
  const path = join(dir, 'audit.log');
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 65_536));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const lines = tail.toString('utf8').trimEnd().split('\n');
    return Date.parse((JSON.parse(lines[lines.length - 1]!) as { timestamp: string }).timestamp);
  } finally {
    closeSync(fd);
  }
}

export function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const st = statSync(join(dir, f));
    if (st.isFile()) n += st.size;
  }
  return n;
}

/** Logs one simulated event; `state` carries open positions and prices. */
function step(audit: AuditLogger, random: () => number, state: { open: Map<string, { qty: number; price: number; at: number; strategy: string }>; prices: Map<string, number>; equity: number; n: number; now: number }): void {
  state.n++;
  const r = random();
  if (r < 0.8) {
    const status = random() < 0.01 ? 503 : random() < 0.005 ? 429 : 200;
    audit.logApiCall({ endpoint: ENDPOINTS[Math.floor(random() * ENDPOINTS.length)]!, method: random() < 0.7 ? 'GET' : 'POST', statusCode: status, latencyMs: Math.round((20 + -Math.log(random()) * 40) * 10) / 10 });
  } else if (r < 0.88) {
    const ok = random() > 0.01;
    audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: ok ? 'healthy' : 'degraded', response_time_ms: Math.round(random() * 200) } });
  } else if (r < 0.92) {
    audit.logPerformanceMetric('cycle_time', Math.round(random() * 5000) / 1000, 'seconds');
  } else if (r < 0.95) {
    const s = SYMBOLS[Math.floor(random() * SYMBOLS.length)]!;
    const price = Math.round(state.prices.get(s)! * (1 + (random() - 0.5) * 0.02) * 100) / 100;
    state.prices.set(s, price);
    const position = state.open.get(s);
    if (position === undefined) {
      const qty = 1 + Math.floor(random() * 100);
      const strategy = STRATEGIES[Math.floor(random() * STRATEGIES.length)]!;
      state.open.set(s, { qty, price, at: state.now, strategy });
      audit.logTradeEntry({ symbol: s, side: 'buy', quantity: qty, price, orderId: `o${state.n}`, strategyName: strategy, riskPercent: 0.01, portfolioValue: Math.round(state.equity * 100) / 100 });
    } else {
      state.open.delete(s);
      const pnl = Math.round((price - position.price) * position.qty * 100) / 100;
      state.equity += pnl;
      audit.logTradeExit({ symbol: s, quantity: position.qty, price, pnl, orderId: `o${state.n}`, strategyName: position.strategy, reason: pnl >= 0 ? 'take_profit_hit' : 'stop_loss_hit', metadata: { hold_time_minutes: Math.round((state.now - position.at) / 600) / 100 } });
    }
  } else if (r < 0.97) {
    const s = SYMBOLS[Math.floor(random() * SYMBOLS.length)]!;
    audit.logStrategyEvent(EventType.ENTRY_SIGNAL, `Momentum breakout signal for ${s}`, STRATEGIES[Math.floor(random() * STRATEGIES.length)]!, { symbol: s, metadata: { momentum_score: Math.round(random() * 100) / 100 } });
  } else if (r < 0.985) {
    const kinds = [EventType.POSITION_SIZE_CALCULATED, EventType.PORTFOLIO_HEAT_WARNING, EventType.RISK_LIMIT_HIT, EventType.DAILY_LOSS_LIMIT] as const;
    const kind = kinds[Math.floor(random() * random() * kinds.length)]!;
    audit.logRiskEvent(kind, `Risk event ${kind}`, { portfolioHeat: Math.round(random() * 2000) / 10000, dailyPnl: Math.round((random() - 0.6) * 100000) / 100, level: kind === EventType.POSITION_SIZE_CALCULATED ? 'INFO' : 'WARNING' });
  } else if (r < 0.995) {
    audit.logSystemEvent(EventType.MARKET_STATUS, 'Market status update', { metadata: { open: random() < 0.5 } });
  } else {
    const which = Math.floor(random() * 3);
    audit.logError(which === 0 ? `Order ${state.n} rejected by broker` : which === 1 ? 'API connection failed' : `Timeout after ${Math.floor(random() * 30)} s`, which === 0 ? 'broker' : 'alpaca_client', { error: which === 1 ? new TypeError('socket hang up') : undefined, level: random() < 0.1 ? 'CRITICAL' : 'ERROR' });
  }
}

export interface GenerateOptions {
  /** Simulated days (default 60); the first half is written with compress: true. */
  days?: number;
  /** Rotation size (default 50 MiB). */
  maxFileSize?: number;
}

/** Writes about `megabytes` MiB of lines into `dir` (emptied first). */
export async function generate(dir: string, megabytes: number, seed = 7, options: GenerateOptions = {}): Promise<{ events: number; bytesOnDisk: number; seconds: number }> {
  rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  const realNow = Date.now;
  const random = createRandom(seed);
  const days = options.days ?? 60;
  let sim = Date.UTC(2025, 0, 6, 0, 0, 0); // a Monday
  Date.now = () => sim;
  const state = { open: new Map(), prices: new Map(SYMBOLS.map((s, i) => [s, 50 + i * 37])), equity: 100_000, n: 0, now: sim };
  // bytes per event, measured on the first day: ~820 (audit.log + the category file, with the chain link)
  const target = megabytes * 1024 * 1024;
  let perEvent = 0;
  let written = 0;
  try {
    for (let day = 0; day < days; day++) {
      const audit = initializeAuditLogger({
        logDir: dir, environment: 'bench', sessionId: `bench_day_${day}`, consoleLevel: false,
        maxFileSize: options.maxFileSize ?? 50 * 1024 * 1024, backupCount: 1000, compress: day < days / 2,
        durability: { trading: 'none' }, bufferSize: 256 * 1024 * 1024,
      });
      const perDay = perEvent === 0 ? 20_000 : Math.ceil((target - written) / perEvent / (days - day));
      const gap = (DAY_MS * 0.9) / perDay;
      for (let i = 0; i < perDay; i++) {
        sim += Math.max(1, Math.round(gap * (0.5 + random())));
        state.now = sim;
        step(audit, random, state);
        if (i % 20_000 === 19_999) await audit.flush();
      }
      await closeAuditLogger();
      if (perEvent === 0) perEvent = dirBytes(dir) / (perDay + 2);
      written += perDay * perEvent;
      sim = Date.UTC(2025, 0, 6) + (day + 1) * DAY_MS + Math.round(random() * 3_600_000);
    }
  } finally {
    Date.now = realNow;
  }
  return { events: state.n, bytesOnDisk: dirBytes(dir), seconds: (Date.now() - t0) / 1000 };
}

if (process.argv[1]?.endsWith('analytics-gen.js')) {
  const dir = process.argv[2] ?? '.bench-data/analytics';
  const mb = Number(process.argv[3] ?? 1024);
  const r = await generate(dir, mb);
  process.stdout.write(`${dir}: ${r.events} events, ${(r.bytesOnDisk / 1048576).toFixed(0)} MiB on disk, ${r.seconds.toFixed(0)} s\n`);
}
